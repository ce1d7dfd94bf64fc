"""The CPU backend: NumPy arrays, NumPy's PCG64 generator."""

import numpy as np

from lamina.backend import kernels as _kernel_sets
from lamina.backend.allocator import keep_freed_memory
from lamina.backend.kernels import threads

keep_freed_memory()  # freed activations stay in the heap for the next step (see allocator.py)


_expit = None  # scipy.special.expit, once NumpyBackend.sigmoid has run
_special = None  # the dtype-keeping scipy.special, once first asked for


class _DtypeKeeping:
    """scipy.special whose functions return the float dtype of their last float array argument."""

    def __init__(self):
        import scipy.special  # imported on first use: most programs never need it (~0.1 s)

        self._module, self._functions = scipy.special, {}

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        function = getattr(self._module, name)

        def keeping_dtype(*args, **kwargs):
            result = function(*args, **kwargs)
            like = next((a for a in reversed(args) if isinstance(a, np.ndarray) and a.dtype.kind == "f"), None)
            if like is not None and isinstance(result, np.ndarray) and result.dtype != like.dtype:
                return result.astype(like.dtype)
            return result

        self.__dict__[name] = keeping_dtype  # next time a plain attribute
        return keeping_dtype


class NumpyBackend:
    """Arrays in host memory, computed by NumPy (and its BLAS).

    The interface every backend offers (a CuPy backend offers the same):
    `xp` the NumPy-compatible namespace ops compute with, `asarray`,
    `to_numpy`, `index_add`, `erf`, `sigmoid`, `matmul`, `broadcast_to`, `kernels` (the fused array routines behind
    the heavy ops), and the random draws behind `manual_seed`.
    """

    name = "numpy"
    xp = np

    def __init__(self):
        self.generator = np.random.default_rng(0)

    @property
    def kernels(self):
        """The kernel set in use: compiled (numba) or the NumPy reference (lamina.backend.kernels)."""
        return _kernel_sets.active()

    def asarray(self, data, dtype=None):
        return np.asarray(data, dtype=dtype)

    def to_numpy(self, array):
        return array

    def erf(self, x):
        return self.special.erf(x)

    @property
    def special(self):
        """SciPy's special functions (erf, lgamma, digamma, polygamma, erfinv: ops/special.py), imported on first
        use, each giving back its input's float dtype (SciPy has no float16 loops and answers float16 in float64)."""
        global _special
        if _special is None:
            _special = _DtypeKeeping()
        return _special

    def sigmoid(self, x):
        """1 / (1 + exp(-x)) in one pass that cannot overflow: SciPy's expit ufunc. Written out in NumPy
        (exp(-|x|), then a where) it takes 6 passes."""
        global _expit
        if _expit is None:
            from scipy.special import expit as _expit  # imported on first use (scipy takes ~0.1 s to import)
        z = _expit(x)
        return z if z.dtype == x.dtype or x.dtype.kind != "f" else z.astype(x.dtype)  # float16 comes back float64

    def matmul(self, a, b):
        """a @ b; while lamina's kernel threads are busy, through the kernel set's BLAS thread policy.

        (One thread pool at a time, kernels/threads.py. A program that never runs the kernels'
        threads, an MLP say, calls BLAS directly and never imports numba.)
        """
        if threads.pool_recently_used():
            return self.kernels.matmul(a, b)
        return a @ b

    def broadcast_to(self, array, shape):
        """A read-only view of `array` broadcast to `shape` (np.broadcast_to, whose Python-level argument
        handling costs more than the view: a contiguous array's view is made directly)."""
        lead = len(shape) - array.ndim
        if lead < 0 or not array.flags.c_contiguous:
            return np.broadcast_to(array, shape)
        strides = [0] * lead
        for size, target, stride in zip(array.shape, shape[lead:], array.strides):
            if size != target and size != 1:
                return np.broadcast_to(array, shape)  # not broadcastable: NumPy's error
            strides.append(stride if size == target else 0)
        view = np.ndarray(shape, array.dtype, buffer=array, strides=strides)
        view.flags.writeable = False
        return view

    def index_add(self, target, index, values):
        """target[index] += values, adding every repeated index (unlike `+=`)."""
        if isinstance(index, np.ndarray) and index.dtype.kind in "iu":  # rows picked by one integer array
            self.kernels.index_add_rows(target, index, values)
        else:
            np.add.at(target, index, values)

    # --- random draws, all from one seeded generator ---
    def seed(self, seed: int):
        self.generator = np.random.default_rng(seed)

    def new_stream(self, seed: int) -> "RandomStream":
        """An independent seeded stream of draws, for a lamina.Generator on this device."""
        return RandomStream(seed)

    def get_state(self):
        return self.generator.bit_generator.state

    def set_state(self, state):
        self.generator.bit_generator.state = state

    def uniform(self, shape, dtype):
        return self.generator.random(shape, dtype=dtype)

    def normal(self, shape, dtype):
        return self.generator.standard_normal(shape, dtype=dtype)

    def integers(self, low, high, shape, dtype):
        if np.dtype(dtype).kind in "iu":
            return self.generator.integers(low, high, size=shape, dtype=dtype)
        return self.generator.integers(low, high, size=shape).astype(dtype)  # e.g. randint_like a float tensor

    def permutation(self, n):
        return self.generator.permutation(n)


class RandomStream:
    """The backend's draws (uniform, normal, integers, permutation) from a generator of its own."""

    seed = NumpyBackend.seed
    get_state = NumpyBackend.get_state
    set_state = NumpyBackend.set_state
    uniform = NumpyBackend.uniform
    normal = NumpyBackend.normal
    integers = NumpyBackend.integers
    permutation = NumpyBackend.permutation

    def __init__(self, seed: int):
        self.generator = np.random.default_rng(seed)
