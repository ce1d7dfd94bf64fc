"""Weight initialisation, in place, with PyTorch's names and formulas.

All draws come from lamina's seeded generator (`lamina.manual_seed`), in the
tensor's own dtype. Each function returns the tensor it filled.
"""

import math

from lamina.autograd.grad_mode import no_grad
from lamina.errors import ShapeError


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The recommended gain for a nonlinearity (He et al. 2015; Glorot & Bengio 2010)."""
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "sigmoid")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}.")


def fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) of a weight (out, in, *kernel): in * prod(kernel), out * prod(kernel)."""
    if tensor.ndim < 2:
        raise ShapeError(
            f"init: fan in and fan out need a tensor with at least 2 dims; got shape {tuple(tensor.shape)}."
        )
    receptive = 1
    for size in tensor.shape[2:]:
        receptive *= size
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor, mode):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"init: mode must be 'fan_in' or 'fan_out'; got {mode!r}.")
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor, values):
    with no_grad():
        tensor.array[...] = values
        tensor._version[0] += 1
    return tensor


def uniform_(tensor, a=0.0, b=1.0):
    backend = tensor.device.backend
    return _fill(tensor, backend.uniform(tensor.shape, tensor.array.dtype) * (b - a) + a)


def normal_(tensor, mean=0.0, std=1.0):
    backend = tensor.device.backend
    return _fill(tensor, backend.normal(tensor.shape, tensor.array.dtype) * std + mean)


def constant_(tensor, value):
    return _fill(tensor, value)


def zeros_(tensor):
    return _fill(tensor, 0)


def ones_(tensor):
    return _fill(tensor, 1)


def xavier_uniform_(tensor, gain=1.0):
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor, gain=1.0):
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode)))


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0):
    """Normal(mean, std) restricted to [a, b]: out-of-range draws are drawn again."""
    backend = tensor.device.backend
    xp = backend.xp
    values = backend.normal(tensor.shape, tensor.array.dtype) * std + mean
    outside = (values < a) | (values > b)
    while outside.any():
        values[outside] = backend.normal((int(outside.sum()),), tensor.array.dtype) * std + mean
        outside = (values < a) | (values > b)
    return _fill(tensor, xp.clip(values, a, b))


def orthogonal_(tensor, gain=1.0):
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian one (Saxe et al. 2013)."""
    if tensor.ndim < 2:
        raise ShapeError("orthogonal_: only tensors with 2 or more dimensions are supported.")
    backend = tensor.device.backend
    xp = backend.xp
    rows, cols = tensor.shape[0], tensor.numel() // tensor.shape[0]
    flat = backend.normal((rows, cols), "float64")
    if rows < cols:
        flat = flat.T
    q, r = xp.linalg.qr(flat)
    q = q * xp.sign(xp.diag(r))  # makes the decomposition unique, so the result is uniformly distributed
    if rows < cols:
        q = q.T
    return _fill(tensor, (q * gain).reshape(tensor.shape).astype(tensor.array.dtype))


def eye_(tensor):
    if tensor.ndim != 2:
        raise ShapeError("eye_: only 2-D tensors are supported.")
    return _fill(tensor, tensor.device.backend.xp.eye(*tensor.shape, dtype=tensor.array.dtype))


def dirac_(tensor, groups=1):
    """A convolution kernel (out, in, *k) that passes its input through: 1 at the centre of channel i -> i (in
    each of `groups` groups), 0 elsewhere (Zagoruyko & Komodakis 2017)."""
    if tensor.ndim not in (3, 4, 5):
        raise ShapeError("dirac_: only 3-, 4- and 5-D tensors (convolution kernels) are supported.")
    out_channels = tensor.shape[0]
    if out_channels % groups:
        raise ValueError(f"dirac_: dim 0 ({out_channels}) must be divisible by groups ({groups}).")
    xp = tensor.device.backend.xp
    kernel = xp.zeros(tensor.shape, dtype=tensor.array.dtype)
    per_group = out_channels // groups
    centre = tuple(size // 2 for size in tensor.shape[2:])
    for group in range(groups):
        for channel in range(min(per_group, tensor.shape[1])):
            kernel[(group * per_group + channel, channel) + centre] = 1
    return _fill(tensor, kernel)


# PyTorch's private name, used by layer code copied from torch (e.g. a Linear's reset_parameters)
_calculate_fan_in_and_fan_out = fan_in_and_fan_out
