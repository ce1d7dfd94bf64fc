"""Reference activations: ReLU and tanh-GELU with their backwards."""

import numpy as np

from lamina.backend.kernels import namespace

# A 0-d zero of the input's dtype: NumPy takes it faster than a Python 0, which it must first resolve to a
# dtype. Another namespace gets a scalar of the dtype (a device cannot take a host array).
_ZEROS = {np.dtype(kind): np.zeros((), kind) for kind in (np.float16, np.float32, np.float64)}


def _zero(xp, dtype):
    zero = _ZEROS.get(dtype) if xp is np else None
    return dtype.type(0) if zero is None else zero


def relu(x):
    """max(x, 0) elementwise; NaN stays NaN (as PyTorch)."""
    xp = namespace.of(x)
    return xp.maximum(x, _zero(xp, x.dtype))


def relu_backward(grad, z):
    """grad where the ReLU's output z is positive, else 0 (NOTE: 0 at x = 0, as PyTorch)."""
    xp = namespace.of(grad)
    zero = _zero(xp, z.dtype)
    return xp.where(z > zero, grad, zero)


_SQRT_2_OVER_PI = 0.7978845608028654


def gelu_tanh(x):
    """x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))); returns (y, the tanh), the tanh kept for the backward."""
    xp = namespace.of(x)
    t = xp.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))
    return 0.5 * x * (1 + t), t


def gelu_tanh_backward(grad, x, t):
    """t: the tanh from the forward. d/dx = (1 + t)/2 + x/2 (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2)."""
    slope = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
    return grad * slope
