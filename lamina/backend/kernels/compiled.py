"""The compiled kernels: numba loops that make one pass over memory where NumPy makes several.

Same functions, same arguments as reference.py (the definition they are tested against).
Why each exists, measured on the benchmark workloads (benchmarks/README.md):
- convolution: Winograd F(4x4, 3x3) for 3x3 stride-1 layers (4x fewer multiplications); for the
  others, im2col a few samples at a time (over whole padded rows when the stride is 1) so the
  column buffer stays in cache instead of being a 9x or 25x copy of the input, or no im2col at
  all for layers with few inputs per output; the batch split over the cores, one-thread BLAS each,
  or, where the CPU has AVX-512, the products in lamina/native/products.c (products.py);
- pooling, batch/layer norm, softmax, attention weights, cross-entropy, GELU, ReLU's backward:
  a fused loop instead of 4-10 NumPy passes with temporaries (exp and tanh from NumPy's SIMD
  ufuncs, see the NOTE below);
- the embedding's backward and the optimizer updates: one loop instead of np.add.at or 8 passes.
Every loop is compiled on first use (about a second each) and cached in the user's cache folder (jit.py),
never at import. Inputs the kernels were not written for go to the reference, and so does any
kernel not defined here (the module's __getattr__ at the end).
"""

import math

import numba
import numpy as np

from lamina.backend.kernels import choices, products, reference, small, threads
from lamina.backend.kernels.jit import njit

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_CACHE_BYTES = 512 * 1024  # target size of one im2col slice: fits in L2 beside the BLAS panels


def describe() -> str:
    return f"numba {numba.__version__} (compiled kernels, {threads.WORKERS} threads)"


# --- matrix products -------------------------------------------------------------------------------
# A product this large (multiply-adds) is split over lamina's threads while they are in use: from
# here on one hand-off costs less than the half of the product it moves (benchmarks/README.md).
SPLIT_PRODUCT_MIN = 16_000_000


def matmul(a, b):
    """a @ b on one BLAS thread per product, big ones split over lamina's threads.

    The backend calls this only while lamina's kernel threads are busy (NumpyBackend.matmul; outside
    that, an MLP or a transformer, BLAS threads the product itself). See threads.py.
    """
    with threads.single_threaded_blas():
        rows = a.shape[0]
        if a.ndim != 2 or b.ndim != 2 or rows * a.shape[1] * b.shape[1] < SPLIT_PRODUCT_MIN or rows < 64:
            return a @ b
        out = np.empty((rows, b.shape[1]), np.result_type(a, b))
        threads.run_split(lambda start, stop: np.matmul(a[start:stop], b, out=out[start:stop]), rows)
        return out


def _product(a, b, out):
    """out = a @ b (2-D, or stacks of matrices): AVX-512 code where it runs (products.py), else the BLAS."""
    if not products.matmul_into(a, b, out):
        np.matmul(a, b, out=out)


def _add_product_nt(a, b, total, scratch):
    """total += a @ b^T (b's rows are the columns of the product); scratch is total-shaped, for the BLAS."""
    if not products.matmul_nt_into(a, b, total, accumulate=True):
        np.matmul(a, np.swapaxes(b, -1, -2), out=scratch)
        total += scratch


def _floats(*arrays) -> bool:
    """Whether the arrays share one of the float dtypes the kernels are written for.

    (A loop, not all() over a generator: every kernel call asks, and a generator costs more.)"""
    dtype = arrays[0].dtype
    if dtype not in _FLOATS:
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
def _constants(like, *values):
    """`values` as scalars of like's dtype, for the arithmetic of float32 kernels.

    In numba an int or float literal times a float32 is a float64: a float32 kernel written with
    literals computes in float64 and converts back at every store, which also stops the loop from
    vectorising. Unpack the result:
    `two, four = _constants(x, 2, 4)`.
    """
    out = np.empty(len(values), dtype=like.dtype)
    for i in range(len(values)):  # all ints or all floats: numba cannot index a mixed tuple
        out[i] = values[i]
    return out


# --- convolution ---
# Each convolution kernel runs `work(start, stop)` on one slice of the batch per core. Within a
# slice, `chunk` samples at a time go into one "pixel-major" column buffer cols (C*kh*kw, m*Ho*Wo),
# so each chunk is one wide matrix product instead of m narrow ones (LeNet's 5x5 layers: 100-784
# pixels per sample, 6-16 channels); only the output-sized gradient or result is transposed.
# The loops over the samples of a chunk are compiled too (`*_samples`): a Python loop costs a few
# microseconds per sample and holds the GIL, which the other core's thread then waits for.
# NOTE: innermost loops index 1-D views from 0 (`target[k] = source[k]`), never `cols[row, start + k]`:
# numba tests an index that may be negative and wraps it, and that test kept such loops from
# vectorising.


@jit
def _load_sample(x, s, top, left, padded):
    """padded[c, top + y, left + col] = x[s, c, y, col]; padded's zero border is never written."""
    channels, height, width = x.shape[1], x.shape[2], x.shape[3]
    for c in range(channels):
        for y in range(height):
            source, target = x[s, c, y], padded[c, top + y, left : left + width]
            for col in range(width):
                target[col] = source[col]


@jit
def _im2col_samples(x, first, m, top, left, padded, kh, kw, sh, sw, dh, dw, oh, ow, cols):
    """cols[(c, i, j), q*P + (y, x)] = x_padded[first + q][c, y*sh + i*dh, x*sw + j*dw] for q < m.

    Each sample is padded first (into a per-thread buffer whose border stays zero), so the loops
    have no bounds tests and the stride-1 copy vectorises.
    Without padding the sample is read in place.
    """
    channels, pixels = x.shape[1], oh * ow
    unpadded = padded.shape[1] == x.shape[2] and padded.shape[2] == x.shape[3]
    for q in range(m):
        sample = x[first + q]
        if not unpadded:
            _load_sample(x, first + q, top, left, padded)
            sample = padded
        for c in range(channels):
            for i in range(kh):
                for j in range(kw):
                    row = (c * kh + i) * kw + j
                    for y in range(oh):
                        source = sample[c, y * sh + i * dh, j * dw :]
                        target = cols[row, q * pixels + y * ow : q * pixels + (y + 1) * ow]
                        if sw == 1:
                            for col in range(ow):
                                target[col] = source[col]
                        else:
                            for col in range(ow):
                                target[col] = source[col * sw]


@jit
def _col2im_samples(cols, first, m, top, left, padded, kh, kw, sh, sw, dh, dw, oh, ow, dx):
    """The adjoint of _im2col_samples: dx[first + q] = the sum of every cols entry that read each input."""
    channels, height, width = dx.shape[1], dx.shape[2], dx.shape[3]
    pixels = oh * ow
    unpadded = padded.shape[1] == height and padded.shape[2] == width
    for q in range(m):
        target = dx[first + q] if unpadded else padded  # without padding, sum straight into dx
        target[:] = 0
        for c in range(channels):
            for i in range(kh):
                for j in range(kw):
                    row = (c * kh + i) * kw + j
                    for y in range(oh):
                        into = target[c, y * sh + i * dh, j * dw :]
                        source = cols[row, q * pixels + y * ow : q * pixels + (y + 1) * ow]
                        if sw == 1:
                            for col in range(ow):
                                into[col] += source[col]
                        else:
                            for col in range(ow):
                                into[col * sw] += source[col]
        if not unpadded:
            _store_interior(padded, top, left, dx, first + q)


@jit
def _store_interior(padded, top, left, dx, s):
    """dx[s, c, y, col] = padded[c, top + y, left + col]: the adjoint of _load_sample."""
    channels, height, width = dx.shape[1], dx.shape[2], dx.shape[3]
    for c in range(channels):
        for y in range(height):
            source, target = padded[c, top + y, left : left + width], dx[s, c, y]
            for col in range(width):
                target[col] = source[col]


@jit
def _to_channel_major(rows, first, m, out):
    """out[first + q, o, p] = rows[o, q*P + p]: a chunk's product regrouped by sample (out is (N, O, P))."""
    out_channels, pixels = out.shape[1], out.shape[2]
    for q in range(m):
        for o in range(out_channels):
            source, target = rows[o, q * pixels : (q + 1) * pixels], out[first + q, o]
            for p in range(pixels):
                target[p] = source[p]


@jit
def _gather_grads(grad, first, m, rows):
    """rows[o, q*P + p] = grad[first + q, o, p]: the adjoint regrouping, for the gradients' products."""
    out_channels, pixels = grad.shape[1], grad.shape[2]
    for q in range(m):
        for o in range(out_channels):
            source, target = grad[first + q, o], rows[o, q * pixels : (q + 1) * pixels]
            for p in range(pixels):
                target[p] = source[p]


# --- stride-1 convolutions on whole padded rows ---
# With stride 1 the columns can run over whole padded rows (Wp wide, not Wo): each row of cols is
# then one contiguous copy of the flat padded sample, where exact columns are oh copies of Wo
# elements (much faster for small images). The Wp - Wo extra columns per row
# are cropped after the product (or are zero in a gradient). `flat` is a per-thread (C, Hp*Wp + kw)
# buffer (room for the last row's overrun) and `padded` its (C, Hp, Wp) view.


@jit
def _im2col_wide_samples(x, first, m, top, left, padded, flat, kh, kw, length, cols):
    """cols[(c, i, j), q*L + k] = flat_q[c, i*Wp + j + k] for k < L = oh * Wp, for the samples first..first+m."""
    channels, padded_width = x.shape[1], padded.shape[2]
    for q in range(m):
        _load_sample(x, first + q, top, left, padded)
        for c in range(channels):
            for i in range(kh):
                for j in range(kw):
                    row = (c * kh + i) * kw + j
                    source = flat[c, i * padded_width + j : i * padded_width + j + length]
                    target = cols[row, q * length : (q + 1) * length]
                    for k in range(length):
                        target[k] = source[k]


