"""Gradient clipping: clip_grad_norm_ and clip_grad_value_ (torch.nn.utils names)."""

import math

from lamina.autograd.grad_mode import no_grad
from lamina.tensor import Tensor


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale all gradients together so their joint norm is at most max_norm; returns the norm before."""
    grads = _grads(parameters)
    if not grads:
        return Tensor(0.0)
    with no_grad():
        if norm_type == math.inf:
            total = max(float(g.abs().max().item()) for g in grads)
        else:
            total = sum(float((g.abs() ** norm_type).sum().item()) for g in grads) ** (1.0 / norm_type)
        if error_if_nonfinite and not math.isfinite(total):
            raise RuntimeError(
                f"clip_grad_norm_: the total norm of the gradients is {total}; a NaN or Inf entered "
                "the gradients. Use lamina.autograd.detect_anomaly() to find the op."
            )
        scale = max_norm / (total + 1e-6)
        if scale < 1:
            for g in grads:
                g.mul_(scale)
    return Tensor(total)


def clip_grad_value_(parameters, clip_value):
    """Clamp every gradient entry to [-clip_value, clip_value]."""
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(-clip_value, clip_value)
