"""Seeing the graph: DOT/SVG pictures and a step-by-step account of backward."""

from lamina.viz.explain import explain_backward
from lamina.viz.graph import graph, render

__all__ = ["graph", "render", "explain_backward"]