@jit
def _crop_wide_samples(wide, first, m, padded_width, out):
    """out[first + q, o, y, x] = wide[o, q*L + y*Wp + x]: drop each row's Wp - Wo extra columns."""
    out_channels, out_h, out_w = out.shape[1], out.shape[2], out.shape[3]
    length = out_h * padded_width
    for q in range(m):
        for o in range(out_channels):
            for y in range(out_h):
                base = q * length + y * padded_width
                source, target = wide[o, base : base + out_w], out[first + q, o, y]
                for col in range(out_w):
                    target[col] = source[col]


@jit
def _widen_grads(grad, first, m, padded_width, wide):
    """wide[o, q*L + y*Wp + x] = grad[first + q, o, y, x]; the extra columns are left as they are (zero)."""
    out_channels, out_h, out_w = grad.shape[1], grad.shape[2], grad.shape[3]
    length = out_h * padded_width
    for q in range(m):
        for o in range(out_channels):
            for y in range(out_h):
                base = q * length + y * padded_width
                source, target = grad[first + q, o, y], wide[o, base : base + out_w]
                for col in range(out_w):
                    target[col] = source[col]


@jit
def _col2im_wide_samples(cols, first, m, top, left, padded, flat, kh, kw, length, dx):
    """The adjoint of _im2col_wide_samples: flat_q[c, i*Wp + j + k] += cols[(c, i, j), q*L + k], then
    dx[first + q] = flat_q's interior. Whole padded rows again: one long vectorised add per kernel tap."""
    channels = dx.shape[1]
    padded_width = padded.shape[2]
    for q in range(m):
        flat[:] = 0
        for c in range(channels):
            for i in range(kh):
                j = 0
                while j < kw:  # three taps per pass over the row where there are three
                    row = (c * kh + i) * kw + j
                    target = flat[c, i * padded_width + j :]
                    a = cols[row, q * length : (q + 1) * length]
                    if kw - j >= 3 and length >= 2:
                        b = cols[row + 1, q * length : (q + 1) * length]
                        d = cols[row + 2, q * length : (q + 1) * length]
                        target[0] += a[0]
                        target[1] += a[1] + b[0]
                        middle, a2, b1 = target[2:length], a[2:], b[1 : length - 1]
                        for k in range(length - 2):
                            middle[k] += a2[k] + b1[k] + d[k]
                        target[length] += b[length - 1] + d[length - 2]
                        target[length + 1] += d[length - 1]
                        j += 3
                    else:
                        for k in range(length):
                            target[k] += a[k]
                        j += 1
        _store_interior(padded, top, left, dx, first + q)


@jit_sum
def _direct_wide_samples(x, w, start, stop, top, left, padded, flat, wide, out):
    """out[s, o] = sum over c, i, j of w[o, c, i, j] * x_padded[s, c, i:, j:], samples start..stop: no im2col.

    Shifted multiply-adds along whole padded rows, two output channels and up to five kernel taps per pass
    (then three, then one): each load of the input row serves ten multiply-adds, and each output row is
    read and written once per five. Written out in one function, as the weight gradient below.
    w and wide have an even number of channels: an odd count gets a spare one of zero weights (not cropped).
    """
    out_channels, channels, kh, kw = w.shape
    padded_width, out_h = padded.shape[2], out.shape[2]
    length = out_h * padded_width
    for s in range(start, stop):
        _load_sample(x, s, top, left, padded)
        for o in range(0, out_channels, 2):
            p = o + 1
            row, nxt = wide[o], wide[p]
            row[:] = 0
            nxt[:] = 0
            for c in range(channels):
                for i in range(kh):
                    source = flat[c, i * padded_width : i * padded_width + length + kw]
                    j = 0
                    while j < kw:
                        if kw - j >= 5:
                            a0, a1, a2 = w[o, c, i, j], w[o, c, i, j + 1], w[o, c, i, j + 2]
                            a3, a4 = w[o, c, i, j + 3], w[o, c, i, j + 4]
                            b0, b1, b2 = w[p, c, i, j], w[p, c, i, j + 1], w[p, c, i, j + 2]
                            b3, b4 = w[p, c, i, j + 3], w[p, c, i, j + 4]
                            for k in range(length):
                                s0, s1, s2 = source[k + j], source[k + j + 1], source[k + j + 2]
                                s3, s4 = source[k + j + 3], source[k + j + 4]
                                row[k] += a0 * s0 + a1 * s1 + a2 * s2 + a3 * s3 + a4 * s4
                                nxt[k] += b0 * s0 + b1 * s1 + b2 * s2 + b3 * s3 + b4 * s4
                            j += 5
                        elif kw - j >= 3:
                            a0, a1, a2 = w[o, c, i, j], w[o, c, i, j + 1], w[o, c, i, j + 2]
                            b0, b1, b2 = w[p, c, i, j], w[p, c, i, j + 1], w[p, c, i, j + 2]
                            for k in range(length):
                                s0, s1, s2 = source[k + j], source[k + j + 1], source[k + j + 2]
                                row[k] += a0 * s0 + a1 * s1 + a2 * s2
                                nxt[k] += b0 * s0 + b1 * s1 + b2 * s2
                            j += 3
                        else:
                            a0, b0 = w[o, c, i, j], w[p, c, i, j]
                            for k in range(length):
                                s0 = source[k + j]
                                row[k] += a0 * s0
                                nxt[k] += b0 * s0
                            j += 1
        _crop_wide_samples(wide, s, 1, padded_width, out)


@jit_sum
def _direct_wide_weight_grad_samples(x, grad, start, stop, top, left, padded, flat, wide, dw):
    """dw[o, c, i, j] += sum over samples and k of grad_wide[o, k] * flat[c, i*Wp + j + k].

    Two output channels and up to five kernel taps per pass over a row (then three, then one): each load
    of the input row serves ten multiply-adds, and the sums stay in registers (float32, as the GEMM of the
    im2col path). Written out in one function: moved into helpers, the loops stayed scalar.
    dw and wide have an even number of channels: an odd count gets a spare one whose gradient row is 0.
    """
    out_channels, channels, kh, kw = dw.shape
    padded_width = padded.shape[2]
    length = grad.shape[2] * padded_width
    (zero,) = _constants(dw, 0)
    for s in range(start, stop):
        _load_sample(x, s, top, left, padded)
        _widen_grads(grad, s, 1, padded_width, wide)
        for o in range(0, out_channels, 2):
            g, h = wide[o], wide[o + 1]
            for c in range(channels):
                for i in range(kh):
                    source = flat[c, i * padded_width : i * padded_width + length + kw]
                    j = 0
                    while j < kw:
                        if kw - j >= 5:
                            t0, t1, t2, t3, t4 = zero, zero, zero, zero, zero
                            u0, u1, u2, u3, u4 = zero, zero, zero, zero, zero
                            for k in range(length):
                                s0, s1, s2 = source[k + j], source[k + j + 1], source[k + j + 2]
                                s3, s4 = source[k + j + 3], source[k + j + 4]
                                gk, hk = g[k], h[k]
                                t0 += gk * s0
                                t1 += gk * s1
                                t2 += gk * s2
                                t3 += gk * s3
                                t4 += gk * s4
                                u0 += hk * s0
                                u1 += hk * s1
                                u2 += hk * s2
                                u3 += hk * s3
                                u4 += hk * s4
                            dw[o, c, i, j] += t0
                            dw[o, c, i, j + 1] += t1
                            dw[o, c, i, j + 2] += t2
                            dw[o, c, i, j + 3] += t3
                            dw[o, c, i, j + 4] += t4
                            dw[o + 1, c, i, j] += u0
                            dw[o + 1, c, i, j + 1] += u1
                            dw[o + 1, c, i, j + 2] += u2
                            dw[o + 1, c, i, j + 3] += u3
                            dw[o + 1, c, i, j + 4] += u4
                            j += 5
                        elif kw - j >= 3:
                            t0, t1, t2, u0, u1, u2 = zero, zero, zero, zero, zero, zero
                            for k in range(length):
                                s0, s1, s2 = source[k + j], source[k + j + 1], source[k + j + 2]
                                gk, hk = g[k], h[k]
                                t0 += gk * s0
                                t1 += gk * s1
                                t2 += gk * s2
                                u0 += hk * s0
                                u1 += hk * s1
                                u2 += hk * s2
                            dw[o, c, i, j] += t0
                            dw[o, c, i, j + 1] += t1
                            dw[o, c, i, j + 2] += t2
                            dw[o + 1, c, i, j] += u0
                            dw[o + 1, c, i, j + 1] += u1
                            dw[o + 1, c, i, j + 2] += u2
                            j += 3
                        else:
                            t0, u0 = zero, zero
                            for k in range(length):
                                s0 = source[k + j]
                                t0 += g[k] * s0
                                u0 += h[k] * s0
                            dw[o, c, i, j] += t0
                            dw[o + 1, c, i, j] += u0
                            j += 1


def _direct_usable(w_shape):
    """Whether the direct forward beats im2col + GEMM (the shapes measured: benchmarks/README.md): kernels at
    least three wide with few output channels, and layers with few inputs per output of any kernel width."""
    rows = w_shape[1] * w_shape[2] * w_shape[3]
    return (w_shape[3] >= 3 and w_shape[0] <= 24) or (rows <= 32 and rows * w_shape[0] <= 512)


def _direct_weight_grad_usable(w_shape):
    """The direct weight gradient keeps its sums in registers and reuses each input load for up to ten
    multiply-adds, which needs kernels at least three wide (1x1 kernels lost to im2col + GEMM:
    benchmarks/README.md)."""
    return w_shape[3] >= 3


