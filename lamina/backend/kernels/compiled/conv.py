"""Convolutions (the three primitives of ops/conv.py): the choice among Winograd, the direct loops and
im2col + matrix products, and the last two themselves; Winograd's own code is winograd.py."""

import numpy as np

from lamina.backend.kernels import reference, threads
from lamina.backend.kernels.compiled import winograd
from lamina.backend.kernels.compiled.common import (
    CACHE_BYTES,
    add_product_nt,
    constants,
    floats,
    jit,
    jit_sum,
    load_sample,
    product,
    summed_over_batch_slices,
)

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
            load_sample(x, first + q, top, left, padded)
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
    """dx[s, c, y, col] = padded[c, top + y, left + col]: the adjoint of load_sample."""
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
        load_sample(x, first + q, top, left, padded)
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
        load_sample(x, s, top, left, padded)
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
    (zero,) = constants(dw, 0)
    for s in range(start, stop):
        load_sample(x, s, top, left, padded)
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


def _conv_plan(x_shape, w_shape, out_hw, itemsize):
    """How many samples share one im2col slice, so the slice stays near CACHE_BYTES."""
    rows = w_shape[1] * w_shape[2] * w_shape[3]
    per_sample = rows * out_hw[0] * out_hw[1] * itemsize
    return max(1, min(x_shape[0], CACHE_BYTES // max(per_sample, 1)))


def _geometry(w_shape, stride, dilation, out_hw):
    return (w_shape[2], w_shape[3], stride[0], stride[1], dilation[0], dilation[1]) + tuple(out_hw)


def _supported_conv(groups, *arrays):
    return groups == 1 and floats(*arrays)


def conv2d_forward(x, w, stride, padding, dilation, groups):
    if not _supported_conv(groups, x, w):
        return reference.conv2d_forward(x, w, stride, padding, dilation, groups)
    if winograd.usable(w.shape, stride, dilation, groups, padding):
        return winograd.conv(x, w, padding)
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
            product(w2, cols[:, : m * pixels], result[:, : m * pixels])  # (O, K) @ (K, m*P)
            _to_channel_major(result, first, m, out)

    with threads.single_threaded_blas():
        threads.run_split(work, n)
    return out.reshape(n, out_channels, *out_hw)


def conv2d_weight_grad(x, grad, weight_shape, stride, padding, dilation, groups):
    if not _supported_conv(groups, x, grad):
        return reference.conv2d_weight_grad(x, grad, weight_shape, stride, padding, dilation, groups)
    if winograd.usable(weight_shape, stride, dilation, groups, padding):
        return winograd.weight_grad(x, grad, padding)
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
            add_product_nt(grads[:, : m * pixels], cols[:, : m * pixels], total, partial)  # (O, m*P) @ (m*P, K)
        return total

    return summed_over_batch_slices(work, n).reshape(weight_shape)


def conv2d_input_grad(grad, w, input_shape, stride, padding, dilation, groups):
    if not _supported_conv(groups, grad, w):
        return reference.conv2d_input_grad(grad, w, input_shape, stride, padding, dilation, groups)
    if winograd.usable(w.shape, stride, dilation, groups, padding):
        # the transposed convolution is a 3x3 convolution of grad by the flipped, transposed kernel
        (top, bottom), (left, right) = padding
        flipped = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
        return winograd.conv(grad, flipped, ((2 - top, 2 - bottom), (2 - left, 2 - right)))
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
            product(w2t, grads[:, : m * pixels], cols[:, : m * pixels])  # (K, O) @ (O, m*P)
            _col2im_samples(cols, first, m, top, left, padded, *geometry, dx)

    with threads.single_threaded_blas():
        threads.run_split(work, n)
    return dx


def _wide_plan(n, rows, out_h, padded_width, itemsize):
    length = out_h * padded_width  # columns per sample, the extra Wp - Wo per row included
    return length, max(1, min(n, CACHE_BYTES // max(rows * length * itemsize, 1)))


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
            product(w2, cols[:, : m * length], result[:, : m * length])  # (O, K) @ (K, m*oh*Wp)
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
            add_product_nt(grads[:, : m * length], cols[:, : m * length], total, partial)
        return total

    return summed_over_batch_slices(work, n).reshape(weight_shape)


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
            product(w2t, grads[:, : m * length], cols[:, : m * length])  # (K, O) @ (O, m*oh*Wp)
            _col2im_wide_samples(
                cols, first, m, buffers.top, buffers.left, buffers.padded, buffers.flat, kh, kw, length, dx
            )

    with threads.single_threaded_blas():
        threads.run_split(work, n)
    return dx
