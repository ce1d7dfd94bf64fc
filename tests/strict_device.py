"""A strict fake device: the bugs a GPU backend hits first, caught on a machine without a GPU.

A CuPy array is not a NumPy array: `np.asarray(gpu_array)` raises, `isinstance(a, np.ndarray)` is False,
a NumPy function given one refuses it, and mixing a host array into a device op is a TypeError. Every
one of those is a place where lamina code bypasses `ctx.xp` or the kernel set and would break on a GPU
(or silently compute on the host). `StrictArray` behaves the same way, over NumPy memory:

- it is *not* an `np.ndarray` subclass: `np.asarray(a)`, `np.array(a)` and any `np.*` function given one
  raise HostLeak (NumPy's `__array__` / `__array_function__` protocols);
- operators and methods (`a + b`, `a.sum()`, `a[i] = v`) work, as on CuPy, but refuse a host array operand;
- the namespace `strict_xp` (the device's `xp`, as `cupy` is for the GPU) computes with NumPy on unwrapped
  arrays and wraps the results; it accepts host data only in `asarray`/`array` (a host-to-device copy);
- reading a value on the host (`float(a)`, `a.item()`, `bool(a)`, `a.tolist()`, `backend.to_numpy`) is a
  *device synchronisation* on a GPU: it works, and is counted, so a test can say a training step makes none.

`register()` makes the device `strict` (idempotent); its kernels are lamina's reference kernels, which
are written against the namespace of their inputs and so are what a new backend starts from.
"""

import contextlib
import operator
import traceback
import types

import numpy as np

import lamina
from lamina.backend import register_device
from lamina.backend.counter_random import CounterStream, DrawsFromCounterStream
from lamina.backend.kernels import reference


class HostLeak(TypeError):
    """A device array reached NumPy directly (a GPU backend would raise or copy to the host here)."""


class _Syncs:
    count = 0
    where = []  # what synchronised, for the assertion message


def _sync(what):
    _Syncs.count += 1
    caller = [f"{frame.filename.rsplit('/', 2)[-1]}:{frame.lineno}" for frame in traceback.extract_stack(limit=5)[:-2]]
    _Syncs.where.append(f"{what} at {' < '.join(reversed(caller))}")


@contextlib.contextmanager
def counting_syncs():
    """`with counting_syncs() as syncs: ...`; then `syncs()` is how many host reads happened inside, and
    `syncs.where` what they were."""
    start = _Syncs.count
    first = len(_Syncs.where)

    def syncs():
        return _Syncs.count - start

    yield syncs
    syncs.where = _Syncs.where[first:]
    syncs.final = _Syncs.count - start


def _unwrap(value, what):
    """A StrictArray's memory; refuse a host array where a device array is expected."""
    if type(value) is StrictArray:
        return value._a
    if isinstance(value, np.ndarray):
        raise HostLeak(
            f"strict device: {what} was given a host (NumPy) array of shape {value.shape} beside device arrays; "
            "move it with the device's xp.asarray, or compute it with ctx.xp"
        )
    if isinstance(value, (list, tuple)):
        return type(value)(_unwrap(v, what) for v in value)
    if isinstance(value, slice):
        return slice(_unwrap(value.start, what), _unwrap(value.stop, what), _unwrap(value.step, what))
    if isinstance(value, dict):
        return {k: _unwrap(v, what) for k, v in value.items()}
    return value


def _wrap(value):
    if isinstance(value, np.ndarray):
        return StrictArray(value)
    if isinstance(value, np.generic):  # as CuPy: a reduction or an element is a 0-d device array, not a scalar
        return StrictArray(np.asarray(value))
    if isinstance(value, tuple):
        return tuple(_wrap(v) for v in value)
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