class _WidePadder:
    """Per-thread buffers of the stride-1 kernels: `flat` (C, Hp*Wp + kw) and its (C, Hp, Wp) view `padded`."""

    def __init__(self, sample_shape, padding, kernel_width, dtype):
        (top, bottom), (left, right) = padding
        channels, height, width = sample_shape
        self.top, self.left = top, left
        self.padded_hw = (height + top + bottom, width + left + right)
        size = self.padded_hw[0] * self.padded_hw[1]
        self.flat = np.zeros((channels, size + kernel_width), dtype=dtype)
        self.padded = self.flat[:, :size].reshape(channels, *self.padded_hw)


def _wide_usable(stride, dilation):
    return tuple(stride) == (1, 1) and tuple(dilation) == (1, 1)


def _padded_buffer(sample_shape, padding, dtype):
    """A per-thread (C, Hp, Wp) buffer for one sample with its zero border."""
    (top, bottom), (left, right) = padding
    channels, height, width = sample_shape
    return np.zeros((channels, height + top + bottom, width + left + right), dtype=dtype)


def _summed_over_batch_slices(work, n):
    """Sum of work(start, stop) over one slice of the batch per core (each with a one-thread BLAS)."""
    with threads.single_threaded_blas():
        parts = threads.run_split(work, n)
    total = parts[0]
    for part in parts[1:]:
        total += part
    return total


