"""Pooling: max (with indices) and its inverse (max_unpool), average, power-average (lp_pool), adaptive
average and adaptive max.

Max pooling finds each window's maximum on the arrays, then gathers the values
at those positions, so its gradient (and second derivative) goes through
gather: to the first maximum of each window, as in PyTorch.
"""

import math

from lamina import functional as core
from lamina.backend import deferred
from lamina.errors import ShapeError, shape_str
from lamina.nn.functional._checks import pair
from lamina.nn.functional.conv import conv2d
from lamina.ops.pooling import MaxPool2d
from lamina.tensor import Tensor


def _pool_size(size, kernel, stride, pad, dilation, ceil_mode):
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1  # the last window must start inside the input or its left padding (PyTorch's rule)
    return out


def _pool_geometry(layer, x, kernel_size, stride, padding, dilation, ceil_mode):
    kernel = pair(kernel_size, "kernel_size")
    stride = pair(stride if stride is not None and stride != [] else kernel_size, "stride")
    padding, dilation = pair(padding, "padding"), pair(dilation, "dilation")
    for k, p, d in zip(kernel, padding, dilation):
        if p > (d * (k - 1) + 1) // 2:
            raise ValueError(
                f"{layer}: pad should be at most half of effective kernel size; got padding {padding} "
                f"for kernel {kernel}."
            )
    out = tuple(
        _pool_size(n, k, s, p, d, ceil_mode) for n, k, s, p, d in zip(x.shape[-2:], kernel, stride, padding, dilation)
    )
    if min(out) <= 0:
        raise ShapeError(
            f"{layer}: input of shape {shape_str(x.shape)} is too small for kernel {kernel} with padding "
            f"{padding}: the output would be {out}."
        )
    # windows of the last output positions may reach past the padded input in ceil mode
    extra = tuple(
        max(0, (o - 1) * s + d * (k - 1) + 1 - (n + 2 * p))
        for o, s, d, k, n, p in zip(out, stride, dilation, kernel, x.shape[-2:], padding)
    )
    return kernel, stride, padding, dilation, out, extra


def _batched(layer, x):
    if x.ndim == 3:
        return x.unsqueeze(0), True
    if x.ndim != 4:
        raise ShapeError(
            f"{layer}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input; got shape {shape_str(x.shape)}."
        )
    return x, False


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Maximum over each window: (N, C, H, W) -> (N, C, Ho, Wo); indices index the H*W plane."""
    x, unbatched = _batched("max_pool2d", x)
    kernel, stride, padding, dilation, out, extra = _pool_geometry(
        "max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode
    )
    (ph, pw), (eh, ew) = padding, extra
    padded = core.pad(x, (pw, pw + ew, ph, ph + eh), value=-math.inf) if any(padding + extra) else x
    if not return_indices:
        values = MaxPool2d.apply(padded, kernel=kernel, stride=stride, dilation=dilation, out_size=out)
        return values.squeeze(0) if unbatched else values
    # with indices: find the maxima on the arrays, then gather the values there (differentiable)
    kernels = x.device.backend.kernels
    _, positions = kernels.max_pool2d(padded.array, kernel, stride, dilation, out)
    n, c, width = x.shape[0], x.shape[1], padded.shape[3]
    flat = Tensor._make(positions.reshape(n, c, -1), x.device)
    values = padded.reshape(n, c, -1).gather(2, flat).reshape(n, c, *out)
    rows, cols = positions // width, positions % width
    indices = Tensor._make((rows - ph) * x.shape[3] + (cols - pw), x.device)
    if unbatched:
        return values.squeeze(0), indices.squeeze(0)
    return values, indices


def max_pool1d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """(N, C, L) -> (N, C, Lo): a 2-D max pool of height 1."""
    stride = kernel_size if stride is None else stride
    result = max_pool2d(
        x.unsqueeze(-2),
        _height_one(kernel_size),
        _height_one(stride),
        _height_one(padding, 0),
        _height_one(dilation),
        ceil_mode,
        return_indices,
    )
    if return_indices:
        return result[0].squeeze(-2), result[1].squeeze(-2)
    return result.squeeze(-2)


def avg_pool1d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """(N, C, L) -> (N, C, Lo): a 2-D average pool of height 1."""
    stride = kernel_size if stride is None else stride
    pooled = avg_pool2d(
        x.unsqueeze(-2), _height_one(kernel_size), _height_one(stride), _height_one(padding, 0), ceil_mode,
        count_include_pad,
    )  # fmt: skip
    return pooled.squeeze(-2)


def adaptive_avg_pool1d(x, output_size):
    """(N, C, L) -> (N, C, output_size): averages over PyTorch's adaptive bins (a 2-D pool of height 1)."""
    return adaptive_avg_pool2d(x.unsqueeze(-2), _height_one(output_size)).squeeze(-2)


