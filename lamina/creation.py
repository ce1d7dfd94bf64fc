"""Making tensors: from data, filled, ranges, and seeded random draws.

Every random draw goes through the device backend's one generator, so
`manual_seed(s)` makes a whole run reproducible.
"""

import numbers

import numpy as np  # only to read Python/NumPy input data, never for array math

from lamina import dtypes
from lamina.backend import all_devices, get_device
from lamina.errors import DTypeError
from lamina.ops.shapes import as_shape
from lamina.tensor import Tensor


def as_backend_array(data, dtype, device):
    """Turn Python data, a NumPy array or a Tensor into an array of the device's backend.

    Python floats become float32 (the default float dtype), ints int64, bools bool;
    a NumPy array keeps its dtype unless one is given.
    """
    if isinstance(data, Tensor):
        data = data.array if data.device is device else data.device.backend.to_numpy(data.array)
    if type(data) is device.array_type and device.array_type is not np.ndarray:  # already on the device
        array = data if dtype is None else data.astype(dtypes.to_dtype(dtype).numpy)
        return array.copy() if array is data else array
    if dtype is not None:
        dtype = dtypes.to_dtype(dtype)
        return device.backend.asarray(np.asarray(data), dtype.numpy).copy()
    is_array = hasattr(data, "dtype") and hasattr(data, "shape")
    array = np.array(data) if not is_array else np.asarray(data)
    if array.dtype == object:
        raise DTypeError(f"tensor: cannot make a tensor from {type(data).__name__} data of mixed or object types.")
    if not is_array and array.dtype.kind == "f":
        array = array.astype(dtypes.default_float.numpy)  # Python floats never make float64 tensors
    elif array.dtype.kind == "i" and array.dtype != np.int64 and not is_array:
        array = array.astype(np.int64)
    dtypes.from_numpy_dtype(array.dtype)  # refuse unsupported dtypes (complex, strings, ...)
    return device.backend.asarray(array).copy() if is_array else device.backend.asarray(array)