class StrictArray:
    """Device memory (a NumPy array inside) that the host may not read implicitly."""

    __slots__ = ("_a",)
    __array_priority__ = 1000  # NumPy's reflected operators (np.float32(2) * a) defer to ours

    def __init__(self, array):
        self._a = array

    # --- what NumPy may not do with it ---
    def __array__(self, dtype=None, copy=None):
        raise HostLeak(
            f"strict device: implicit conversion of a device array (shape {self._a.shape}) to a NumPy array; "
            "use the backend's to_numpy (an explicit copy to the host)"
        )

    def __array_function__(self, func, types, args, kwargs):
        raise HostLeak(f"strict device: np.{func.__name__} was called on a device array; use ctx.xp.{func.__name__}")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method == "__call__" and any(isinstance(v, np.generic) for v in inputs):
            # a NumPy scalar's operator (np.float32(2) * a): CuPy takes it too
            return _wrap(ufunc(*_unwrap(inputs, ufunc.__name__), **_unwrap(kwargs, ufunc.__name__)))
        raise HostLeak(f"strict device: np.{ufunc.__name__} was called on a device array; use ctx.xp.{ufunc.__name__}")

    # --- host reads: allowed, counted ---
    def item(self, *args):
        _sync("item")
        return self._a.item(*args)

    def tolist(self):
        _sync("tolist")
        return self._a.tolist()

    def __float__(self):
        _sync("float")
        return float(self._a)

    def __int__(self):
        _sync("int")
        return int(self._a)

    def __index__(self):
        _sync("index")
        return operator.index(self._a)

    def __bool__(self):
        _sync("bool")
        return bool(self._a)

    def get(self):
        """CuPy's explicit copy to the host."""
        _sync("get")
        return self._a.copy()

    # --- what stays on the device (shape, dtype, ... are set below, with the methods) ---
    @property
    def base(self):
        return None if self._a.base is None else StrictArray(self._a.base)

    @property
    def T(self):
        return StrictArray(self._a.T)

    @property
    def real(self):
        return StrictArray(self._a.real)

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (StrictArray(row) if isinstance(row, np.ndarray) else row for row in self._a)

    def __getitem__(self, key):
        key = _unwrap(key, "indexing")
        if _has_mask(key):
            _sync("boolean mask indexing")  # the result's size depends on the data: CuPy reads it back
        return _wrap(self._a[_wrapped_indices(key, self._a.shape)])

    def __setitem__(self, key, value):
        self._a[_unwrap(key, "indexing")] = _unwrap(value, "assignment")

    def __repr__(self):
        return f"StrictArray({self._a!r})"

    def __copy__(self):
        return StrictArray(self._a.copy())

    def __deepcopy__(self, memo):
        return StrictArray(self._a.copy())


def _has_mask(key):
    keys = key if isinstance(key, tuple) else (key,)
    return any(isinstance(k, np.ndarray) and k.dtype == bool for k in keys)


def _wrapped_indices(key, shape):
    """Integer-array indices taken modulo their dim, as CuPy does (it never checks bounds on the device):
    an out-of-range index is the caller's check to make, not an error NumPy would raise for it here."""
    keys = key if isinstance(key, tuple) else (key,)
    if any(k is Ellipsis or k is None for k in keys) or len(keys) > len(shape):
        return key
    wrapped = tuple(
        k % size if isinstance(k, np.ndarray) and k.dtype.kind in "iu" and size else k for k, size in zip(keys, shape)
    )
    return wrapped if isinstance(key, tuple) else wrapped[0]


def _method(name):
    def method(self, *args, **kwargs):
        return _wrap(getattr(self._a, name)(*_unwrap(args, f"ndarray.{name}"), **_unwrap(kwargs, f"ndarray.{name}")))

    method.__name__ = name
    return method


_METHODS = (
    "reshape view astype copy ravel flatten transpose swapaxes sum prod mean max min any all argmax argmin cumsum "
    "clip round std var fill squeeze take repeat nonzero sort argsort conj dot"
).split()
_OPERATORS = (
    "add sub mul truediv floordiv mod pow matmul and or xor lshift rshift "
    "radd rsub rmul rtruediv rfloordiv rmod rpow rmatmul rand ror rxor "
    "iadd isub imul itruediv ifloordiv imod ipow iand ior ixor "
    "lt le gt ge eq ne neg pos abs invert"
).split()
for _name in _METHODS:
    setattr(StrictArray, _name, _method(_name))
for _name in "shape dtype ndim size itemsize nbytes strides flags".split():  # facts about the array, not its data
    setattr(StrictArray, _name, property(lambda self, _name=_name: getattr(self._a, _name)))
for _name in _OPERATORS:
    _dunder = f"__{_name}__"
    _op = _method(_dunder)
    if _name.startswith("i") and _name not in ("invert",):

        def _op(self, other, _dunder=_dunder):  # in place: the same StrictArray, its memory updated
            getattr(self._a, _dunder)(_unwrap(other, _dunder))
            return self

    setattr(StrictArray, _dunder, _op)
StrictArray.__hash__ = None
_nonzero = StrictArray.nonzero


def _counted_nonzero(self):
    _sync("nonzero")  # the result's size depends on the data
    return _nonzero(self)


StrictArray.nonzero = _counted_nonzero


# functions whose output size depends on the values: CuPy must read the device to allocate it
_SIZED_BY_DATA = {"nonzero", "flatnonzero", "argwhere", "unique", "extract", "compress"}


def _counted(function, name):
    def counted(*args, **kwargs):
        _sync(name)
        return function(*args, **kwargs)

    return counted


