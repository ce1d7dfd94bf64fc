"""Activation functions, composites of the elementwise primitives."""

import math

from lamina import functional as core
from lamina.ops import elementwise
from lamina.ops.activation import GeluTanh


def relu(x, inplace=False):
    return elementwise.Relu.apply(x)


def leaky_relu(x, negative_slope=0.01, inplace=False):
    return elementwise.where(x > 0, x, x * negative_slope)


def elu(x, alpha=1.0, inplace=False):
    # exp only of the non-positive part: exp of a large positive x would overflow (and be discarded)
    return elementwise.where(x > 0, x, (elementwise.minimum(x, 0.0).exp() - 1) * alpha)


def gelu(x, approximate="none"):
    """x * Phi(x): exact with erf, or the tanh approximation of Hendrycks & Gimpel (2016)."""
    if approximate == "tanh":
        if x.is_floating_point():
            return GeluTanh.apply(x)  # fused (for speed): one pass each way instead of ten
        inner = (x + x * x * x * 0.044715) * math.sqrt(2 / math.pi)
        return x * 0.5 * (inner.tanh() + 1)
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh'; got {approximate!r}.")
    return x * 0.5 * ((x * (1 / math.sqrt(2))).erf() + 1)


def silu(x, inplace=False):
    return x * x.sigmoid()


def tanh(x):
    return x.tanh()


def sigmoid(x):
    return x.sigmoid()


def softplus(x, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, linear above `threshold` (as PyTorch) where exp would overflow."""
    scaled = x * beta
    safe = elementwise.minimum(scaled, threshold)  # keeps exp finite; the other branch is taken there
    return elementwise.where(scaled > threshold, x, (safe.exp() + 1).log() / beta)


def hardtanh(x, min_val=-1.0, max_val=1.0, inplace=False):
    return x.clamp(min_val, max_val)


def relu6(x, inplace=False):
    return x.clamp(0.0, 6.0)


def softmax(x, dim, dtype=None):
    return core.softmax(x if dtype is None else x.to(dtype), dim)


def log_softmax(x, dim, dtype=None):
    return core.log_softmax(x if dtype is None else x.to(dtype), dim)
