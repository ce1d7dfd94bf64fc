"""Winograd convolutions (Lavin & Gray 2016): 3x3 stride-1 layers with fewer multiplications than im2col.

Two tilings. F(2x2, 3x3) computes each 2x2 output tile from a 4x4 input tile with 16 products where
im2col needs 36 (2.25x fewer), and its float32 rounding is at torch's level: lamina's default.
F(4x4, 3x3) computes 4x4 tiles from 6x6 ones with 36 products where im2col needs 144 (4x fewer), but its
transforms' larger coefficients (up to 8) cost about ten times im2col's float32 rounding: it runs where the
user accepts that, `lamina.set_float32_matmul_precision("high")` or "medium", as PyTorch lets TF32 in.
Float64 always takes F(2x2, 3x3). Errors and times: benchmarks/README.md.

Per tile d and kernel g: Y = A^T [(G g G^T) . (B^T d B)] A; the sum over input channels is one matrix
product per position of the (m+2)x(m+2) tile.
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from lamina.backend.kernels import choices, threads
from lamina.backend.kernels.compiled.common import (
    FLOATS,
    add_product_nt,
    constants,
    jit,
    jit_sum,
    load_sample,
    product,
    summed_over_batch_slices,
)


class _Tiling(NamedTuple):
    """One Winograd algorithm F(m x m, 3x3): its tile sizes, kernel transform and tile transforms."""

    outputs: int  # m: a tile's output rows (and columns)
    filter_matrix: dict  # dtype -> kron(G, G), ((m+2)^2, 9): the transform of a flattened 3x3 kernel
    input_samples: Callable  # (x, first, count, top, left, padded, tiles_h, tiles_w, v): v = B^T d B
    output_samples: Callable  # (m, first, count, tiles_h, tiles_w, out): out = A^T m A
    output_grad_samples: Callable  # (grad, first, count, grad_padded, tiles_h, tiles_w, dm): dm = A dy A^T

    @property
    def inputs(self) -> int:  # m + 2: a tile's input rows
        return self.outputs + 2

    @property
    def planes(self) -> int:  # (m+2)^2 positions, one matrix product each
        return self.inputs * self.inputs


def _filter_matrices(g):
    # As one matrix on the flattened kernel, kron(G, G), the transform of all O*C kernels is one product
    # ((m+2)^2, 9) @ (9, O*C), and its adjoint (the weight gradient's last step) one (O*C, (m+2)^2) @ (.., 9),
    # faster than loops over the kernels.
    return {dtype: np.kron(g, g).astype(dtype) for dtype in FLOATS}


# ---- F(2x2, 3x3): B^T = [[1,0,-1,0], [0,1,1,0], [0,-1,1,0], [0,1,0,-1]], A^T = [[1,1,1,0], [0,1,-1,-1]]


@jit_sum
def _input_f2(x_padded, tiles_h, tiles_w, column, v):
    """v[:, c, column + t] = B^T d B for every channel c and 4x4 tile d of one padded sample (C, 2th+2, 2tw+2).

    As in F(4x4, 3x3): B^T down the four rows of a band of tiles first, vectorised along the row, then
    across each tile.
    """
    channels, _, padded_width = x_padded.shape
    r = np.empty((4, padded_width), dtype=x_padded.dtype)
    for c in range(channels):
        for ty in range(tiles_h):
            y = 2 * ty
            for x in range(padded_width):  # r = B^T over the band's four rows
                d0, d1, d2, d3 = x_padded[c, y, x], x_padded[c, y + 1, x], x_padded[c, y + 2, x], x_padded[c, y + 3, x]
                r[0, x] = d0 - d2
                r[1, x] = d1 + d2
                r[2, x] = d2 - d1
                r[3, x] = d1 - d3
            base = column + ty * tiles_w
            for i in range(4):  # (B^T d) B, tile by tile
                for tx in range(tiles_w):
                    k = 2 * tx
                    r0, r1, r2, r3 = r[i, k], r[i, k + 1], r[i, k + 2], r[i, k + 3]
                    t = base + tx
                    v[i * 4 + 0, c, t] = r0 - r2
                    v[i * 4 + 1, c, t] = r1 + r2
                    v[i * 4 + 2, c, t] = r2 - r1
                    v[i * 4 + 3, c, t] = r1 - r3


@jit_sum
def _output_f2(m, tiles_h, tiles_w, column, out):
    """out[o] (Ho, Wo) = A^T m A for every output channel o and tile of one sample, cropped at the edges."""
    out_channels, height, width = out.shape
    s = np.empty((4, 2 * tiles_w), dtype=out.dtype)
    for o in range(out_channels):
        for ty in range(tiles_h):
            base = column + ty * tiles_w
            for a in range(4):  # s[a] = m_a A, tile by tile along the band
                for tx in range(tiles_w):
                    t = base + tx
                    m0, m1, m2, m3 = m[a * 4, o, t], m[a * 4 + 1, o, t], m[a * 4 + 2, o, t], m[a * 4 + 3, o, t]
                    k = 2 * tx
                    s[a, k] = m0 + m1 + m2
                    s[a, k + 1] = m1 - m2 - m3
            y = 2 * ty
            second_row = height - y > 1
            for x in range(width):  # the band's output rows = A^T s
                s0, s1, s2, s3 = s[0, x], s[1, x], s[2, x], s[3, x]
                out[o, y, x] = s0 + s1 + s2
                if second_row:
                    out[o, y + 1, x] = s1 - s2 - s3


@jit_sum
def _output_grad_f2(dy_padded, tiles_h, tiles_w, column, dm):
    """dm[:, o, column + t] = A dy_tile A^T for each output channel o and 2x2 tile of one sample's dy (the
    adjoint of _output_f2); dy_padded (O, 2th, 2tw) is dy with zeros past its edges."""
    out_channels, _, width = dy_padded.shape
    r = np.empty((4, width), dtype=dy_padded.dtype)
    for o in range(out_channels):
        for ty in range(tiles_h):
            y = 2 * ty
            for x in range(width):  # r = A over the band's two rows
                y0, y1 = dy_padded[o, y, x], dy_padded[o, y + 1, x]
                r[0, x] = y0
                r[1, x] = y0 + y1
                r[2, x] = y0 - y1
                r[3, x] = -y1
            base = column + ty * tiles_w
            for a in range(4):  # (A tile) A^T, tile by tile
                for tx in range(tiles_w):
                    z0, z1 = r[a, 2 * tx], r[a, 2 * tx + 1]
                    t = base + tx
                    dm[a * 4 + 0, o, t] = z0
                    dm[a * 4 + 1, o, t] = z0 + z1
                    dm[a * 4 + 2, o, t] = z0 - z1
                    dm[a * 4 + 3, o, t] = -z1


@jit
def _input_f2_samples(x, first, count, top, left, padded, tiles_h, tiles_w, v):
    for q in range(count):
        load_sample(x, first + q, top, left, padded)
        _input_f2(padded, tiles_h, tiles_w, q * tiles_h * tiles_w, v)


@jit
def _output_f2_samples(m, first, count, tiles_h, tiles_w, out):
    for q in range(count):
        _output_f2(m, tiles_h, tiles_w, q * tiles_h * tiles_w, out[first + q])


@jit
def _output_grad_f2_samples(grad, first, count, grad_padded, tiles_h, tiles_w, dm):
    for q in range(count):
        load_sample(grad, first + q, 0, 0, grad_padded)
        _output_grad_f2(grad_padded, tiles_h, tiles_w, q * tiles_h * tiles_w, dm)


_F2 = _Tiling(
    2,
    _filter_matrices(np.array([[1, 0, 0], [1 / 2, 1 / 2, 1 / 2], [1 / 2, -1 / 2, 1 / 2], [0, 0, 1]])),
    _input_f2_samples,
    _output_f2_samples,
    _output_grad_f2_samples,
)


# ---- F(4x4, 3x3), interpolation points 0, 1, -1, 2, -2 (B^T, A^T written out in the loops)


@jit_sum
def _input_f4(x_padded, tiles_h, tiles_w, column, v):
    """v[:, c, column + t] = B^T d B for every channel c and 6x6 tile d of one padded sample (C, 4th+2, 4tw+2).

    B^T runs down the six rows of a band of tiles first, vectorised along the row, then across
    each tile (faster than tile by tile).
    """
    channels, _, padded_width = x_padded.shape
    r = np.empty((6, padded_width), dtype=x_padded.dtype)
    two, four, five = constants(x_padded, 2, 4, 5)
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
def _output_f4(m, tiles_h, tiles_w, column, out):
    """out[o] (Ho, Wo) = A^T m A for every output channel o and tile of one sample, cropped at the edges.

    m A tile by tile into a band, then A^T down the band, vectorised along the row.
    """
    out_channels, height, width = out.shape
    s = np.empty((6, 4 * tiles_w), dtype=out.dtype)
    two, four, eight = constants(out, 2, 4, 8)
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
def _output_grad_f4(dy_padded, tiles_h, tiles_w, column, dm):
    """dm[:, o, column + t] = A dy_tile A^T for each output channel o and 4x4 tile t of one sample's dy.

    The adjoint of _output_f4. dy_padded (O, 4th, 4tw) is dy with zeros past its edges. As in the
    input transform, A runs down a band's four rows first, vectorised along the row, then across each
    tile (tile by tile with edge tests was slower).
    """
    out_channels, _, width = dy_padded.shape
    r = np.empty((6, width), dtype=dy_padded.dtype)
    two, four, eight = constants(dy_padded, 2, 4, 8)
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
def _input_f4_samples(x, first, count, top, left, padded, tiles_h, tiles_w, v):
    """_input_f4 for the samples first..first+count, each padded into `padded` first."""
    for q in range(count):
        load_sample(x, first + q, top, left, padded)
        _input_f4(padded, tiles_h, tiles_w, q * tiles_h * tiles_w, v)


@jit
def _output_f4_samples(m, first, count, tiles_h, tiles_w, out):
    """_output_f4 for the samples first..first+count of out (N, O, Ho, Wo)."""
    for q in range(count):
        _output_f4(m, tiles_h, tiles_w, q * tiles_h * tiles_w, out[first + q])


@jit
def _output_grad_f4_samples(grad, first, count, grad_padded, tiles_h, tiles_w, dm):
    """_output_grad_f4 for the samples first..first+count of grad, each copied into zero-bordered grad_padded."""
    for q in range(count):
        load_sample(grad, first + q, 0, 0, grad_padded)
        _output_grad_f4(grad_padded, tiles_h, tiles_w, q * tiles_h * tiles_w, dm)


_F4 = _Tiling(
    4,
    _filter_matrices(
        np.array(
            [
                [1 / 4, 0, 0],
                [-1 / 6, -1 / 6, -1 / 6],
                [-1 / 6, 1 / 6, -1 / 6],
                [1 / 24, 1 / 12, 1 / 6],
                [1 / 24, -1 / 12, 1 / 6],
                [0, 0, 1],
            ]
        )
    ),
    _input_f4_samples,
    _output_f4_samples,
    _output_grad_f4_samples,
)


# ---- the driver, shared by both tilings


def _tiling(dtype) -> _Tiling:
    """F(4x4, 3x3) only where the user traded float32 precision for speed (this module's docstring)."""
    return _F4 if dtype == np.float32 and choices.float32_precision.fast else _F2


def _filter(w, tiling, u):
    """u[(a, b), o, c] = (G w[o, c] G^T)[a, b] for u a (planes, O, C) view of a _staggered buffer."""
    out_channels, channels = w.shape[0], w.shape[1]
    planes = u.reshape(tiling.planes, out_channels * channels)  # a view (each plane is contiguous), written in place
    with threads.single_threaded_blas():  # OpenBLAS would thread it, and its spinning threads slow lamina's
        np.matmul(tiling.filter_matrix[w.dtype], w.reshape(out_channels * channels, 9).T, out=planes)


def _filter_grad(du, tiling, dw):
    """dw[o, c] = G^T du[:, o, c] G ((m+2)^2 -> 3x3): the adjoint of _filter."""
    out_channels, channels = dw.shape[0], dw.shape[1]
    flat = du.reshape(tiling.planes, out_channels * channels)
    with threads.single_threaded_blas():
        np.matmul(flat.T, tiling.filter_matrix[du.dtype], out=dw.reshape(out_channels * channels, 9))


def _chunk(n, tiling, channels, out_channels, per_sample, itemsize):
    """Samples per pass: the transformed tiles of a chunk stay near 1 MB (the L2 and what is left of it)."""
    bytes_per_sample = tiling.planes * (channels + out_channels) * per_sample * itemsize
    return max(1, min(n, (1024 * 1024) // bytes_per_sample))


def weight_grad(x, grad, padding):
    """dL/dw (O, C, 3, 3) of a 3x3 stride-1 convolution: sum over tiles of (A dy A^T) . (B^T d B), mapped by G^T . G."""
    tiling = _tiling(x.dtype)
    m = tiling.outputs
    n, channels, height, width = x.shape
    out_channels, out_h, out_w = grad.shape[1:]
    (top, _), (left, _) = padding
    tiles_h, tiles_w = -(-out_h // m), -(-out_w // m)
    per_sample = tiles_h * tiles_w
    x, grad = np.ascontiguousarray(x), np.ascontiguousarray(grad)
    chunk = _chunk(n, tiling, channels, out_channels, per_sample, x.itemsize)

    def work(start, stop):
        padded = np.zeros((channels, m * tiles_h + 2, m * tiles_w + 2), dtype=x.dtype)
        grad_padded = np.zeros((out_channels, m * tiles_h, m * tiles_w), dtype=x.dtype)  # zeros past dy's edges
        v = _staggered(tiling.planes, channels, chunk * per_sample, x.dtype)
        dm = _staggered(tiling.planes, out_channels, chunk * per_sample, x.dtype)
        total = np.zeros((tiling.planes, out_channels, channels), dtype=x.dtype)
        partial = np.empty_like(total)
        for first in range(start, stop, chunk):
            count = min(chunk, stop - first)
            tiling.input_samples(x, first, count, top, left, padded, tiles_h, tiles_w, v)
            tiling.output_grad_samples(grad, first, count, grad_padded, tiles_h, tiles_w, dm)
            columns = count * per_sample
            # (planes, O, T) @ (planes, T, C): every tile's contribution to the transformed kernels
            add_product_nt(dm[:, :, :columns], v[:, :, :columns], total, partial)
        return total

    du = summed_over_batch_slices(work, n)
    dw = np.empty((out_channels, channels, 3, 3), dtype=x.dtype)
    _filter_grad(du, tiling, dw)
    return dw


def _staggered(planes, rows, columns, dtype):
    """A (planes, rows, columns) buffer whose planes do not start 4 KB apart.

    The transforms write (or read) all planes for each tile: at a stride that is a multiple of 4 KB those
    streams map to the same cache sets and evict each other. 64 bytes of padding per plane staggers them.
    """
    full = np.empty((planes, rows * columns + 16), dtype=dtype)
    return full[:, : rows * columns].reshape(planes, rows, columns)


def usable(w_shape, stride, dilation, groups, padding):
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


def conv(x, w, padding):
    """3x3 stride-1 convolution of x (N, C, H, W) by w (O, C, 3, 3) with padding ((t, b), (l, r))."""
    tiling = _tiling(x.dtype)
    m = tiling.outputs
    n, channels, height, width = x.shape
    out_channels = w.shape[0]
    (top, bottom), (left, right) = padding
    out_h, out_w = height + top + bottom - 2, width + left + right - 2
    tiles_h, tiles_w = -(-out_h // m), -(-out_w // m)
    per_sample = tiles_h * tiles_w
    u = _staggered(tiling.planes, out_channels, channels, x.dtype)
    _filter(np.ascontiguousarray(w), tiling, u)
    x = np.ascontiguousarray(x)
    out = np.empty((n, out_channels, out_h, out_w), dtype=x.dtype)
    chunk = _chunk(n, tiling, channels, out_channels, per_sample, x.itemsize)

    def work(start, stop):
        padded = np.zeros((channels, m * tiles_h + 2, m * tiles_w + 2), dtype=x.dtype)
        v = _staggered(tiling.planes, channels, chunk * per_sample, x.dtype)
        out_tiles = _staggered(tiling.planes, out_channels, chunk * per_sample, x.dtype)
        for first in range(start, stop, chunk):
            count = min(chunk, stop - first)
            tiling.input_samples(x, first, count, top, left, padded, tiles_h, tiles_w, v)
            columns = count * per_sample
            product(u, v[:, :, :columns], out_tiles[:, :, :columns])  # (planes, O, C) @ (planes, C, T)
            tiling.output_samples(out_tiles, first, count, tiles_h, tiles_w, out)

    with threads.single_threaded_blas():
        threads.run_split(work, n)
    return out
