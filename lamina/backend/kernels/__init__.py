"""Kernels: the array routines behind the heavy ops, in two interchangeable sets.

- `reference` (NumPy): always present; the definition every fast kernel is tested against.
- `compiled` (numba, compiled on first use and cached on disk): loops fused into one pass
  over memory, convolutions that never build a whole-batch im2col copy, and the batch
  split over the cores. Chosen by measurement (benchmarks/README.md).

The compiled set is used when numba imports and `LAMINA_KERNELS` is not `numpy`; switch at
run time with `lamina.backend.kernels.use("numpy")` (also a context manager). Both sets
offer the same functions with the same arguments; a kernel the compiled set lacks for some
input (an unusual dtype, grouped convolution) is answered by the reference.
"""

import importlib.util
import os

from lamina.backend.kernels import reference

_CHOICES = ("numba", "numpy")
_active = None  # the module in use, resolved on first call (import lamina never compiles anything)


def compiled_or_none():
    try:
        from lamina.backend.kernels import compiled
    except ImportError:  # numba not installed: the reference serves everything
        return None
    return compiled


def _resolve(name):
    if name not in _CHOICES:
        raise ValueError(f"lamina kernels: expected one of {_CHOICES}; got {name!r}.")
    if name == "numpy":
        return reference
    compiled = compiled_or_none()
    if compiled is None:
        raise ImportError("lamina kernels: 'numba' was asked for but numba is not installed (pip install numba).")
    return compiled


class _CompiledOnFirstUse:
    """The compiled set before it is imported: numba (~0.4 s) is imported only when a kernel that needs it is
    first asked for, and from then on the compiled module itself is the active set. The small-array kernels
    (small.py) answer before that without it."""

    def __getattr__(self, name):
        global _active
        from lamina.backend.kernels import small

        if name in small.SERVED:
            value = getattr(small, name)
            setattr(self, name, value)  # next time a plain attribute: a module attribute's cost
            return value
        compiled = compiled_or_none()
        _active = compiled if compiled is not None else reference  # numba failing to import: the reference
        return getattr(_active, name)


def active():
    """The kernel set in use: `reference` or `compiled` (which until first needed is _CompiledOnFirstUse)."""
    global _active
    if _active is None:
        wanted = os.environ.get("LAMINA_KERNELS", "numba")
        _active = reference if wanted == "numpy" or importlib.util.find_spec("numba") is None else _LAZY_COMPILED
    return _active


class use:
    """Select the kernel set: `kernels.use("numpy")`, or `with kernels.use("numpy"): ...` for a block."""

    def __init__(self, name: str):
        global _active
        self.previous = active()
        _active = _resolve(name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        global _active
        _active = self.previous


_LAZY_COMPILED = _CompiledOnFirstUse()


def available() -> list:
    """The kernel sets this installation can use: ['numpy'] or ['numpy', 'numba']."""
    return ["numpy"] + (["numba"] if compiled_or_none() is not None else [])


def describe() -> str:
    module = active()
    if module is reference:
        return "numpy (reference kernels)"
    return module.describe()  # the compiled set's own description (imports it)
