"""Resampling: interpolate (nearest, bilinear) and pixel_shuffle / pixel_unshuffle, as index gathers and
weighted sums of primitives, so their gradients come for free."""

import math

from lamina.errors import ShapeError, shape_str
from lamina.ops.indexing import getitem
from lamina.tensor import Tensor


def _output_size(op, x, size, scale_factor):
    spatial = x.shape[2:]
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size and scale_factor.")
    if size is not None:
        size = (size,) * len(spatial) if isinstance(size, int) else tuple(size)
    else:
        scales = (scale_factor,) * len(spatial) if isinstance(scale_factor, (int, float)) else tuple(scale_factor)
        size = tuple(int(math.floor(n * s)) for n, s in zip(spatial, scales))
    if len(size) != len(spatial):
        raise ShapeError(f"{op}: size {size} does not match the input's {len(spatial)} spatial dims.")
    return size


def _ratios(x, size, scale_factor, recompute_scale_factor):
    """Input steps per output step: 1 / scale_factor where one was given (PyTorch's rule), else in / out."""
    spatial = x.shape[2:]
    if scale_factor is not None and not recompute_scale_factor:
        scales = (scale_factor,) * len(spatial) if isinstance(scale_factor, (int, float)) else tuple(scale_factor)
        return [1.0 / s for s in scales]
    return [n / m for n, m in zip(spatial, size)]


def _source_positions(xp, length_in, length_out, ratio, align_corners):
    """Where each output position samples the input, in input coordinates (PyTorch's convention)."""
    out = xp.arange(length_out, dtype="float64")
    if align_corners:
        return out * ((length_in - 1) / (length_out - 1)) if length_out > 1 else out * 0
    return xp.clip((out + 0.5) * ratio - 0.5, 0, None)


def interpolate(x, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None):
    """Resize (N, C, *spatial) to `size` (or by `scale_factor`): mode 'nearest', 'linear', 'bilinear'."""
    if x.ndim < 3:
        raise ShapeError(f"interpolate: expects (N, C, ...) input; got shape {shape_str(x.shape)}.")
    size = _output_size("interpolate", x, size, scale_factor)
    ratios = _ratios(x, size, scale_factor, recompute_scale_factor)
    xp = x.device.xp
    out = x
    for axis, (length_in, length_out, ratio) in enumerate(zip(x.shape[2:], size, ratios), start=2):
        if mode == "nearest":
            index = xp.floor(xp.arange(length_out) * ratio).astype("int64")
            out = getitem(out, (slice(None),) * axis + (Tensor._make(xp.minimum(index, length_in - 1), x.device),))
        elif mode in ("linear", "bilinear"):
            position = _source_positions(xp, length_in, length_out, ratio, bool(align_corners))
            low = xp.minimum(xp.floor(position).astype("int64"), length_in - 1)
            high = xp.minimum(low + 1, length_in - 1)
            shape = [1] * out.ndim
            shape[axis] = length_out
            weight = Tensor._make((position - low).astype(x.array.dtype).reshape(shape), x.device)
            lead = (slice(None),) * axis
            below = getitem(out, lead + (Tensor._make(low, x.device),))
            above = getitem(out, lead + (Tensor._make(high, x.device),))
            out = below + (above - below) * weight
        else:
            raise ValueError(f"interpolate: mode {mode!r} is not supported; use 'nearest', 'linear' or 'bilinear'.")
    return out


def pixel_shuffle(x, upscale_factor):
    """(N, C r^2, H, W) -> (N, C, H r, W r) (Shi et al. 2016)."""
    n, channels, height, width = x.shape
    r = upscale_factor
    if channels % (r * r):
        raise ShapeError(f"pixel_shuffle: {channels} channels are not divisible by upscale_factor^2 = {r * r}.")
    out = x.reshape(n, channels // (r * r), r, r, height, width).permute(0, 1, 4, 2, 5, 3)
    return out.reshape(n, channels // (r * r), height * r, width * r)


def pixel_unshuffle(x, downscale_factor):
    """(N, C, H r, W r) -> (N, C r^2, H, W)."""
    n, channels, height, width = x.shape
    r = downscale_factor
    if height % r or width % r:
        raise ShapeError(f"pixel_unshuffle: height {height} and width {width} must be divisible by {r}.")
    out = x.reshape(n, channels, height // r, r, width // r, r).permute(0, 1, 3, 5, 2, 4)
    return out.reshape(n, channels * r * r, height // r, width // r)
