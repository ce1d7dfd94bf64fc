"""The compiled kernels: numba loops that make one pass over memory where NumPy makes several.

Same functions, same arguments as reference.py (the definition they are tested against).
Why each exists, measured on the benchmark workloads (benchmarks/README.md):
- convolution: im2col one small slice of the batch at a time, so the column buffer stays
  in cache instead of being a 9x (3x3) or 25x (5x5) copy of the whole input in memory, and
  the slices run on all cores, each with a one-thread BLAS;
- pooling, batch/layer norm, softmax, cross-entropy: a fused loop instead of 4-10 NumPy
  passes with temporaries, split over the cores.
Every loop is compiled on first use (about a second each) and cached on disk (`cache=True`),
never at import. Inputs the kernels were not written for go to the reference.
"""

import math

import numba
import numpy as np

from lamina.backend.kernels import reference, threads

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_CACHE_BYTES = 256 * 1024  # target size of one im2col slice: fits in L2 beside the BLAS panels


def describe() -> str:
    return f"numba {numba.__version__} (compiled kernels, {threads.WORKERS} threads)"


def _floats(*arrays) -> bool:
    return all(a.dtype in _FLOATS and a.dtype == arrays[0].dtype for a in arrays)


jit = numba.njit(cache=True, nogil=True)


# --- convolution ---


@numba.njit(cache=True, nogil=True, inline="always")
def _inside(out_w, stride, offset, width):
    """Output columns lo <= x < hi whose input column x * stride + offset lies inside the image."""
    lo = 0
    while lo < out_w and lo * stride + offset < 0:
        lo += 1
    hi = out_w
    while hi > lo and (hi - 1) * stride + offset >= width:
        hi -= 1
    return lo, hi


@jit
def _im2col(x, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, cols):
    """cols[(c, i, j), (y, x)] = x[c, y*sh - ph + i*dh, x*sw - pw + j*dw] (0 outside): one sample (C, H, W)."""
    channels, height, width = x.shape
    for c in range(channels):
        for i in range(kh):
            for j in range(kw):
                row = (c * kh + i) * kw + j
                offset = j * dw - pw
                lo, hi = _inside(ow, sw, offset, width)
                for y in range(oh):
                    source = y * sh - ph + i * dh
                    start = y * ow
                    if source < 0 or source >= height:
                        cols[row, start : start + ow] = 0
                        continue
                    cols[row, start : start + lo] = 0
                    for col in range(lo, hi):
                        cols[row, start + col] = x[c, source, col * sw + offset]
                    cols[row, start + hi : start + ow] = 0


@jit
def _col2im(cols, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, dx):
    """The adjoint of _im2col: dx[c, ...] = sum of the cols entries that read it (dx: one sample, zeroed here)."""
    channels, height, width = dx.shape
    dx[:] = 0
    for c in range(channels):
        for i in range(kh):
            for j in range(kw):
                row = (c * kh + i) * kw + j
                offset = j * dw - pw
                lo, hi = _inside(ow, sw, offset, width)
                for y in range(oh):
                    target = y * sh - ph + i * dh
                    if target < 0 or target >= height:
                        continue
                    start = y * ow
                    for col in range(lo, hi):
                        dx[c, target, col * sw + offset] += cols[row, start + col]