def tensor(data, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A new tensor holding a copy of `data` (nested lists, numbers, NumPy arrays, tensors); its dtype is the
    data's (Python ints int64, floats the default float), unlike the legacy `Tensor(data)`, always float."""
    device = get_device(device)
    result = Tensor._make(as_backend_array(data, dtype, device), device)
    return result.requires_grad_() if requires_grad else result


def _filled(maker, shape, dtype, device, requires_grad):
    device = get_device(device)
    dtype = dtypes.to_dtype(dtype) if dtype is not None else dtypes.default_float
    result = Tensor._make(maker(device.backend, as_shape("new tensor", shape), dtype.numpy), device)
    return result.requires_grad_() if requires_grad else result


def zeros(*shape, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _filled(lambda b, s, d: b.xp.zeros(s, dtype=d), shape, dtype, device, requires_grad)


def ones(*shape, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _filled(lambda b, s, d: b.xp.ones(s, dtype=d), shape, dtype, device, requires_grad)


def empty(*shape, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _filled(lambda b, s, d: b.xp.empty(s, dtype=d), shape, dtype, device, requires_grad)


def full(shape, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    if dtype is None:
        dtype = dtypes.scalar_dtype(fill_value, dtypes.bool_) if not isinstance(fill_value, bool) else dtypes.bool_
    return _filled(lambda b, s, d: b.xp.full(s, fill_value, dtype=d), (shape,), dtype, device, requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _filled(lambda b, s, d: b.xp.eye(n, m, dtype=d), (), dtype, device, requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Like range(): integers give int64, any float argument gives float32."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        is_integer = all(isinstance(v, numbers.Integral) for v in (start, end, step))
        dtype = dtypes.int64 if is_integer else dtypes.default_float
    return _filled(lambda b, s, d: b.xp.arange(start, end, step, dtype=d), (), dtype, device, requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _filled(lambda b, s, d: b.xp.linspace(start, end, steps, dtype=d), (), dtype, device, requires_grad)


def _like(maker, x, dtype, device, requires_grad):
    return maker(x.shape, dtype=dtype or x.dtype, device=device or x.device, requires_grad=requires_grad)


def zeros_like(x, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _like(zeros, x, dtype, device, requires_grad)


def ones_like(x, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _like(ones, x, dtype, device, requires_grad)


def empty_like(x, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _like(empty, x, dtype, device, requires_grad)


def full_like(x, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    return full(x.shape, fill_value, dtype=dtype or x.dtype, device=device or x.device, requires_grad=requires_grad)


def rand_like(x, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _like(rand, x, dtype, device, requires_grad)


def randn_like(x, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _like(randn, x, dtype, device, requires_grad)


def randint_like(x, low=0, high=None, dtype=None, device=None) -> Tensor:
    return randint(low, high, x.shape, dtype=dtype or x.dtype, device=device or x.device)


# --- random draws ---
def manual_seed(seed: int):
    """Seed every device's generator: the same seed gives the same draws."""
    from lamina import settings

    settings.manual_seed_with_memory(seed)
    for device in all_devices():
        device.backend.seed(int(seed))


def _require_float_dtype(op, dtype):
    if not dtype.is_floating_point:
        raise DTypeError(f"{op}: dtype must be a floating point dtype; got {dtype.name}.")


def _draws(generator, device):
    from lamina.random import source

    return source(generator, get_device(device))


def rand(*shape, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Uniform on [0, 1)."""
    _require_float_dtype("rand", dtypes.to_dtype(dtype or dtypes.default_float))
    draws = _draws(generator, device)
    return _filled(lambda b, s, d: _random(draws.uniform, s, d), shape, dtype, device, requires_grad)


def randn(*shape, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Standard normal."""
    _require_float_dtype("randn", dtypes.to_dtype(dtype or dtypes.default_float))
    draws = _draws(generator, device)
    return _filled(lambda b, s, d: _random(draws.normal, s, d), shape, dtype, device, requires_grad)


def _random(draw, shape, dtype):
    # the generator draws float32 and float64 natively; float16 is drawn as float32 and rounded
    if dtype == np.float16:
        return draw(shape, np.float32).astype(np.float16)
    return draw(shape, dtype)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Integers uniform on [low, high); `randint(high, size)` as in PyTorch."""
    if high is None or (size is None and isinstance(high, (tuple, list))):
        low, high, size = 0, low, high
    if size is None:
        raise ValueError("randint: size is required, e.g. randint(0, 10, (3,)).")
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low}).")
    dtype = dtypes.to_dtype(dtype or dtypes.int64)
    draws = _draws(generator, device)
    return _filled(lambda b, s, d: draws.integers(low, high, s, d), (size,), dtype, device, requires_grad)


def randperm(n: int, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    device = get_device(device)
    dtype = dtypes.to_dtype(dtype or dtypes.int64)
    order = device.backend.xp.asarray(_draws(generator, device).permutation(n), dtype=dtype.numpy)
    return Tensor._make(order, device)


# --- NumPy arrays and data as tensors, sharing memory where they can ---
def from_numpy(array) -> Tensor:
    """A CPU tensor sharing the NumPy array's memory (writes show in both), as torch.from_numpy."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray; got {type(array).__name__}.")
    dtypes.from_numpy_dtype(array.dtype)  # refuse unsupported dtypes (complex, strings, objects)
    return Tensor._make(array, get_device("cpu"))


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """`data` as a tensor, without a copy when it already is one (or a NumPy array) of that dtype and device."""
    device = get_device(device) if device is not None else (data.device if isinstance(data, Tensor) else None)
    if isinstance(data, Tensor):
        result = data if device is None or data.device is device else data.to(device)
        return result if dtype is None else result.to(dtype)
    wanted = dtypes.to_dtype(dtype) if dtype is not None else None
    if isinstance(data, np.ndarray) and (device is None or device.type == "cpu"):
        if wanted is None or data.dtype == wanted.numpy:
            return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


# --- window functions (torch.*_window): cosine sums and the Kaiser window over n = 0 .. N-1 ---
def _window(op, window_length, periodic, dtype, device, requires_grad, values):
    """A window of `window_length` points; periodic (the default, for spectral analysis) computes N + 1 points
    and drops the last. values(xp, n, denominator) gives the points on the device's namespace."""
    if not isinstance(window_length, int) or window_length < 0:
        raise ValueError(f"{op}: window_length must be a non-negative integer; got {window_length!r}.")
    if window_length <= 1:
        return ones(window_length, dtype=dtype, device=device, requires_grad=requires_grad)
    points = window_length + 1 if periodic else window_length

    def fill(backend, shape, numpy_dtype):
        n = backend.xp.arange(points, dtype="float64")
        return values(backend.xp, n, points - 1)[:window_length].astype(numpy_dtype)

    return _filled(fill, (), dtype, device, requires_grad)


def hann_window(window_length, periodic=True, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad,
                   lambda xp, n, m: 0.5 - 0.5 * xp.cos(2 * np.pi * n / m))  # fmt: skip


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None, device=None,
                   requires_grad=False) -> Tensor:  # fmt: skip
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   lambda xp, n, m: alpha - beta * xp.cos(2 * np.pi * n / m))  # fmt: skip


def blackman_window(window_length, periodic=True, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    def values(xp, n, m):
        return 0.42 - 0.5 * xp.cos(2 * np.pi * n / m) + 0.08 * xp.cos(4 * np.pi * n / m)

    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad, values)


def bartlett_window(window_length, periodic=True, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   lambda xp, n, m: 1 - xp.abs(2 * n / m - 1))  # fmt: skip


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad,
                   lambda xp, n, m: xp.i0(beta * xp.sqrt(1 - (2 * n / m - 1) ** 2)) / xp.i0(beta))  # fmt: skip
