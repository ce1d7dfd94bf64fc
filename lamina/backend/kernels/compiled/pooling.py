"""Max pooling: the maxima (and their positions) and the gradient, fused loops over the planes."""

import numpy as np

from lamina.backend.kernels import reference, threads
from lamina.backend.kernels.compiled.common import floats, jit


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
    if not floats(x_padded):
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
    if not floats(x_padded):
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
    if not floats(grad, x_padded):
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
