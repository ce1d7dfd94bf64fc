"""Batched float32 matrix products in C with AVX-512 (products.c), for the convolution kernels.

products.c is compiled when lamina is installed (an optional extension in setup.py); this module
finds the library and calls it from small numba functions (nogil, so both kernel threads run
products at once; through ctypes from Python each call cost 6.7-7.1 us, from numba 0.3 us).
`matmul_into` and `matmul_nt_into` return False when they cannot help: no compiled library (no
compiler at install, another platform), no AVX-512 on this CPU, arrays that are not float32 or
whose rows are not contiguous, or LAMINA_NATIVE=0 (or LAMINA_NATIVE_PRODUCTS=0) in the environment. The caller then
uses NumPy's matmul, the reference these products are tested against (tests/backend).
"""

import ctypes
import importlib.machinery
import os

import numba
import numpy as np

from lamina.backend import native

_FLOAT32 = np.dtype(np.float32)
_MIN_NT_DEPTH = 96  # measured: below this depth OpenBLAS's A B^T was faster (64x64 at depth 56: 157-165 vs 189-202 us)


def _load():
    """The C function, or None. Pointers are passed as integers (an address from numba's arr.ctypes.data)."""
    if not native.enabled("products"):
        return None
    here = os.path.dirname(os.path.abspath(__file__))
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = os.path.join(here, "_products" + suffix)
        if os.path.exists(path):
            library = ctypes.CDLL(path)
            if not hasattr(library, "lamina_batched_product") or not library.lamina_has_avx512():
                return None  # a library built from an older products.c, or a CPU without AVX-512
            signature = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, *([ctypes.c_ssize_t] * 13), ctypes.c_int)
            return signature(("lamina_batched_product", library))
    return None


_c_product = _load()


def available() -> bool:
    return _c_product is not None


if _c_product is not None:
    # NOTE: compiled on first use in each process (~0.4 s, then ~0.06 s per new array layout): numba cannot
    # cache a function that calls a ctypes pointer, whose address changes from process to process.

    @numba.njit(nogil=True)
    def _call(transposed_b, a, b, out, accumulate):  # a (P, m, k), out (P, m, n); strides in floats
        return _c_product(
            transposed_b, a.shape[0], out.shape[1], out.shape[2], a.shape[2],
            a.ctypes.data, a.strides[1] // 4, a.strides[0] // 4,
            b.ctypes.data, b.strides[1] // 4, b.strides[0] // 4,
            out.ctypes.data, out.strides[1] // 4, out.strides[0] // 4, accumulate,
        )  # fmt: skip


def _usable(a, b, out, out_shape) -> bool:
    """float32 with contiguous rows, shapes that agree (the C code trusts them), an output apart from both."""
    for array in (a, b, out):
        strides = array.strides
        if array.dtype != _FLOAT32 or array.ndim != a.ndim or strides[-1] != 4 or (strides[0] | strides[-2]) % 4:
            return False
    return (
        a.ndim in (2, 3)
        and a.shape[:-2] == b.shape[:-2] == out.shape[:-2]
        and out.shape[-2:] == out_shape
        and out.flags.writeable
        and not np.may_share_memory(out, a)
        and not np.may_share_memory(out, b)
    )


def matmul_into(a, b, out, accumulate=False) -> bool:
    """out = a @ b (or out += a @ b) for a (P, m, k), b (P, k, n), out (P, m, n), or 2-D; True if done."""
    if _c_product is None or a.shape[-1] != b.shape[-2] or not _usable(a, b, out, (a.shape[-2], b.shape[-1])):
        return False
    if a.ndim == 2:
        a, b, out = a[None], b[None], out[None]
    return _call(0, a, b, out, int(accumulate)) == 0


def matmul_nt_into(a, b, out, accumulate=False) -> bool:
    """out = a @ b^T (or out += a @ b^T) for a (P, m, k), b (P, n, k), out (P, m, n), or 2-D; True if done."""
    if _c_product is None or a.shape[-1] != b.shape[-1] or a.shape[-1] < _MIN_NT_DEPTH:
        return False
    if not _usable(a, b, out, (a.shape[-2], b.shape[-2])):
        return False
    if a.ndim == 2:
        a, b, out = a[None], b[None], out[None]
    return _call(1, a, b, out, int(accumulate)) == 0