def _conv_plan(x_shape, w_shape, out_hw, itemsize):
    """How many samples share one im2col slice, so the slice stays near _CACHE_BYTES."""
    rows = w_shape[1] * w_shape[2] * w_shape[3]
    per_sample = rows * out_hw[0] * out_hw[1] * itemsize
    return max(1, min(x_shape[0], _CACHE_BYTES // max(per_sample, 1)))


def _geometry(w_shape, stride, dilation, out_hw):
    return (w_shape[2], w_shape[3], stride[0], stride[1], dilation[0], dilation[1]) + tuple(out_hw)


def _supported_conv(groups, *arrays):
    return groups == 1 and _floats(*arrays)


def conv2d_forward(x, w, stride, padding, dilation, groups):
    if not _supported_conv(groups, x, w):
        return reference.conv2d_forward(x, w, stride, padding, dilation, groups)
    if _winograd_usable(w.shape, stride, dilation, groups, padding):
        return _winograd_conv(x, w, padding)
    out_hw = reference.conv_output_hw(x.shape[2:], w.shape[2:], stride, padding, dilation)
    n, out_channels, pixels = x.shape[0], w.shape[0], out_hw[0] * out_hw[1]
    x = np.ascontiguousarray(x)
    w2 = np.ascontiguousarray(w.reshape(out_channels, -1))  # (O, C*kh*kw)
    if _wide_usable(stride, dilation):
        return _conv_forward_wide(x, w2, padding, w.shape, out_hw)
    out = np.empty((n, out_channels, pixels), dtype=x.dtype)
    geometry = _geometry(w.shape, stride, dilation, out_hw)
    chunk = _conv_plan(x.shape, w.shape, out_hw, x.itemsize)
    (top, _), (left, _) = padding

    def work(start, stop):
        cols = np.empty((w2.shape[1], chunk * pixels), dtype=x.dtype)
        result = np.empty((out_channels, chunk * pixels), dtype=x.dtype)
        padded = _padded_buffer(x.shape[1:], padding, x.dtype)
        for first in range(start, stop, chunk):
            m = min(chunk, stop - first)
            _im2col_samples(x, first, m, top, left, padded, *geometry, cols)
            _product(w2, cols[:, : m * pixels], result[:, : m * pixels])  # (O, K) @ (K, m*P)
            _to_channel_major(result, first, m, out)

    with threads.single_threaded_blas():
        threads.run_split(work, n)
    return out.reshape(n, out_channels, *out_hw)


def conv2d_weight_grad(x, grad, weight_shape, stride, padding, dilation, groups):
    if not _supported_conv(groups, x, grad):
        return reference.conv2d_weight_grad(x, grad, weight_shape, stride, padding, dilation, groups)
    if _winograd_usable(weight_shape, stride, dilation, groups, padding):
        return _winograd_weight_grad(x, grad, padding)
    x, grad = np.ascontiguousarray(x), np.ascontiguousarray(grad)
    if _wide_usable(stride, dilation):
        return _conv_weight_grad_wide(x, grad, padding, weight_shape)
    out_hw = grad.shape[2:]
    n, out_channels, pixels = x.shape[0], weight_shape[0], out_hw[0] * out_hw[1]
    rows = weight_shape[1] * weight_shape[2] * weight_shape[3]
    grad = grad.reshape(n, out_channels, pixels)
    geometry = _geometry(weight_shape, stride, dilation, out_hw)
    chunk = _conv_plan(x.shape, weight_shape, out_hw, x.itemsize)
    (top, _), (left, _) = padding

    def work(start, stop):
        cols = np.empty((rows, chunk * pixels), dtype=x.dtype)
        grads = np.empty((out_channels, chunk * pixels), dtype=x.dtype)
        total = np.zeros((out_channels, rows), dtype=x.dtype)
        partial = np.empty((out_channels, rows), dtype=x.dtype)
        padded = _padded_buffer(x.shape[1:], padding, x.dtype)
        for first in range(start, stop, chunk):
            m = min(chunk, stop - first)
            _im2col_samples(x, first, m, top, left, padded, *geometry, cols)
            _gather_grads(grad, first, m, grads)
            _add_product_nt(grads[:, : m * pixels], cols[:, : m * pixels], total, partial)  # (O, m*P) @ (m*P, K)
        return total

    return _summed_over_batch_slices(work, n).reshape(weight_shape)


def conv2d_input_grad(grad, w, input_shape, stride, padding, dilation, groups):
    if not _supported_conv(groups, grad, w):
        return reference.conv2d_input_grad(grad, w, input_shape, stride, padding, dilation, groups)
    if _winograd_usable(w.shape, stride, dilation, groups, padding):
        # the transposed convolution is a 3x3 convolution of grad by the flipped, transposed kernel
        (top, bottom), (left, right) = padding
        flipped = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
        return _winograd_conv(grad, flipped, ((2 - top, 2 - bottom), (2 - left, 2 - right)))
    out_hw = grad.shape[2:]
    n, out_channels, pixels = input_shape[0], w.shape[0], out_hw[0] * out_hw[1]
    w2t = np.ascontiguousarray(w.reshape(out_channels, -1).T)  # (C*kh*kw, O)
    if _wide_usable(stride, dilation):
        return _conv_input_grad_wide(np.ascontiguousarray(grad), w2t, input_shape, padding, w.shape)
    grad = np.ascontiguousarray(grad).reshape(n, out_channels, pixels)
    dx = np.empty(input_shape, dtype=grad.dtype)
    geometry = _geometry(w.shape, stride, dilation, out_hw)
    chunk = _conv_plan(input_shape, w.shape, out_hw, grad.itemsize)
    (top, _), (left, _) = padding

    def work(start, stop):
        cols = np.empty((w2t.shape[0], chunk * pixels), dtype=grad.dtype)
        grads = np.empty((out_channels, chunk * pixels), dtype=grad.dtype)
        padded = _padded_buffer(input_shape[1:], padding, grad.dtype)
        for first in range(start, stop, chunk):
            m = min(chunk, stop - first)
            _gather_grads(grad, first, m, grads)
            _product(w2t, grads[:, : m * pixels], cols[:, : m * pixels])  # (K, O) @ (O, m*P)
            _col2im_samples(cols, first, m, top, left, padded, *geometry, dx)

    with threads.single_threaded_blas():
        threads.run_split(work, n)
    return dx


def _wide_plan(n, rows, out_h, padded_width, itemsize):
    length = out_h * padded_width  # columns per sample, the extra Wp - Wo per row included
    return length, max(1, min(n, _CACHE_BYTES // max(rows * length * itemsize, 1)))


def _conv_forward_wide(x, w2, padding, w_shape, out_hw):
    n, out_channels, rows = x.shape[0], w2.shape[0], w2.shape[1]
    (out_h, out_w), kh, kw = out_hw, w_shape[2], w_shape[3]
    out = np.empty((n, out_channels, out_h, out_w), dtype=x.dtype)

    def work(start, stop):
        buffers = _WidePadder(x.shape[1:], padding, kw, x.dtype)
        top, left, padded_width = buffers.top, buffers.left, buffers.padded_hw[1]
        length, chunk = _wide_plan(n, rows, out_h, padded_width, x.itemsize)
        if _direct_usable(w_shape):
            paired = out_channels + out_channels % 2  # the kernel takes channels two by two (a spare one: 0)
            w4 = np.zeros((paired,) + tuple(w_shape[1:]), dtype=x.dtype)
            w4[:out_channels] = w2.reshape(w_shape)
            wide = np.empty((paired, length), dtype=x.dtype)
            _direct_wide_samples(x, w4, start, stop, top, left, buffers.padded, buffers.flat, wide, out)
            return
        cols = np.empty((rows, chunk * length), dtype=x.dtype)
        result = np.empty((out_channels, chunk * length), dtype=x.dtype)
        for first in range(start, stop, chunk):
            m = min(chunk, stop - first)
            _im2col_wide_samples(x, first, m, top, left, buffers.padded, buffers.flat, kh, kw, length, cols)
            _product(w2, cols[:, : m * length], result[:, : m * length])  # (O, K) @ (K, m*oh*Wp)
            _crop_wide_samples(result, first, m, padded_width, out)

    with threads.single_threaded_blas():
        threads.run_split(work, n)
    return out


def _conv_weight_grad_wide(x, grad, padding, weight_shape):
    n, out_channels, out_h, _ = grad.shape
    kh, kw = weight_shape[2], weight_shape[3]
    rows = weight_shape[1] * kh * kw

    def work(start, stop):
        buffers = _WidePadder(x.shape[1:], padding, kw, x.dtype)
        top, left, padded_width = buffers.top, buffers.left, buffers.padded_hw[1]
        length, chunk = _wide_plan(n, rows, out_h, padded_width, x.itemsize)
        if _direct_weight_grad_usable(weight_shape):
            paired = out_channels + out_channels % 2  # the kernel takes channels two by two (a spare one: 0)
            total = np.zeros((paired,) + tuple(weight_shape[1:]), dtype=x.dtype)
            wide = np.zeros((paired, length), dtype=x.dtype)  # the extra columns (and the spare row) stay 0
            _direct_wide_weight_grad_samples(x, grad, start, stop, top, left, buffers.padded, buffers.flat, wide, total)
            return total[:out_channels].reshape(out_channels, rows)
        cols = np.empty((rows, chunk * length), dtype=x.dtype)
        grads = np.zeros((out_channels, chunk * length), dtype=x.dtype)  # the extra columns stay 0
        total = np.zeros((out_channels, rows), dtype=x.dtype)
        partial = np.empty_like(total)
        for first in range(start, stop, chunk):
            m = min(chunk, stop - first)
            _im2col_wide_samples(x, first, m, top, left, buffers.padded, buffers.flat, kh, kw, length, cols)
            _widen_grads(grad, first, m, padded_width, grads)
            _add_product_nt(grads[:, : m * length], cols[:, : m * length], total, partial)
        return total

    return _summed_over_batch_slices(work, n).reshape(weight_shape)


def _conv_input_grad_wide(grad, w2t, input_shape, padding, w_shape):
    """dL/dx of a stride-1 convolution: (K, O) @ widened dy, then whole-row col2im (faster than exact columns,
    whose col2im adds rows of only Wo elements)."""
    n, out_channels, out_h, _ = grad.shape
    rows, kh, kw = w2t.shape[0], w_shape[2], w_shape[3]
    dx = np.empty(input_shape, dtype=grad.dtype)

    def work(start, stop):
        buffers = _WidePadder(input_shape[1:], padding, kw, grad.dtype)
        padded_width = buffers.padded_hw[1]
        length, chunk = _wide_plan(n, rows, out_h, padded_width, grad.itemsize)
        grads = np.zeros((out_channels, chunk * length), dtype=grad.dtype)  # the extra columns stay 0
        cols = np.empty((rows, chunk * length), dtype=grad.dtype)
        for first in range(start, stop, chunk):
            m = min(chunk, stop - first)
            _widen_grads(grad, first, m, padded_width, grads)
            _product(w2t, grads[:, : m * length], cols[:, : m * length])  # (K, O) @ (O, m*oh*Wp)
            _col2im_wide_samples(
                cols, first, m, buffers.top, buffers.left, buffers.padded, buffers.flat, kh, kw, length, dx
            )

    with threads.single_threaded_blas():
        threads.run_split(work, n)
    return dx


# --- Winograd F(4x4, 3x3): 3x3 stride-1 convolutions with 4x fewer multiplications (Lavin & Gray 2016) ---
# Each 4x4 output tile comes from a 6x6 input tile d: Y = A^T [(G g G^T) . (B^T d B)] A, the sum over
# input channels being 36 matrix products (one per position of the 6x6 tile). Float32 error is about
# 1e-5 relative (im2col: 1e-6); tests hold it to the reference at 1e-4, float64 at 1e-10.


# G of F(4x4, 3x3): a 3x3 kernel g becomes the 6x6 G g G^T. As one matrix on the flattened kernel,
# kron(G, G) (36, 9), the transform of all O*C kernels is one product (36, 9) @ (9, O*C), and its adjoint
# (the weight gradient's last step) one (O*C, 36) @ (36, 9), faster than loops over the kernels; both run
# before or after the threads' split.
_WINOGRAD_G = np.array(
    [
        [1 / 4, 0, 0],
        [-1 / 6, -1 / 6, -1 / 6],
        [-1 / 6, 1 / 6, -1 / 6],
        [1 / 24, 1 / 12, 1 / 6],
        [1 / 24, -1 / 12, 1 / 6],
        [0, 0, 1],
    ]
)
_WINOGRAD_FILTER = {dtype: np.kron(_WINOGRAD_G, _WINOGRAD_G).astype(dtype) for dtype in _FLOATS}


def _winograd_filter(w, u):
    """u[(a, b), o, c] = (G w[o, c] G^T)[a, b] for u a (36, O, C) view of a _staggered buffer."""
    out_channels, channels = w.shape[0], w.shape[1]
    planes = u.reshape(36, out_channels * channels)  # a view (each plane is contiguous), written in place
    with threads.single_threaded_blas():  # OpenBLAS would thread it, and its spinning threads slow lamina's
        np.matmul(_WINOGRAD_FILTER[w.dtype], w.reshape(out_channels * channels, 9).T, out=planes)


def _winograd_filter_grad(du, dw):
    """dw[o, c] = G^T du[:, o, c] G (6x6 -> 3x3): the adjoint of _winograd_filter."""
    out_channels, channels = dw.shape[0], dw.shape[1]
    flat = du.reshape(36, out_channels * channels)
    with threads.single_threaded_blas():
        np.matmul(flat.T, _WINOGRAD_FILTER[du.dtype], out=dw.reshape(out_channels * channels, 9))


@jit_sum
def _winograd_input(x_padded, tiles_h, tiles_w, column, v):
    """v[:, c, column + t] = B^T d B for every channel c and 6x6 tile d of one padded sample (C, 4th+2, 4tw+2).

    B^T runs down the six rows of a band of tiles first, vectorised along the row, then across
    each tile (faster than tile by tile).
    """
    channels, _, padded_width = x_padded.shape
    r = np.empty((6, padded_width), dtype=x_padded.dtype)
    two, four, five = _constants(x_padded, 2, 4, 5)
    for c in range(channels):
        for ty in range(tiles_h):
            y = 4 * ty
            for x in range(padded_width):  # r = B^T over the band's six rows
                d0, d1, d2 = x_padded[c, y, x], x_padded[c, y + 1, x], x_padded[c, y + 2, x]
                d3, d4, d5 = x_padded[c, y + 3, x], x_padded[c, y + 4, x], x_padded[c, y + 5, x]
                r[0, x] = four * d0 - five * d2 + d4
                r[1, x] = -four * d1 - four * d2 + d3 + d4
                r[2, x] = four * d1 - four * d2 - d3 + d4
                r[3, x] = -two * d1 - d2 + two * d3 + d4
                r[4, x] = two * d1 - d2 - two * d3 + d4
                r[5, x] = four * d1 - five * d3 + d5
            base = column + ty * tiles_w
            for i in range(6):  # (B^T d) B, tile by tile
                for tx in range(tiles_w):
                    k = 4 * tx
                    r0, r1, r2, r3, r4, r5 = r[i, k], r[i, k + 1], r[i, k + 2], r[i, k + 3], r[i, k + 4], r[i, k + 5]
                    t = base + tx
                    v[i * 6 + 0, c, t] = four * r0 - five * r2 + r4
                    v[i * 6 + 1, c, t] = -four * r1 - four * r2 + r3 + r4
                    v[i * 6 + 2, c, t] = four * r1 - four * r2 - r3 + r4
                    v[i * 6 + 3, c, t] = -two * r1 - r2 + two * r3 + r4
                    v[i * 6 + 4, c, t] = two * r1 - r2 - two * r3 + r4
                    v[i * 6 + 5, c, t] = four * r1 - five * r3 + r5


@jit_sum
def _winograd_output(m, tiles_h, tiles_w, column, out):
    """out[o] (Ho, Wo) = A^T m A for every output channel o and tile of one sample, cropped at the edges.

    m A tile by tile into a band, then A^T down the band, vectorised along the row.
    """
    out_channels, height, width = out.shape
    s = np.empty((6, 4 * tiles_w), dtype=out.dtype)
    two, four, eight = _constants(out, 2, 4, 8)
    for o in range(out_channels):
        for ty in range(tiles_h):
            base = column + ty * tiles_w
            for a in range(6):  # s[a] = m_a A, tile by tile along the band
                for tx in range(tiles_w):
                    t = base + tx
                    m0, m1, m2 = m[a * 6, o, t], m[a * 6 + 1, o, t], m[a * 6 + 2, o, t]
                    m3, m4, m5 = m[a * 6 + 3, o, t], m[a * 6 + 4, o, t], m[a * 6 + 5, o, t]
                    k = 4 * tx
                    s[a, k] = m0 + m1 + m2 + m3 + m4
                    s[a, k + 1] = m1 - m2 + two * m3 - two * m4
                    s[a, k + 2] = m1 + m2 + four * m3 + four * m4
                    s[a, k + 3] = m1 - m2 + eight * m3 - eight * m4 + m5
            rows = min(4, height - 4 * ty)
            y = 4 * ty
            for x in range(width):  # the band's output rows = A^T s
                s0, s1, s2, s3, s4, s5 = s[0, x], s[1, x], s[2, x], s[3, x], s[4, x], s[5, x]
                out[o, y, x] = s0 + s1 + s2 + s3 + s4
                if rows > 1:
                    out[o, y + 1, x] = s1 - s2 + two * s3 - two * s4
                if rows > 2:
                    out[o, y + 2, x] = s1 + s2 + four * s3 + four * s4
                if rows > 3:
                    out[o, y + 3, x] = s1 - s2 + eight * s3 - eight * s4 + s5


@jit_sum
def _winograd_output_grad(dy_padded, tiles_h, tiles_w, column, dm):
    """dm[:, o, column + t] = A dy_tile A^T for each output channel o and 4x4 tile t of one sample's dy.

    The adjoint of _winograd_output. dy_padded (O, 4th, 4tw) is dy with zeros past its edges. As in the
    input transform, A runs down a band's four rows first, vectorised along the row, then across each
    tile (tile by tile with edge tests was slower).
    """
    out_channels, _, width = dy_padded.shape
    r = np.empty((6, width), dtype=dy_padded.dtype)
    two, four, eight = _constants(dy_padded, 2, 4, 8)
    for o in range(out_channels):
        for ty in range(tiles_h):
            y = 4 * ty
            for x in range(width):  # r = A over the band's four rows
                y0, y1, y2, y3 = (
                    dy_padded[o, y, x],
                    dy_padded[o, y + 1, x],
                    dy_padded[o, y + 2, x],
                    dy_padded[o, y + 3, x],
                )
                r[0, x] = y0
                r[1, x] = y0 + y1 + y2 + y3
                r[2, x] = y0 - y1 + y2 - y3
                r[3, x] = y0 + two * y1 + four * y2 + eight * y3
                r[4, x] = y0 - two * y1 + four * y2 - eight * y3
                r[5, x] = y3
            base = column + ty * tiles_w
            for a in range(6):  # (A tile) A^T, tile by tile
                for tx in range(tiles_w):
                    k = 4 * tx
                    z0, z1, z2, z3 = r[a, k], r[a, k + 1], r[a, k + 2], r[a, k + 3]
                    t = base + tx
                    dm[a * 6 + 0, o, t] = z0
                    dm[a * 6 + 1, o, t] = z0 + z1 + z2 + z3
                    dm[a * 6 + 2, o, t] = z0 - z1 + z2 - z3
                    dm[a * 6 + 3, o, t] = z0 + two * z1 + four * z2 + eight * z3
                    dm[a * 6 + 4, o, t] = z0 - two * z1 + four * z2 - eight * z3
                    dm[a * 6 + 5, o, t] = z3


@jit
def _winograd_input_samples(x, first, count, top, left, padded, tiles_h, tiles_w, v):
    """_winograd_input for the samples first..first+count, each padded into `padded` first."""
    for q in range(count):
        _load_sample(x, first + q, top, left, padded)
        _winograd_input(padded, tiles_h, tiles_w, q * tiles_h * tiles_w, v)


@jit
def _winograd_output_samples(m, first, count, tiles_h, tiles_w, out):
    """_winograd_output for the samples first..first+count of out (N, O, Ho, Wo)."""
    for q in range(count):
        _winograd_output(m, tiles_h, tiles_w, q * tiles_h * tiles_w, out[first + q])


@jit
def _winograd_output_grad_samples(grad, first, count, grad_padded, tiles_h, tiles_w, dm):
    """_winograd_output_grad for the samples first..first+count of grad, each copied into zero-bordered grad_padded."""
    for q in range(count):
        _load_sample(grad, first + q, 0, 0, grad_padded)
        _winograd_output_grad(grad_padded, tiles_h, tiles_w, q * tiles_h * tiles_w, dm)


def _winograd_weight_grad(x, grad, padding):
    """dL/dw (O, C, 3, 3) of a 3x3 stride-1 convolution: sum over tiles of (A dy A^T) . (B^T d B), mapped by G^T . G."""
    n, channels, height, width = x.shape
    out_channels, out_h, out_w = grad.shape[1:]
    (top, _), (left, _) = padding
    tiles_h, tiles_w = -(-out_h // 4), -(-out_w // 4)
    per_sample = tiles_h * tiles_w
    x, grad = np.ascontiguousarray(x), np.ascontiguousarray(grad)
    bytes_per_sample = 36 * (channels + out_channels) * per_sample * x.itemsize
    chunk = max(1, min(n, (1024 * 1024) // bytes_per_sample))

    def work(start, stop):
        padded = np.zeros((channels, 4 * tiles_h + 2, 4 * tiles_w + 2), dtype=x.dtype)
        grad_padded = np.zeros((out_channels, 4 * tiles_h, 4 * tiles_w), dtype=x.dtype)  # zeros past dy's edges
        v = _staggered(channels, chunk * per_sample, x.dtype)
        dm = _staggered(out_channels, chunk * per_sample, x.dtype)
        total = np.zeros((36, out_channels, channels), dtype=x.dtype)
        partial = np.empty_like(total)
        for first in range(start, stop, chunk):
            count = min(chunk, stop - first)
            _winograd_input_samples(x, first, count, top, left, padded, tiles_h, tiles_w, v)
            _winograd_output_grad_samples(grad, first, count, grad_padded, tiles_h, tiles_w, dm)
            columns = count * per_sample
            # (36, O, T) @ (36, T, C): every tile's contribution to the 36 transformed kernels
            _add_product_nt(dm[:, :, :columns], v[:, :, :columns], total, partial)
        return total

    du = _summed_over_batch_slices(work, n)
    dw = np.empty((out_channels, channels, 3, 3), dtype=x.dtype)
    _winograd_filter_grad(du, dw)
    return dw


def _staggered(rows, columns, dtype):
    """A (36, rows, columns) buffer whose 36 planes do not start 4 KB apart.

    The transforms write (or read) all 36 planes for each tile: at a stride that is a multiple
    of 4 KB those 36 streams map to the same cache sets and evict each other. 64 bytes of padding per
    plane staggers them.
    """
    full = np.empty((36, rows * columns + 16), dtype=dtype)
    return full[:, : rows * columns].reshape(36, rows, columns)


def _winograd_usable(w_shape, stride, dilation, groups, padding):
    return (
        choices.winograd.enabled  # precision against speed: the user's switch (choices.py)
        and tuple(w_shape[2:]) == (3, 3)
        and tuple(stride) == (1, 1)
        and tuple(dilation) == (1, 1)
        and groups == 1
        and all(0 <= p <= 2 for pair in padding for p in pair)
        and w_shape[0] >= 16  # below 16 channels the transforms cost more than the saved products
        and w_shape[1] >= 16
    )


def _winograd_conv(x, w, padding):
    """3x3 stride-1 convolution of x (N, C, H, W) by w (O, C, 3, 3) with padding ((t, b), (l, r))."""
    n, channels, height, width = x.shape
    out_channels = w.shape[0]
    (top, bottom), (left, right) = padding
    out_h, out_w = height + top + bottom - 2, width + left + right - 2
    tiles_h, tiles_w = -(-out_h // 4), -(-out_w // 4)
    per_sample = tiles_h * tiles_w
    u = _staggered(out_channels, channels, x.dtype)
    _winograd_filter(np.ascontiguousarray(w), u)
    x = np.ascontiguousarray(x)
    out = np.empty((n, out_channels, out_h, out_w), dtype=x.dtype)
    bytes_per_sample = 36 * (channels + out_channels) * per_sample * x.itemsize
    chunk = max(1, min(n, (1024 * 1024) // bytes_per_sample))

    def work(start, stop):
        padded = np.zeros((channels, 4 * tiles_h + 2, 4 * tiles_w + 2), dtype=x.dtype)
        v = _staggered(channels, chunk * per_sample, x.dtype)
        m = _staggered(out_channels, chunk * per_sample, x.dtype)
        for first in range(start, stop, chunk):
            count = min(chunk, stop - first)
            _winograd_input_samples(x, first, count, top, left, padded, tiles_h, tiles_w, v)
            columns = count * per_sample
            _product(u, v[:, :, :columns], m[:, :, :columns])  # (36, O, C) @ (36, C, T)
            _winograd_output_samples(m, first, count, tiles_h, tiles_w, out)

    with threads.single_threaded_blas():
        threads.run_split(work, n)
    return out


# --- max pooling ---


@jit
def _max_pool_planes(x, kh, kw, sh, sw, dh, dw, values, positions, start, stop):
    """Planes start..stop of x (N*C, Hp, Wp): each window's first maximum (NaN counts as maximum)."""
    width = x.shape[2]
    oh, ow = values.shape[1], values.shape[2]
    for p in range(start, stop):
        for y in range(oh):
            for col in range(ow):
                row0, col0 = y * sh, col * sw
                best = x[p, row0, col0]
                where = row0 * width + col0
                if best == best:  # not NaN: look for a larger value or a NaN
                    for i in range(kh):
                        r = row0 + i * dh
                        for j in range(kw):
                            c = col0 + j * dw
                            v = x[p, r, c]
                            if v > best or v != v:
                                best, where = v, r * width + c
                                if v != v:
                                    break
                        if best != best:
                            break
                values[p, y, col] = best
                positions[p, y, col] = where


def max_pool2d(x_padded, kernel, stride, dilation, out_size):
    if not _floats(x_padded):
        return reference.max_pool2d(x_padded, kernel, stride, dilation, out_size)
    n, c, height, width = x_padded.shape
    planes = np.ascontiguousarray(x_padded).reshape(n * c, height, width)
    values = np.empty((n * c,) + tuple(out_size), dtype=x_padded.dtype)
    positions = np.empty((n * c,) + tuple(out_size), dtype=np.int64)
    threads.run_split(
        lambda start, stop: _max_pool_planes(planes, *kernel, *stride, *dilation, values, positions, start, stop),
        n * c,
        parallel=threads.worth_splitting(x_padded.size),
    )
    return values.reshape(n, c, *out_size), positions.reshape(n, c, *out_size)


@jit
def _max_pool_values_2x2(x, values, start, stop):
    """values[p, y, col] = the maximum of x[p, 2y:2y+2, 2col:2col+2], NaN if any is NaN (np.maximum's rule)."""
    oh, ow = values.shape[1], values.shape[2]
    for p in range(start, stop):
        for y in range(oh):
            top, bottom, out = x[p, 2 * y], x[p, 2 * y + 1], values[p, y]
            for col in range(ow):
                a, b = np.maximum(top[2 * col], top[2 * col + 1]), np.maximum(bottom[2 * col], bottom[2 * col + 1])
                out[col] = np.maximum(a, b)


def max_pool2d_values(x_padded, kernel, stride, dilation, out_size):
    """The maxima: for 2x2 windows one compiled pass (over both cores on big inputs), else kh*kw NumPy maximum
    passes over strided views. NaN propagates as in PyTorch."""
    if not _floats(x_padded):
        return reference.max_pool2d_values(x_padded, kernel, stride, dilation, out_size)
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_size
    if (kh, kw) == (sh, sw) == (2, 2) and (dh, dw) == (1, 1):
        n, c, height, width = x_padded.shape
        planes = np.ascontiguousarray(x_padded).reshape(n * c, height, width)
        values = np.empty((n * c, oh, ow), dtype=x_padded.dtype)
        parallel = threads.worth_splitting(planes.size, cost=4)
        threads.run_split(lambda a, b: _max_pool_values_2x2(planes, values, a, b), n * c, parallel=parallel)
        return values.reshape(n, c, oh, ow)
    values = None
    for i in range(kh):
        for j in range(kw):
            view = x_padded[:, :, i * dh : i * dh + (oh - 1) * sh + 1 : sh, j * dw : j * dw + (ow - 1) * sw + 1 : sw]
            if values is None:
                values = view.copy()
            else:
                np.maximum(values, view, out=values)
    return values


@jit
def _max_pool_grad_planes(grad, x, values, kh, kw, sh, sw, dh, dw, out, start, stop):
    """out[p] = each window's gradient added at its first maximum (the first NaN in a NaN window)."""
    oh, ow = values.shape[1], values.shape[2]
    for p in range(start, stop):
        out[p] = 0
        for y in range(oh):
            for col in range(ow):
                best = values[p, y, col]
                found = False
                for i in range(kh):
                    r = y * sh + i * dh
                    for j in range(kw):
                        c = col * sw + j * dw
                        v = x[p, r, c]
                        if v == best or (v != v and best != best):
                            out[p, r, c] += grad[p, y, col]
                            found = True
                            break
                    if found:
                        break


@jit
def _max_pool_grad_tiles(grad, x, values, kh, kw, out, start, stop):
    """Non-overlapping windows (stride = kernel): every input position gets its window's gradient or 0.

    Branch-free (a running `taken` flag marks the first maximum), so it vectorises, unlike a search of each
    window (ReLU outputs are full of tied zeros, which defeat branch prediction).
    """
    oh, ow = values.shape[1], values.shape[2]
    height = out.shape[1]
    for p in range(start, stop):
        for y in range(oh):
            for col in range(ow):
                best = values[p, y, col]
                g = grad[p, y, col]
                zero = g - g
                nan = best != best
                taken = False
                for i in range(kh):
                    r = y * kh + i
                    for j in range(kw):
                        c = col * kw + j
                        v = x[p, r, c]
                        hit = ((v == best) | (nan & (v != v))) & (not taken)
                        out[p, r, c] = g if hit else zero
                        taken = taken | hit
        for r in range(kh * oh, height):  # rows and columns that no window covers
            out[p, r, :] = 0
        for r in range(kh * oh):
            out[p, r, kw * ow :] = 0


@jit
def _max_pool_grad_2x2(grad, x, values, out, start, stop):
    """_max_pool_grad_tiles for the common 2x2 window, unrolled: each window's four flags are written out,
    the first maximum wins."""
    oh, ow = values.shape[1], values.shape[2]
    height = out.shape[1]
    for p in range(start, stop):
        for y in range(oh):
            top, bottom = x[p, 2 * y], x[p, 2 * y + 1]
            out_top, out_bottom = out[p, 2 * y], out[p, 2 * y + 1]
            for col in range(ow):
                best, g = values[p, y, col], grad[p, y, col]
                zero, nan = g - g, best != best
                a, b, c, d = top[2 * col], top[2 * col + 1], bottom[2 * col], bottom[2 * col + 1]
                hit_a = (a == best) | (nan & (a != a))
                hit_b = ((b == best) | (nan & (b != b))) & ~hit_a
                taken = hit_a | hit_b
                hit_c = ((c == best) | (nan & (c != c))) & ~taken
                hit_d = ((d == best) | (nan & (d != d))) & ~(taken | hit_c)
                out_top[2 * col] = g if hit_a else zero
                out_top[2 * col + 1] = g if hit_b else zero
                out_bottom[2 * col] = g if hit_c else zero
                out_bottom[2 * col + 1] = g if hit_d else zero
        for r in range(2 * oh, height):  # rows and columns that no window covers
            out[p, r, :] = 0
        for r in range(2 * oh):
            out[p, r, 2 * ow :] = 0


def max_pool2d_grad(grad, x_padded, values, kernel, stride, dilation):
    if not _floats(grad, x_padded):
        return reference.max_pool2d_grad(grad, x_padded, values, kernel, stride, dilation)
    n, c, height, width = x_padded.shape
    planes = np.ascontiguousarray(x_padded).reshape(n * c, height, width)
    g = np.ascontiguousarray(grad).reshape((n * c,) + grad.shape[2:])
    v = np.ascontiguousarray(values).reshape(g.shape)
    out = np.empty_like(planes)
    parallel = threads.worth_splitting(planes.size, cost=10)
    if tuple(kernel) == tuple(stride) == (2, 2) and tuple(dilation) == (1, 1):
        threads.run_split(lambda a, b: _max_pool_grad_2x2(g, planes, v, out, a, b), n * c, parallel=parallel)
        return out.reshape(x_padded.shape)
    if tuple(kernel) == tuple(stride) and tuple(dilation) == (1, 1):
        threads.run_split(
            lambda a, b: _max_pool_grad_tiles(g, planes, v, *kernel, out, a, b),
            n * c,
            parallel=parallel,
        )
        return out.reshape(x_padded.shape)
    threads.run_split(
        lambda a, b: _max_pool_grad_planes(g, planes, v, *kernel, *stride, *dilation, out, a, b),
        n * c,
        parallel=parallel,
    )
    return out.reshape(x_padded.shape)


# --- batch norm over x viewed as (N, C, S) ---


@jit_sum
def _bn_forward_channels(x, weight, bias, eps, stats, y, start, stop):
    """Channels start..stop of x (N, C, S): mean, variance and 1/std (float64 sums, into stats (3, C)),
    then y = x * scale + shift, one channel at a time, so its three passes find it in cache, and a split
    over the threads hands work off once."""
    n, _, s = x.shape
    count = n * s
    for c in range(start, stop):
        total = 0.0
        for i in range(n):
            for k in range(s):
                total += x[i, c, k]
        mean = total / count
        squares = 0.0
        for i in range(n):
            for k in range(s):
                d = x[i, c, k] - mean
                squares += d * d
        invstd = 1.0 / math.sqrt(squares / count + eps)
        stats[0, c], stats[1, c], stats[2, c] = mean, squares / count, invstd
        scale = invstd * weight[c]
        a, b = _constants(x, scale, bias[c] - mean * scale)  # the per-element pass in x's dtype
        for i in range(n):
            for k in range(s):
                y[i, c, k] = x[i, c, k] * a + b


@jit_sum
def _bn_backward_channels(grad, x, weight, mean, invstd, sums, dx, start, stop):
    """Channels start..stop: the sums of grad and grad * (x - mean) (float64, into sums (2, C) as dweight
    and dbias), then dx = (grad - mean_g - (x - mean) * slope) * scale, one channel at a time."""
    n, _, s = x.shape
    count = n * s
    for c in range(start, stop):
        sum_g, sum_gx = 0.0, 0.0
        m = mean[c]
        for i in range(n):
            for k in range(s):
                g = grad[i, c, k]
                sum_g += g
                sum_gx += g * (x[i, c, k] - m)
        dweight = sum_gx * invstd[c]
        sums[0, c], sums[1, c] = dweight, sum_g
        m_x, slope, mean_g, scale = _constants(x, m, invstd[c] * dweight / count, sum_g / count, invstd[c] * weight[c])
        for i in range(n):
            for k in range(s):
                dx[i, c, k] = (grad[i, c, k] - mean_g - (x[i, c, k] - m_x) * slope) * scale


def _as_ncs(x):
    return np.ascontiguousarray(x).reshape(x.shape[0], x.shape[1], -1)


def _float64_or(values, default, channels):
    return np.full(channels, default) if values is None else values.astype(np.float64)


def batch_norm_train(x, weight, bias, eps):
    if not _floats(x) or x.ndim < 2:
        return reference.batch_norm_train(x, weight, bias, eps)
    channels = x.shape[1]
    x3 = _as_ncs(x)
    stats = np.empty((3, channels), dtype=np.float64)  # accumulate in float64, as the reference's NumPy does
    weight64, bias64 = _float64_or(weight, 1.0, channels), _float64_or(bias, 0.0, channels)
    y = np.empty_like(x3)
    threads.run_split(
        lambda a, b: _bn_forward_channels(x3, weight64, bias64, eps, stats, y, a, b),
        channels,
        parallel=threads.worth_splitting(x.size),
    )
    mean, var, invstd = stats.astype(x.dtype)
    return y.reshape(x.shape), mean, var, invstd


def batch_norm_train_backward(grad, x, weight, mean, invstd):
    if not _floats(grad, x) or x.ndim < 2:
        return reference.batch_norm_train_backward(grad, x, weight, mean, invstd)
    channels = x.shape[1]
    x3, g3 = _as_ncs(x), _as_ncs(grad)
    sums = np.empty((2, channels), dtype=np.float64)
    mean64, invstd64 = mean.astype(np.float64), invstd.astype(np.float64)
    weight64 = _float64_or(weight, 1.0, channels)
    dx = np.empty_like(x3)
    threads.run_split(
        lambda a, b: _bn_backward_channels(g3, x3, weight64, mean64, invstd64, sums, dx, a, b),
        channels,
        parallel=threads.worth_splitting(x.size),
    )
    dweight, dbias = sums.astype(x.dtype)
    return dx.reshape(x.shape), dweight, dbias


# --- layer norm over the rows of x (M, D) ---


@jit_sum
def _ln_rows(x, weight, bias, eps, y, mean, invstd, start, stop):
    """Row sums in x's dtype (as NumPy's reference); mean and invstd are read back from their arrays, so
    the per-element pass runs in x's dtype too (a float64 scalar would turn it into float64 arithmetic)."""
    d = x.shape[1]
    zero, one_over_d = _constants(x, 0.0, 1 / d)
    for r in range(start, stop):
        total = zero
        for k in range(d):
            total += x[r, k]
        mean[r] = total * one_over_d
        m = mean[r]
        squares = zero
        for k in range(d):
            v = x[r, k] - m
            squares += v * v
        invstd[r] = 1.0 / math.sqrt(squares * one_over_d + eps)
        inv = invstd[r]
        for k in range(d):
            y[r, k] = (x[r, k] - m) * inv * weight[k] + bias[k]


@jit_sum
def _ln_rows_backward(grad, x, weight, mean, invstd, dx, dweight, dbias, start, stop):
    """dx for rows start..stop, and those rows' contributions to dweight and dbias (per thread)."""
    d = x.shape[1]
    zero, one_over_d = _constants(x, 0.0, 1 / d)
    for r in range(start, stop):
        m, inv = mean[r], invstd[r]
        sum_g, sum_gx = zero, zero
        for k in range(d):
            x_hat = (x[r, k] - m) * inv
            g = grad[r, k]
            dweight[k] += g * x_hat
            dbias[k] += g
            g = g * weight[k]
            sum_g += g
            sum_gx += g * x_hat
        mean_g, mean_gx = sum_g * one_over_d, sum_gx * one_over_d
        for k in range(d):
            x_hat = (x[r, k] - m) * inv
            dx[r, k] = (grad[r, k] * weight[k] - mean_g - x_hat * mean_gx) * inv


def _parallel_rows(x):
    return threads.worth_splitting(x.size)


def layer_norm(x, weight, bias, eps):
    if not _floats(x) or x.ndim != 2:
        return reference.layer_norm(x, weight, bias, eps)
    x = np.ascontiguousarray(x)
    rows, d = x.shape
    weight = np.ones(d, x.dtype) if weight is None else weight
    bias = np.zeros(d, x.dtype) if bias is None else bias
    y = np.empty_like(x)
    mean, invstd = np.empty(rows, x.dtype), np.empty(rows, x.dtype)
    threads.run_split(
        lambda a, b: _ln_rows(x, weight, bias, eps, y, mean, invstd, a, b), rows, parallel=_parallel_rows(x)
    )
    return y, mean, invstd


def layer_norm_backward(grad, x, weight, mean, invstd):
    if not _floats(grad, x) or x.ndim != 2:
        return reference.layer_norm_backward(grad, x, weight, mean, invstd)
    grad, x = np.ascontiguousarray(grad), np.ascontiguousarray(x)
    rows, d = x.shape
    w = np.ones(d, x.dtype) if weight is None else weight
    dx = np.empty_like(x)

    def work(start, stop):
        dweight, dbias = np.zeros(d, np.float64), np.zeros(d, np.float64)
        _ln_rows_backward(grad, x, w, mean, invstd, dx, dweight, dbias, start, stop)
        return dweight, dbias

    parts = threads.run_split(work, rows, parallel=_parallel_rows(x))
    dweight = sum(part[0] for part in parts).astype(x.dtype)
    dbias = sum(part[1] for part in parts).astype(x.dtype)
    return dx, dweight, dbias


# --- softmax and cross-entropy over the rows of (M, D) ---


# NOTE: exp and tanh come from NumPy's ufuncs, which are vectorised (SIMD); numba's math.exp and
# math.tanh are one scalar call per element here (llvmlite without SVML), several times slower.


@jit
def _subtract_row_max(x, out, start, stop):
    d = x.shape[1]
    for r in range(start, stop):
        top = x[r, 0]
        for k in range(1, d):
            if x[r, k] > top:
                top = x[r, k]
        for k in range(d):
            out[r, k] = x[r, k] - top


@jit_sum
def _normalise_rows(y, start, stop):
    d = y.shape[1]
    zero, one = _constants(y, 0, 1)
    for r in range(start, stop):
        total = zero
        for k in range(d):
            total += y[r, k]
        scale = one / total
        for k in range(d):
            y[r, k] *= scale


# A small softmax in one compiled call, exp included: below this size the scalar exp costs less than
# the calls around NumPy's (benchmarks/README.md).
SMALL_SOFTMAX_ELEMENTS = 256


@jit
def _softmax_small(x, y):
    rows, d = x.shape
    for r in range(rows):
        top = x[r, 0]
        for k in range(1, d):
            if x[r, k] > top or x[r, k] != x[r, k]:  # a NaN makes the row NaN, as in the reference
                top = x[r, k]
        total = 0.0  # in float64
        for k in range(d):
            y[r, k] = np.exp(x[r, k] - top)
            total += y[r, k]
        scale = 1.0 / total
        for k in range(d):
            y[r, k] *= scale


def _softmax_slice(x, y, start, stop):
    _subtract_row_max(x, y, start, stop)
    rows = y if stop - start == y.shape[0] else y[start:stop]  # all rows (a small call): no slices to make
    np.exp(rows, out=rows)
    _normalise_rows(y, start, stop)


@jit_sum
def _softmax_rows_backward(grad, y, dx, start, stop):
    d = y.shape[1]
    (zero,) = _constants(y, 0)
    for r in range(start, stop):
        dot = zero
        for k in range(d):
            dot += grad[r, k] * y[r, k]
        for k in range(d):
            dx[r, k] = y[r, k] * (grad[r, k] - dot)


def softmax(x):
    if not _floats(x) or x.ndim != 2 or x.shape[1] == 0:
        return reference.softmax(x)
    x = np.ascontiguousarray(x)
    y = np.empty_like(x)
    if x.size <= SMALL_SOFTMAX_ELEMENTS:
        _softmax_small(x, y)
        return y
    threads.run_split(lambda a, b: _softmax_slice(x, y, a, b), x.shape[0], parallel=_parallel_rows(x))
    return y


@jit
def _scaled_masked_shift(x, queries, scale, causal_offset, out, start, stop):
    """out = x * scale - row max over the visible keys, -inf at hidden keys (causal_offset < 0: none hidden)."""
    d = x.shape[1]
    (lowest,) = _constants(x, -np.inf)
    for r in range(start, stop):
        visible = d if causal_offset < 0 else min(d, r % queries + causal_offset + 1)
        top = lowest
        for k in range(visible):
            v = x[r, k] * scale
            if v > top or v != v:
                top = v
        for k in range(visible):
            out[r, k] = x[r, k] * scale - top
        for k in range(visible, d):
            out[r, k] = -np.inf


def attention_weights(scores, queries, scale, causal_offset):
    if not _floats(scores) or scores.ndim != 2 or scores.shape[1] == 0:
        return reference.attention_weights(scores, queries, scale, causal_offset)
    scores = np.ascontiguousarray(scores)
    y = np.empty_like(scores)
    if causal_offset is not None and causal_offset < 0:  # rows that see no key: the reference's NaN rule
        return reference.attention_weights(scores, queries, scale, causal_offset)
    offset = -1 if causal_offset is None else causal_offset

    def work(start, stop):
        _scaled_masked_shift(scores, queries, scores.dtype.type(scale), offset, y, start, stop)
        np.exp(y[start:stop], out=y[start:stop])
        _normalise_rows(y, start, stop)

    threads.run_split(work, scores.shape[0], parallel=_parallel_rows(scores))
    return y


def softmax_backward(grad, y):
    if not _floats(grad, y) or y.ndim != 2:
        return reference.softmax_backward(grad, y)
    grad, y = np.ascontiguousarray(grad), np.ascontiguousarray(y)
    dx = np.empty_like(y)
    threads.run_split(lambda a, b: _softmax_rows_backward(grad, y, dx, a, b), y.shape[0], parallel=_parallel_rows(y))
    return dx


@jit_sum
def _cross_entropy_rows(logits, exps, target, ignore_index, losses, lse, start, stop):
    """exps holds exp(logits - row max) for these rows; finish logsumexp and pick the target."""
    d = logits.shape[1]
    for r in range(start, stop):
        top = logits[r, 0]
        for k in range(1, d):
            if logits[r, k] > top:
                top = logits[r, k]
        total = 0.0
        for k in range(d):
            total += exps[r, k]
        lse[r] = math.log(total) + top
        t = target[r]
        losses[r] = 0.0 if t == ignore_index else lse[r] - logits[r, t]


@jit
def _subtract_row_value(x, values, out, start, stop):
    d = x.shape[1]
    for r in range(start, stop):
        for k in range(d):
            out[r, k] = x[r, k] - values[r]


@jit
def _cross_entropy_grad_rows(target, ignore_index, grad_losses, dx, start, stop):
    """dx holds softmax(logits) for these rows: scale by the loss gradient, subtract it at the target."""
    d = dx.shape[1]
    (zero,) = _constants(dx, 0)
    for r in range(start, stop):
        t = target[r]
        g = zero if t == ignore_index else grad_losses[r]
        for k in range(d):
            dx[r, k] *= g
        if t != ignore_index:
            dx[r, t] -= g


def cross_entropy(logits, target, ignore_index):
    if not _floats(logits) or logits.ndim != 2 or logits.shape[1] == 0:
        return reference.cross_entropy(logits, target, ignore_index)
    logits, target = np.ascontiguousarray(logits), np.ascontiguousarray(target, dtype=np.int64)
    rows = logits.shape[0]
    losses, lse = np.empty(rows, logits.dtype), np.empty(rows, logits.dtype)
    exps = np.empty_like(logits)

    def work(start, stop):
        _subtract_row_max(logits, exps, start, stop)
        np.exp(exps[start:stop], out=exps[start:stop])
        _cross_entropy_rows(logits, exps, target, ignore_index, losses, lse, start, stop)

    threads.run_split(work, rows, parallel=_parallel_rows(logits))
    return losses, lse


def cross_entropy_backward(grad_losses, logits, target, ignore_index, lse):
    if not _floats(logits) or logits.ndim != 2:
        return reference.cross_entropy_backward(grad_losses, logits, target, ignore_index, lse)
    logits, target = np.ascontiguousarray(logits), np.ascontiguousarray(target, dtype=np.int64)
    grad_losses = np.ascontiguousarray(grad_losses, dtype=logits.dtype)
    dx = np.empty_like(logits)

    def work(start, stop):
        _subtract_row_value(logits, lse, dx, start, stop)
        np.exp(dx[start:stop], out=dx[start:stop])
        _cross_entropy_grad_rows(target, ignore_index, grad_losses, dx, start, stop)

    threads.run_split(work, logits.shape[0], parallel=_parallel_rows(logits))
    return dx


# --- small arrays: sums, whole-tensor max/min, small products, class-target checks: small.py (no numba) ---
sum_all, sum_dims, max_all, min_all = small.sum_all, small.sum_dims, small.max_all, small.min_all
small_product, class_targets = small.small_product, small.class_targets


# --- ReLU: a vectorised loop for large arrays, and a backward in one pass instead of compare, cast, multiply ---


# NumPy's maximum against a scalar is not vectorised in this build: this loop is.


@jit
def _relu_slice(x, out, start, stop):
    (zero,) = _constants(x, 0)
    source, target = x[start:stop], out[start:stop]
    # NOTE: the loop runs over range(size), not range(start, stop): an index that may be negative gets
    # numba's wraparound test, which kept this loop from vectorising
    for k in range(source.size):
        v = source[k]
        target[k] = zero if v <= zero else v  # NaN <= 0 is false: NaN stays NaN; -0.0 becomes 0 (a select)


relu = small.relu  # small.c's loop on small arrays, relu_beyond_small below for the rest


def relu_beyond_small(x):
    if not _floats(x):
        return reference.relu(x)
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty_like(flat)
    threads.run_split(lambda a, b: _relu_slice(flat, out, a, b), flat.size, parallel=threads.worth_splitting(flat.size))
    return out.reshape(x.shape)


@jit
def _relu_backward(grad, z, out):
    (zero,) = _constants(grad, 0)
    for k in range(z.size):
        out[k] = grad[k] if z[k] > zero else zero


def relu_backward(grad, z):
    if not _floats(grad, z) or grad.shape != z.shape:
        return reference.relu_backward(grad, z)
    g, flat = np.ascontiguousarray(grad).reshape(-1), np.ascontiguousarray(z).reshape(-1)
    out = np.empty_like(g)
    _relu_backward(g, flat, out)
    return out.reshape(grad.shape)


# --- GELU (tanh approximation), elementwise over a flat array ---

_SQRT_2_OVER_PI = 0.7978845608028654


@jit_sum
def _gelu_argument(x, out):
    """out = sqrt(2/pi) (x + 0.044715 x^3), the argument of tanh."""
    root, cubic = _constants(x, _SQRT_2_OVER_PI, 0.044715)
    for k in range(x.size):
        v = x[k]
        out[k] = root * (v + cubic * v * v * v)


@jit_sum
def _gelu_finish(x, t, y):
    """y = x/2 (1 + t), t = tanh(...) (y may be t's buffer)."""
    half, one = _constants(x, 0.5, 1.0)
    for k in range(x.size):
        y[k] = half * x[k] * (one + t[k])


@jit_sum
def _gelu_slope(grad, x, t, dx):
    """dx = grad * ((1 + t)/2 + x/2 (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2)) (dx may be t's buffer)."""
    half, one, root, cubic3 = _constants(x, 0.5, 1.0, _SQRT_2_OVER_PI, 3 * 0.044715)
    for k in range(x.size):
        v, tk = x[k], t[k]
        dx[k] = grad[k] * (half * (one + tk) + half * v * (one - tk * tk) * root * (one + cubic3 * v * v))


def _gelu_slice(x, t, y, start, stop):
    xs, ts = x[start:stop], t[start:stop]
    _gelu_argument(xs, ts)
    np.tanh(ts, out=ts)  # NumPy's vectorised tanh (see the NOTE above)
    _gelu_finish(xs, ts, y[start:stop])


def gelu_tanh(x):
    if not _floats(x):
        return reference.gelu_tanh(x)
    flat = np.ascontiguousarray(x).reshape(-1)
    y, t = np.empty_like(flat), np.empty_like(flat)
    threads.run_split(
        lambda a, b: _gelu_slice(flat, t, y, a, b), flat.size, parallel=threads.worth_splitting(flat.size)
    )
    return y.reshape(x.shape), t.reshape(x.shape)


def gelu_tanh_backward(grad, x, t):
    """One pass over grad, x and the forward's tanh."""
    if not _floats(grad, x, t):
        return reference.gelu_tanh_backward(grad, x, t)
    flat, g = np.ascontiguousarray(x).reshape(-1), np.ascontiguousarray(grad).reshape(-1)
    tanh = np.ascontiguousarray(t).reshape(-1)
    dx = np.empty_like(flat)
    threads.run_split(
        lambda a, b: _gelu_slope(g[a:b], flat[a:b], tanh[a:b], dx[a:b]),
        flat.size,
        parallel=threads.worth_splitting(flat.size),
    )
    return dx.reshape(x.shape)


# --- index_add over rows (an embedding's backward): a loop, np.add.at being far slower ---


@jit
def _index_add_rows(target, rows, values):
    for k in range(rows.size):
        target[rows[k]] += values[k]


def index_add_rows(target, rows, values):
    if (
        not _floats(target, values)
        or target.ndim != 2
        or rows.dtype.kind not in "iu"
        or values.shape != rows.shape + target.shape[1:]
        or not target.flags.c_contiguous
    ):
        return reference.index_add_rows(target, rows, values)
    flat_rows = np.ascontiguousarray(rows).reshape(-1)
    _index_add_rows(target, flat_rows, np.ascontiguousarray(values).reshape(flat_rows.size, target.shape[1]))


# --- optimizer updates: one pass over the parameter and its state instead of eight ---


@jit
def _adam(p, grad, exp_avg, exp_avg_sq, coefficients, decoupled):
    """coefficients (p's dtype): beta1, 1 - beta1, beta2, 1 - beta2, eps, weight_decay, 1 - lr*weight_decay,
    lr / (1 - beta1^step), sqrt(1 - beta2^step)."""
    beta1, one_minus_beta1, beta2, one_minus_beta2, eps, weight_decay, shrink, step_size, bias2_root = coefficients
    for k in range(p.size):
        g = grad[k]
        if weight_decay != 0:
            if decoupled:
                p[k] *= shrink
            else:
                g = g + weight_decay * p[k]
        m = beta1 * exp_avg[k] + one_minus_beta1 * g
        v = beta2 * exp_avg_sq[k] + one_minus_beta2 * g * g
        exp_avg[k], exp_avg_sq[k] = m, v
        p[k] -= step_size * m / (np.sqrt(v) / bias2_root + eps)


adam_step = small.adam_step  # small.c's loop on small parameters, adam_step_beyond_small below for the rest


def adam_step_beyond_small(p, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled, step):
    arrays = (p, grad, exp_avg, exp_avg_sq)
    # one vectorised pass instead of NumPy's eight
    if not _floats(*arrays) or not all(a.flags.c_contiguous for a in arrays):
        return reference.adam_step(p, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled, step)
    flat = [a.reshape(-1) for a in arrays]
    coefficients = np.array(
        [beta1, 1 - beta1, beta2, 1 - beta2, eps, weight_decay, 1 - lr * weight_decay]
        + [lr / (1 - beta1**step), math.sqrt(1 - beta2**step)],
        dtype=p.dtype,  # float32 parameters are updated in float32 arithmetic, as the reference does
    )
    _adam(*flat, coefficients, decoupled)


@jit
def _sgd_momentum(p, grad, buffer, coefficients, nesterov):
    """coefficients (p's dtype): lr, momentum, 1 - dampening, weight_decay."""
    lr, momentum, undamped, weight_decay = coefficients
    for k in range(p.size):
        g = grad[k]
        if weight_decay != 0:
            g = g + weight_decay * p[k]
        b = momentum * buffer[k] + undamped * g
        buffer[k] = b
        p[k] -= lr * (g + momentum * b if nesterov else b)


sgd_momentum_step = small.sgd_momentum_step  # small.c's loop on small parameters, the one below for the rest


def sgd_momentum_step_beyond_small(p, grad, buffer, lr, momentum, dampening, weight_decay, nesterov):
    arrays = (p, grad, buffer)
    if not _floats(*arrays) or not all(a.flags.c_contiguous for a in arrays):
        return reference.sgd_momentum_step(p, grad, buffer, lr, momentum, dampening, weight_decay, nesterov)
    coefficients = np.array([lr, momentum, 1 - dampening, weight_decay], dtype=p.dtype)
    _sgd_momentum(*[a.reshape(-1) for a in arrays], coefficients, nesterov)


def __getattr__(name):
    """A kernel not compiled here is the reference's (module-level __getattr__, PEP 562)."""
    return getattr(reference, name)