class _Ufunc:
    """A NumPy ufunc on device arrays, with its methods (`xp.add.at`, `xp.maximum.reduce`)."""

    def __init__(self, ufunc):
        self._ufunc = ufunc
        self.__name__ = ufunc.__name__

    def __call__(self, *args, **kwargs):
        return _wrap(self._ufunc(*_unwrap(args, self.__name__), **_unwrap(kwargs, self.__name__)))

    def __getattr__(self, name):
        method = getattr(self._ufunc, name)
        if not callable(method):
            return method
        return lambda *args, **kwargs: _wrap(method(*_unwrap(args, name), **_unwrap(kwargs, name)))


class _Namespace:
    """The strict device's `xp`: NumPy's names, over device arrays (as `cupy` is NumPy's over GPU ones)."""

    ndarray = StrictArray

    def __init__(self, module=np, name="strict_xp"):
        self._module = module
        self.__name__ = name
        self.lib = _Lib()

    def __getattr__(self, name):
        value = getattr(self._module, name)
        if name in _SIZED_BY_DATA:
            value = _counted(value, name)
        if isinstance(value, types.ModuleType):  # xp.linalg, xp.fft
            wrapped = _Namespace(value, f"{self.__name__}.{name}")
        elif isinstance(value, np.ufunc):
            wrapped = _Ufunc(value)
        elif isinstance(value, type) or not callable(value):
            wrapped = value  # dtypes (xp.float32), constants (xp.inf), finfo/iinfo
        else:

            def wrapped(*args, _f=value, _name=name, **kwargs):
                return _wrap(_f(*_unwrap(args, f"xp.{_name}"), **_unwrap(kwargs, f"xp.{_name}")))

            wrapped.__name__ = name
        setattr(self, name, wrapped)
        return wrapped

    # host data is welcome here: these are the host-to-device copies
    def asarray(self, data, dtype=None):
        if type(data) is StrictArray:
            return data if dtype is None or data.dtype == dtype else StrictArray(data._a.astype(dtype))
        return StrictArray(np.asarray(_unwrap_host(data), dtype=dtype))

    def array(self, data, dtype=None, copy=True):
        if type(data) is StrictArray:
            return StrictArray(np.array(data._a, dtype=dtype, copy=copy))
        return StrictArray(np.array(_unwrap_host(data), dtype=dtype))

    def ascontiguousarray(self, data, dtype=None):
        return StrictArray(np.ascontiguousarray(_unwrap(data, "xp.ascontiguousarray"), dtype=dtype))


class _Lib:
    """xp.lib.stride_tricks.sliding_window_view (CuPy has it too)."""

    def __init__(self):
        self.stride_tricks = self

    def sliding_window_view(self, x, window_shape, axis=None):
        view = np.lib.stride_tricks.sliding_window_view(_unwrap(x, "sliding_window_view"), window_shape, axis=axis)
        return StrictArray(view)


def _unwrap_host(data):
    if isinstance(data, (list, tuple)):
        return type(data)(_unwrap_host(v) for v in data)
    return data._a if type(data) is StrictArray else data


strict_xp = _Namespace()


class StrictBackend(DrawsFromCounterStream):
    """A backend whose arrays are StrictArrays: the interface of NumpyBackend, over the strict namespace."""

    name = "strict"
    xp = strict_xp
    kernels = reference

    def __init__(self):
        self.stream = CounterStream(self._generator)

    def asarray(self, data, dtype=None):
        return strict_xp.asarray(data, dtype=dtype)

    def to_numpy(self, array):
        _sync("to_numpy")
        return array._a.copy()

    def erf(self, x):
        from scipy.special import erf

        return StrictArray(erf(x._a))

    @property
    def special(self):
        """SciPy's special functions over strict arrays (NumpyBackend.special's interface)."""
        import scipy.special

        class Special:
            def __getattr__(self, name):
                function = getattr(scipy.special, name)
                return lambda *args: StrictArray(function(*_unwrap(args, name)))

        return Special()

    def sigmoid(self, x):
        from scipy.special import expit

        return StrictArray(expit(x._a))

    def matmul(self, a, b):
        return a @ b

    def broadcast_to(self, array, shape):
        return strict_xp.broadcast_to(array, shape)

    def index_add(self, target, index, values):
        strict_xp.add.at(target, index, values)

    def _generator(self, seed):  # random draws: counter_random's design, as on the GPU
        return _StrictGenerator(seed)


class _StrictGenerator:
    """NumPy's Generator, its draws made on the device (as CuPy's Generator makes them)."""

    def __init__(self, seed):
        self._generator = np.random.default_rng(seed)

    def random(self, shape, dtype):
        return StrictArray(self._generator.random(shape, dtype=dtype))

    def standard_normal(self, shape, dtype):
        return StrictArray(self._generator.standard_normal(shape, dtype=dtype))

    def integers(self, low, high, size):
        return StrictArray(self._generator.integers(low, high, size=size))


def register():
    """The `strict` device (registered once per process)."""
    try:
        return lamina.device("strict")
    except lamina.DeviceError:
        return register_device("strict", StrictBackend())
