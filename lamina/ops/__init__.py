"""Differentiable primitives, one family per file; each class has forward and backward."""