def adaptive_max_pool1d(x, output_size, return_indices=False):
    """(N, C, L) -> (N, C, output_size): maxima over PyTorch's adaptive bins (a 2-D pool of height 1)."""
    result = adaptive_max_pool2d(x.unsqueeze(-2), _height_one(output_size), return_indices)
    if return_indices:
        return result[0].squeeze(-2), result[1].squeeze(-2)
    return result.squeeze(-2)


def _height_one(value, height=1):
    """A 1-D size as the (height, width) pair of the equivalent 2-D pooling."""
    return (height, value if isinstance(value, int) else value[0])


def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None):
    """Mean over each window, as a depthwise convolution with a constant kernel."""
    x, unbatched = _batched("avg_pool2d", x)
    kernel, stride, padding, _, out, extra = _pool_geometry("avg_pool2d", x, kernel_size, stride, padding, 1, ceil_mode)
    (ph, pw), (eh, ew) = padding, extra
    channels = x.shape[1]
    ones = x.new_ones((channels, 1, *kernel))
    padded = core.pad(x, (pw, pw + ew, ph, ph + eh))
    sums = conv2d(padded, ones, stride=stride, groups=channels)
    if divisor_override:
        result = sums / divisor_override
    else:
        # the divisor counts the window's cells inside the input (plus its padding if count_include_pad);
        # cells added only for ceil_mode never count (PyTorch's rule)
        xp = x.device.backend.xp
        mask = xp.zeros((1, 1, x.shape[2] + 2 * ph + eh, x.shape[3] + 2 * pw + ew), dtype=x.array.dtype)
        if count_include_pad:
            mask[:, :, : x.shape[2] + 2 * ph, : x.shape[3] + 2 * pw] = 1
        else:
            mask[:, :, ph : ph + x.shape[2], pw : pw + x.shape[3]] = 1
        counts = conv2d(Tensor._make(mask, x.device), x.new_ones((1, 1, *kernel)), stride=stride)
        result = sums / counts
    return result.squeeze(0) if unbatched else result


