"""Activation functions, composites of the elementwise primitives."""

import math

from lamina import functional as core
from lamina.ops import elementwise
from lamina.ops.activation import GeluTanh


def relu(x, inplace=False):
    return elementwise.Relu.apply(x)


def leaky_relu(x, negative_slope=0.01, inplace=False):
    return elementwise.where(x > 0, x, x * negative_slope)


def rrelu(x, lower=1 / 8, upper=1 / 3, training=False, inplace=False):
    """Randomized leaky ReLU (Xu et al. 2015): while training each negative entry's slope is drawn from
    U(lower, upper) (lamina's seeded generator); otherwise the slope is their mean, as PyTorch."""
    if not 0 <= lower <= upper:
        raise ValueError(f"rrelu: expects 0 <= lower <= upper; got lower={lower}, upper={upper}.")
    if not training:
        return leaky_relu(x, (lower + upper) / 2)
    slope = x.new_empty(*x.shape).uniform_(lower, upper)
    return elementwise.where(x >= 0, x, x * slope)


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


# --- more of PyTorch's activations, composites of the primitives ---
_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772, 1.0507009873554805  # Klambauer et al. (2017)


def selu(x, inplace=False):
    return elu(x, _SELU_ALPHA) * _SELU_SCALE


def celu(x, alpha=1.0, inplace=False):
    return elementwise.where(x > 0, x, ((elementwise.minimum(x, 0.0) / alpha).exp() - 1) * alpha)


def prelu(x, weight):
    """x if x > 0 else weight * x, weight per channel (dim 1) or one for all."""
    shape = (1, -1) + (1,) * (x.ndim - 2) if x.ndim > 1 and weight.numel() > 1 else (-1,) if weight.numel() > 1 else ()
    slope = weight.reshape(*shape) if shape else weight.reshape(())
    return elementwise.where(x > 0, x, x * slope)


def logsigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return -softplus(-x)


def mish(x, inplace=False):
    return x * softplus(x).tanh()


def hardsigmoid(x, inplace=False):
    return (x / 6 + 0.5).clamp(0.0, 1.0)


def hardswish(x, inplace=False):
    return x * hardsigmoid(x)


def softsign(x):
    return x / (x.abs() + 1)


def tanhshrink(x):
    return x - x.tanh()


def softshrink(x, lambd=0.5):
    return elementwise.where(x > lambd, x - lambd, elementwise.where(x < -lambd, x + lambd, x * 0))


def hardshrink(x, lambd=0.5):
    return elementwise.where(x.abs() > lambd, x, x * 0)


def threshold(x, threshold, value, inplace=False):
    return elementwise.where(x > threshold, x, value)


_threshold = threshold  # for threshold_, whose argument of that name hides it


def glu(x, dim=-1):
    """a * sigmoid(b) for the two halves (a, b) of dim (Dauphin et al. 2017)."""
    if x.shape[dim] % 2:
        raise ValueError(f"glu: dimension {dim} must have an even size; got {x.shape[dim]}.")
    a, b = x.chunk(2, dim)
    return a * b.sigmoid()


def softmin(x, dim):
    return core.softmax(-x, dim)


def gumbel_softmax(logits, tau=1.0, hard=False, dim=-1):
    """softmax((logits + Gumbel noise) / tau), with the straight-through one-hot when hard=True."""
    uniform = logits.new_empty(*logits.shape).uniform_().clamp(1e-20, 1.0)
    soft = core.softmax((logits - (-uniform.log()).log()) / tau, dim)
    if not hard:
        return soft
    index = soft.argmax(dim, keepdim=True)
    one_hot = logits.new_zeros(*logits.shape).scatter(dim, index, 1.0)
    return one_hot - soft.detach() + soft


# PyTorch's in-place forms: computed out of place, as inplace=True is here (see the README)
def relu_(x):
    return x.copy_(relu(x))


def leaky_relu_(x, negative_slope=0.01):
    return x.copy_(leaky_relu(x, negative_slope))


def elu_(x, alpha=1.0):
    return x.copy_(elu(x, alpha))


def hardtanh_(x, min_val=-1.0, max_val=1.0):
    return x.copy_(hardtanh(x, min_val, max_val))


def selu_(x):
    return x.copy_(selu(x))


def celu_(x, alpha=1.0):
    return x.copy_(celu(x, alpha))


def threshold_(x, threshold, value):
    return x.copy_(_threshold(x, threshold, value))


def rrelu_(x, lower=1 / 8, upper=1 / 3, training=False):
    return x.copy_(rrelu(x, lower, upper, training))
