"""Batched float32 matrix products in C with AVX-512 (lamina/native/products.c), for the convolution kernels.

products.c is part of the native layer (lamina/native); this module takes the C function's address from
it and calls the function from small numba functions (nogil, so both kernel threads run products at once;
a call from numba costs far less than one through ctypes from Python: benchmarks/README.md).
`matmul_into` and `matmul_nt_into` return False when they cannot help: no native layer (no compiler at
install, or LAMINA_NATIVE=0), no AVX-512 on this CPU, arrays that are not float32 or whose rows are not
contiguous. The caller then uses NumPy's matmul, the reference these products are tested against
(tests/backend).
"""

import ctypes

import numba
import numpy as np

from lamina import native

_FLOAT32 = np.dtype(np.float32)
_MIN_NT_DEPTH = 96  # below this depth OpenBLAS's A B^T was faster (benchmarks/README.md)


def _load():
    """The C function, or None. Pointers are passed as integers (an address from numba's arr.ctypes.data)."""
    if native.extension is None or not native.extension.has_avx512():
        return None
    signature = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, *([ctypes.c_ssize_t] * 13), ctypes.c_int)
    return signature(native.extension.batched_product_address())


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