def _adaptive_bins(size, out):
    """PyTorch's adaptive bins: [floor(i * size / out), ceil((i + 1) * size / out))."""
    return [((i * size) // out, -(-((i + 1) * size) // out)) for i in range(out)]


def _adaptive_target(x, output_size):
    """(out_h, out_w); None in output_size keeps that input size."""
    if isinstance(output_size, int):
        return (output_size, output_size)
    return tuple(x.shape[-2 + i] if s is None else int(s) for i, s in enumerate(output_size))


def adaptive_avg_pool2d(x, output_size):
    """Average over PyTorch's adaptive bins, giving exactly `output_size` (e.g. 1 for global pooling)."""
    x, unbatched = _batched("adaptive_avg_pool2d", x)
    out_h, out_w = _adaptive_target(x, output_size)
    height, width = x.shape[2:]
    if height % out_h == 0 and width % out_w == 0:  # equal bins: one reshape and a mean
        result = x.reshape(x.shape[0], x.shape[1], out_h, height // out_h, out_w, width // out_w).mean((3, 5))
    else:
        rows = []
        for top, bottom in _adaptive_bins(height, out_h):
            cells = [x[:, :, top:bottom, left:right].mean((2, 3)) for left, right in _adaptive_bins(width, out_w)]
            rows.append(core.stack(cells, -1))
        result = core.stack(rows, -2)
    return result.squeeze(0) if unbatched else result


def adaptive_max_pool2d(x, output_size, return_indices=False):
    """Maximum over PyTorch's adaptive bins; the gradient goes to each bin's first maximum."""
    x, unbatched = _batched("adaptive_max_pool2d", x)
    out_h, out_w = _adaptive_target(x, output_size)
    height, width = x.shape[2:]
    value_rows, index_rows = [], []
    for top, bottom in _adaptive_bins(height, out_h):
        values, indices = [], []
        for left, right in _adaptive_bins(width, out_w):
            cell = x[:, :, top:bottom, left:right].reshape(x.shape[0], x.shape[1], -1)
            best = cell.max(-1)
            values.append(best.values)
            local = best.indices
            indices.append((local // (right - left) + top) * width + local % (right - left) + left)
        value_rows.append(core.stack(values, -1))
        index_rows.append(core.stack(indices, -1))
    result, indices = core.stack(value_rows, -2), core.stack(index_rows, -2)
    if unbatched:
        result, indices = result.squeeze(0), indices.squeeze(0)
    return (result, indices) if return_indices else result


def max_unpool2d(x, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool2d(return_indices=True): each value back at its index in a zero (N, C, Ho, Wo)
    plane, Ho = (H - 1) stride - 2 padding + kernel unless output_size says otherwise (a scatter: the
    gradient comes back from those places)."""
    x, unbatched = _batched("max_unpool2d", x)
    if tuple(indices.shape) != tuple(x.shape) and tuple(indices.shape) != tuple(x.shape[1:]):
        raise ShapeError(
            f"max_unpool2d: indices shape {shape_str(indices.shape)} must equal the input's {shape_str(x.shape)}."
        )
    indices = indices.reshape(x.shape)
    kernel = pair(kernel_size, "kernel_size")
    stride = pair(stride if stride is not None else kernel_size, "stride")
    padding = pair(padding, "padding")
    size = [(n - 1) * s - 2 * p + k for n, s, p, k in zip(x.shape[2:], stride, padding, kernel)]
    if output_size is not None:
        size = [int(v) for v in tuple(output_size)[-2:]]
    n, channels = x.shape[0], x.shape[1]
    plane = size[0] * size[1]
    flat_indices = indices.reshape(n, channels, -1)
    deferred.require_in_range(  # checked on the device, reported at the next sync (no host read here)
        flat_indices.array,
        0,
        plane,
        lambda bad: IndexError(
            f"max_unpool2d: index {bad} is outside the output plane of {size[0]}x{size[1]}; pass the indices "
            "max_pool2d returned with the same kernel_size, stride and padding (or the right output_size)."
        ),
        "max_unpool2d",
    )
    out = x.new_zeros(n, channels, plane).scatter(2, flat_indices, x.reshape(n, channels, -1))
    out = out.reshape(n, channels, *size)
    return out.squeeze(0) if unbatched else out


def max_unpool1d(x, indices, kernel_size, stride=None, padding=0, output_size=None):
    """max_unpool2d of height 1: (N, C, L) -> (N, C, Lo)."""
    stride = kernel_size if stride is None else stride
    output = None if output_size is None else (1, tuple(output_size)[-1])
    out = max_unpool2d(
        x.unsqueeze(-2), indices.unsqueeze(-2), _height_one(kernel_size), _height_one(stride),
        _height_one(padding, 0), output,
    )  # fmt: skip
    return out.squeeze(-2)


def lp_pool2d(x, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over each window of x^p)^(1/p), PyTorch's formula: the window's mean of x^p times its size."""
    kh, kw = pair(kernel_size, "kernel_size")
    mean = avg_pool2d(x.pow(norm_type), (kh, kw), stride, 0, ceil_mode)
    return (mean.sign() * mean.abs().relu()).mul(kh * kw).pow(1.0 / norm_type)


def lp_pool1d(x, norm_type, kernel_size, stride=None, ceil_mode=False):
    """lp_pool2d of height 1: (N, C, L) -> (N, C, Lo)."""
    stride = kernel_size if stride is None else stride
    return lp_pool2d(x.unsqueeze(-2), norm_type, _height_one(kernel_size), _height_one(stride), ceil_mode).squeeze(-2)
