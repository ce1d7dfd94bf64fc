"""Weight initialisation, in place, with PyTorch's names and formulas.

All draws come from lamina's seeded generator (`lamina.manual_seed`), or from the `generator=` given (a
lamina.Generator, as in PyTorch), in the tensor's own dtype. Each function returns the tensor it filled.
The names without the trailing underscore are PyTorch's deprecated aliases: they warn, then do the same.
"""

import math

from lamina import random
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


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    draws = random.source(generator, tensor.device)
    return _fill(tensor, draws.uniform(tensor.shape, tensor.array.dtype) * (b - a) + a)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    draws = random.source(generator, tensor.device)
    return _fill(tensor, draws.normal(tensor.shape, tensor.array.dtype) * std + mean)


def constant_(tensor, value):
    return _fill(tensor, value)


def zeros_(tensor):
    return _fill(tensor, 0)


def ones_(tensor):
    return _fill(tensor, 1)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode)), generator)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Normal(mean, std) restricted to [a, b]: out-of-range draws are drawn again."""
    draws = random.source(generator, tensor.device)
    xp = tensor.device.backend.xp
    values = draws.normal(tensor.shape, tensor.array.dtype) * std + mean
    outside = (values < a) | (values > b)
    while outside.any():
        values[outside] = draws.normal((int(outside.sum()),), tensor.array.dtype) * std + mean
        outside = (values < a) | (values > b)
    return _fill(tensor, xp.clip(values, a, b))


def orthogonal_(tensor, gain=1.0, generator=None):
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian one (Saxe et al. 2013)."""
    if tensor.ndim < 2:
        raise ShapeError("orthogonal_: only tensors with 2 or more dimensions are supported.")
    xp = tensor.device.backend.xp
    rows, cols = tensor.shape[0], tensor.numel() // tensor.shape[0]
    flat = random.source(generator, tensor.device).normal((rows, cols), "float64")
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


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """A 2-D matrix drawn from N(0, std) with a fraction `sparsity` of each column set to zero (Martens 2010)."""
    if tensor.ndim != 2:
        raise ShapeError("sparse_: only 2-D tensors are supported.")
    if not 0 <= sparsity <= 1:
        raise ValueError(f"sparse_: sparsity must be in [0, 1]; got {sparsity}.")
    rows, cols = tensor.shape
    zeros = int(math.ceil(sparsity * rows))
    draws = random.source(generator, tensor.device)
    xp = tensor.device.backend.xp
    values = draws.normal((rows, cols), tensor.array.dtype) * std
    order = xp.argsort(draws.uniform((rows, cols), "float64"), axis=0)  # a random permutation per column
    values[order[:zeros], xp.arange(cols)] = 0
    return _fill(tensor, values)


def _deprecated(name):
    modern = globals()[name + "_"]

    def alias(*args, **kwargs):
        import warnings

        warnings.warn(f"nn.init.{name} is now deprecated in favor of nn.init.{name}_.", FutureWarning, stacklevel=2)
        return modern(*args, **kwargs)

    alias.__name__ = alias.__qualname__ = name
    return alias


for _name in ("uniform", "normal", "constant", "eye", "dirac", "xavier_uniform", "xavier_normal", "kaiming_uniform",
              "kaiming_normal", "orthogonal", "sparse"):  # fmt: skip
    globals()[_name] = _deprecated(_name)
del _name


# PyTorch's private name, used by layer code copied from torch (e.g. a Linear's reset_parameters)
_calculate_fan_in_and_fan_out = fan_in_and_fan_out