def _conv_plan(x_shape, w_shape, out_hw, itemsize):
    """How many samples share one im2col slice, so the slice stays near _CACHE_BYTES."""
    rows = w_shape[1] * w_shape[2] * w_shape[3]
    per_sample = rows * out_hw[0] * out_hw[1] * itemsize
    return max(1, min(x_shape[0], _CACHE_BYTES // max(per_sample, 1)))


def _geometry(w_shape, stride, padding, dilation, out_hw):
    return (
        w_shape[2],
        w_shape[3],
        stride[0],
        stride[1],
        padding[0][0],
        padding[1][0],
        dilation[0],
        dilation[1],
    ) + out_hw


def _supported_conv(groups, *arrays):
    return groups == 1 and _floats(*arrays)


def conv2d_forward(x, w, stride, padding, dilation, groups):
    if not _supported_conv(groups, x, w):
        return reference.conv2d_forward(x, w, stride, padding, dilation, groups)
    out_hw = reference.conv_output_hw(x.shape[2:], w.shape[2:], stride, padding, dilation)
    n, out_channels, pixels = x.shape[0], w.shape[0], out_hw[0] * out_hw[1]
    x = np.ascontiguousarray(x)
    w2 = np.ascontiguousarray(w.reshape(out_channels, -1))  # (O, C*kh*kw)
    out = np.empty((n, out_channels, pixels), dtype=x.dtype)
    geometry = _geometry(w.shape, stride, padding, dilation, out_hw)
    chunk = _conv_plan(x.shape, w.shape, out_hw, x.itemsize)

    def work(start, stop):
        cols = np.empty((w2.shape[1], chunk * pixels), dtype=x.dtype)
        for first in range(start, stop, chunk):
            m = min(chunk, stop - first)
            for q in range(m):
                _im2col(x[first + q], *geometry, cols[:, q * pixels : (q + 1) * pixels])
            if m == 1:
                np.matmul(w2, cols[:, :pixels], out=out[first])
            else:  # (O, m*P) -> (m, O, P)
                out[first : first + m] = (
                    (w2 @ cols[:, : m * pixels]).reshape(out_channels, m, pixels).transpose(1, 0, 2)
                )

    with threads.single_threaded_blas():
        threads.run_split(work, n)
    return out.reshape(n, out_channels, *out_hw)


def _gather_grad(grad, first, m, buffer):
    """grad[first:first+m] (m, O, P) as one (O, m*P) matrix, in `buffer`."""
    out_channels, pixels = grad.shape[1], grad.shape[2]
    view = buffer[:, : m * pixels]
    view.reshape(out_channels, m, pixels)[...] = grad[first : first + m].transpose(1, 0, 2)
    return view


def conv2d_weight_grad(x, grad, weight_shape, stride, padding, dilation, groups):
    if not _supported_conv(groups, x, grad):
        return reference.conv2d_weight_grad(x, grad, weight_shape, stride, padding, dilation, groups)
    out_hw = grad.shape[2:]
    n, out_channels, pixels = x.shape[0], weight_shape[0], out_hw[0] * out_hw[1]
    rows = weight_shape[1] * weight_shape[2] * weight_shape[3]
    x = np.ascontiguousarray(x)
    grad = np.ascontiguousarray(grad).reshape(n, out_channels, pixels)
    geometry = _geometry(weight_shape, stride, padding, dilation, out_hw)
    chunk = _conv_plan(x.shape, weight_shape, out_hw, x.itemsize)

    def work(start, stop):
        cols = np.empty((rows, chunk * pixels), dtype=x.dtype)
        grads = np.empty((out_channels, chunk * pixels), dtype=x.dtype)
        total = np.zeros((out_channels, rows), dtype=x.dtype)
        for first in range(start, stop, chunk):
            m = min(chunk, stop - first)
            for q in range(m):
                _im2col(x[first + q], *geometry, cols[:, q * pixels : (q + 1) * pixels])
            total += _gather_grad(grad, first, m, grads) @ cols[:, : m * pixels].T
        return total

    with threads.single_threaded_blas():
        parts = threads.run_split(work, n)
    total = parts[0]
    for part in parts[1:]:
        total += part
    return total.reshape(weight_shape)


def conv2d_input_grad(grad, w, input_shape, stride, padding, dilation, groups):
    if not _supported_conv(groups, grad, w):
        return reference.conv2d_input_grad(grad, w, input_shape, stride, padding, dilation, groups)
    out_hw = grad.shape[2:]
    n, out_channels, pixels = input_shape[0], w.shape[0], out_hw[0] * out_hw[1]
    w2t = np.ascontiguousarray(w.reshape(out_channels, -1).T)  # (C*kh*kw, O)
    grad = np.ascontiguousarray(grad).reshape(n, out_channels, pixels)
    dx = np.empty(input_shape, dtype=grad.dtype)
    geometry = _geometry(w.shape, stride, padding, dilation, out_hw)
    chunk = _conv_plan(input_shape, w.shape, out_hw, grad.itemsize)

    def work(start, stop):
        grads = np.empty((out_channels, chunk * pixels), dtype=grad.dtype)
        cols = np.empty((w2t.shape[0], chunk * pixels), dtype=grad.dtype)
        for first in range(start, stop, chunk):
            m = min(chunk, stop - first)
            np.matmul(w2t, _gather_grad(grad, first, m, grads), out=cols[:, : m * pixels])
            for q in range(m):
                _col2im(cols[:, q * pixels : (q + 1) * pixels], *geometry, dx[first + q])

    with threads.single_threaded_blas():
        threads.run_split(work, n)
    return dx


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


@jit
def _max_pool_scatter(grad, positions, out, start, stop):
    """out[p].flat[positions[p]] += grad[p] for planes start..stop (out zeroed here)."""
    for p in range(start, stop):
        out[p] = 0
        flat = out[p].reshape(-1)
        g, where = grad[p].reshape(-1), positions[p].reshape(-1)
        for k in range(g.size):
            flat[where[k]] += g[k]


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
        parallel=values.size > 8192,
    )
    return values.reshape(n, c, *out_size), positions.reshape(n, c, *out_size)


def max_pool2d_backward(grad, positions, padded_shape):
    if not _floats(grad):
        return reference.max_pool2d_backward(grad, positions, padded_shape)
    n, c = padded_shape[:2]
    out = np.empty((n * c,) + tuple(padded_shape[2:]), dtype=grad.dtype)
    g = np.ascontiguousarray(grad).reshape(n * c, -1)
    where = np.ascontiguousarray(positions).reshape(n * c, -1)
    threads.run_split(
        lambda start, stop: _max_pool_scatter(g, where, out, start, stop), n * c, parallel=grad.size > 8192
    )
    return out.reshape(padded_shape)


# --- batch norm over x viewed as (N, C, S) ---


@jit
def _bn_stats(x, eps, mean, var, invstd, start, stop):
    n, _, s = x.shape
    count = n * s
    for c in range(start, stop):
        total = 0.0
        for i in range(n):
            for k in range(s):
                total += x[i, c, k]
        m = total / count
        squares = 0.0
        for i in range(n):
            for k in range(s):
                d = x[i, c, k] - m
                squares += d * d
        mean[c], var[c] = m, squares / count
        invstd[c] = 1.0 / math.sqrt(squares / count + eps)


@jit
def _bn_apply(x, scale, shift, y, start, stop):
    n, _, s = x.shape
    for i in range(n):
        for c in range(start, stop):
            a, b = scale[c], shift[c]
            for k in range(s):
                y[i, c, k] = x[i, c, k] * a + b


@jit
def _bn_grad_sums(grad, x, mean, invstd, dweight, dbias, start, stop):
    n, _, s = x.shape
    for c in range(start, stop):
        sum_g, sum_gx = 0.0, 0.0
        m = mean[c]
        for i in range(n):
            for k in range(s):
                g = grad[i, c, k]
                sum_g += g
                sum_gx += g * (x[i, c, k] - m)
        dbias[c], dweight[c] = sum_g, sum_gx * invstd[c]


@jit
def _bn_grad_input(grad, x, mean, invstd, weight, dweight, dbias, dx, start, stop):
    n, _, s = x.shape
    count = n * s
    for i in range(n):
        for c in range(start, stop):
            scale = invstd[c] * weight[c]
            m, inv = mean[c], invstd[c]
            mean_g, mean_gx = dbias[c] / count, dweight[c] / count
            for k in range(s):
                xhat = (x[i, c, k] - m) * inv
                dx[i, c, k] = (grad[i, c, k] - mean_g - xhat * mean_gx) * scale


def _as_ncs(x):
    return np.ascontiguousarray(x).reshape(x.shape[0], x.shape[1], -1)


def batch_norm_train(x, weight, bias, eps):
    if not _floats(x) or x.ndim < 2:
        return reference.batch_norm_train(x, weight, bias, eps)
    channels = x.shape[1]
    x3 = _as_ncs(x)
    stats = np.empty((3, channels), dtype=np.float64)  # accumulate in float64, as the reference's NumPy does
    mean, var, invstd = stats
    parallel = x.size > 32768
    threads.run_split(lambda a, b: _bn_stats(x3, eps, mean, var, invstd, a, b), channels, parallel=parallel)
    scale = invstd * (weight if weight is not None else 1.0)
    shift = (bias if bias is not None else 0.0) - mean * scale
    y = np.empty_like(x3)
    threads.run_split(
        lambda a, b: _bn_apply(x3, scale.astype(x.dtype), shift.astype(x.dtype), y, a, b), channels, parallel=parallel
    )
    return y.reshape(x.shape), mean.astype(x.dtype), var.astype(x.dtype), invstd.astype(x.dtype)


def batch_norm_train_backward(grad, x, weight, mean, invstd):
    if not _floats(grad, x) or x.ndim < 2:
        return reference.batch_norm_train_backward(grad, x, weight, mean, invstd)
    channels = x.shape[1]
    x3, g3 = _as_ncs(x), _as_ncs(grad)
    sums = np.empty((2, channels), dtype=np.float64)
    dweight, dbias = sums
    parallel = x.size > 32768
    mean64, invstd64 = mean.astype(np.float64), invstd.astype(np.float64)
    threads.run_split(
        lambda a, b: _bn_grad_sums(g3, x3, mean64, invstd64, dweight, dbias, a, b), channels, parallel=parallel
    )
    w = np.ones(channels) if weight is None else weight.astype(np.float64)
    dx = np.empty_like(x3)
    threads.run_split(
        lambda a, b: _bn_grad_input(g3, x3, mean64, invstd64, w, dweight, dbias, dx, a, b), channels, parallel=parallel
    )
    return dx.reshape(x.shape), dweight.astype(x.dtype), dbias.astype(x.dtype)


def __getattr__(name):
    """A kernel not compiled here is the reference's (module-level __getattr__, PEP 562)."""
    return getattr(reference, name)
