"""What the compiled kernels share: the numba decorators, the dtype test, float32 constants, the matrix
products inside the convolutions, and splitting a batch over the threads."""

import numpy as np

from lamina.backend.kernels import products, threads
from lamina.backend.kernels.jit import njit

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
CACHE_BYTES = 512 * 1024  # target size of one im2col slice: fits in L2 beside the BLAS panels


def product(a, b, out):
    """out = a @ b (2-D, or stacks of matrices): AVX-512 code where it runs (products.py), else the BLAS."""
    if not products.matmul_into(a, b, out):
        np.matmul(a, b, out=out)


def add_product_nt(a, b, total, scratch):
    """total += a @ b^T (b's rows are the columns of the product); scratch is total-shaped, for the BLAS."""
    if not products.matmul_nt_into(a, b, total, accumulate=True):
        np.matmul(a, np.swapaxes(b, -1, -2), out=scratch)
        total += scratch


def floats(*arrays) -> bool:
    """Whether the arrays share one of the float dtypes the kernels are written for.

    (A loop, not all() over a generator: every kernel call asks, and a generator costs more.)"""
    dtype = arrays[0].dtype
    if dtype not in FLOATS:
        return False
    for array in arrays:
        if array.dtype != dtype:
            return False
    return True


# error_model="numpy": a float division by zero gives inf or NaN, as in the NumPy reference. numba's
# default (Python's model) tests every division and raises ZeroDivisionError, and that test per element
# kept loops with a division from vectorising (the Adam update most of all).
jit = njit(nogil=True, error_model="numpy")
# For loops that sum: allow the compiler to reorder the additions, so a sum over a row becomes
# SIMD partial sums (strict IEEE order forbids it). No other fast-math
# flags: NaN and inf must still propagate as in the reference.
jit_sum = njit(nogil=True, error_model="numpy", fastmath={"reassoc", "contract"})


@jit
def constants(like, *values):
    """`values` as scalars of like's dtype, for the arithmetic of float32 kernels.

    In numba an int or float literal times a float32 is a float64: a float32 kernel written with
    literals computes in float64 and converts back at every store, which also stops the loop from
    vectorising. Unpack the result:
    `two, four = constants(x, 2, 4)`.
    """
    out = np.empty(len(values), dtype=like.dtype)
    for i in range(len(values)):  # all ints or all floats: numba cannot index a mixed tuple
        out[i] = values[i]
    return out


@jit
def load_sample(x, s, top, left, padded):
    """padded[c, top + y, left + col] = x[s, c, y, col]; padded's zero border is never written."""
    channels, height, width = x.shape[1], x.shape[2], x.shape[3]
    for c in range(channels):
        for y in range(height):
            source, target = x[s, c, y], padded[c, top + y, left : left + width]
            for col in range(width):
                target[col] = source[col]


def summed_over_batch_slices(work, n):
    """Sum of work(start, stop) over one slice of the batch per core (each with a one-thread BLAS)."""
    with threads.single_threaded_blas():
        parts = threads.run_split(work, n)
    total = parts[0]
    for part in parts[1:]:
        total += part
    return total


def parallel_rows(x):
    return threads.worth_splitting(x.size)
