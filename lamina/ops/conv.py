"""Convolution primitives (2-D; 1-D convolutions are 2-D ones of height 1).

Three primitives close under differentiation, so gradients of any order come
for free: with y = Conv(x, w),
    dL/dx = ConvInputGrad(dL/dy, w)       (a transposed convolution)
    dL/dw = ConvWeightGrad(x, dL/dy)
and the backward of each of those is again one of the three.

The arithmetic is im2col: a strided window view of the padded input (no copy
until the matrix product needs one) contracted with the kernel by tensordot.
`padding` arrives as ((top, bottom), (left, right)); stride and dilation as pairs.
"""

from lamina.autograd.function import Function


def output_size(size: int, kernel: int, stride: int, pad_total: int, dilation: int) -> int:
    return (size + pad_total - dilation * (kernel - 1) - 1) // stride + 1


def _windows(xp, x_padded, kernel, stride, dilation, out_size):
    """(N, C, Ho, Wo, kh, kw) view: the input patch under each output position."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    extent = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    view = xp.lib.stride_tricks.sliding_window_view(x_padded, extent, axis=(2, 3))
    return view[:, :, : (out_size[0] - 1) * sh + 1 : sh, : (out_size[1] - 1) * sw + 1 : sw, ::dh, ::dw]


def _pad(xp, x, padding):
    if not any(p for pair in padding for p in pair):
        return x
    return xp.pad(x, ((0, 0), (0, 0)) + tuple(padding))


def _out_size(input_hw, weight_hw, stride, padding, dilation):
    return tuple(
        output_size(n, k, s, sum(p), d) for n, k, s, p, d in zip(input_hw, weight_hw, stride, padding, dilation)
    )


def conv_forward(xp, x, w, stride, padding, dilation, groups):
    """y[n, o] = sum over c, i, j of x_padded[n, c, h*s + i*d, ...] * w[o, c, i, j], per group."""
    out_hw = _out_size(x.shape[2:], w.shape[2:], stride, padding, dilation)
    windows = _windows(xp, _pad(xp, x, padding), w.shape[2:], stride, dilation, out_hw)
    per_group_in, per_group_out = x.shape[1] // groups, w.shape[0] // groups
    outputs = []
    for g in range(groups):
        patch = windows[:, g * per_group_in : (g + 1) * per_group_in]  # (N, Cg, Ho, Wo, kh, kw)
        kernel = w[g * per_group_out : (g + 1) * per_group_out]  # (Og, Cg, kh, kw)
        outputs.append(xp.tensordot(patch, kernel, axes=([1, 4, 5], [1, 2, 3])))  # (N, Ho, Wo, Og)
    out = outputs[0] if groups == 1 else xp.concatenate(outputs, axis=3)
    return xp.ascontiguousarray(out.transpose(0, 3, 1, 2))  # (N, O, Ho, Wo)


def conv_weight_grad(xp, x, grad, weight_shape, stride, padding, dilation, groups):
    """dL/dw[o, c, i, j] = sum over n, h, w of grad[n, o, h, w] * x_padded[n, c, h*s + i*d, ...]."""
    out_hw = grad.shape[2:]
    windows = _windows(xp, _pad(xp, x, padding), weight_shape[2:], stride, dilation, out_hw)
    per_group_in, per_group_out = x.shape[1] // groups, weight_shape[0] // groups
    parts = []
    for g in range(groups):
        patch = windows[:, g * per_group_in : (g + 1) * per_group_in]
        grad_g = grad[:, g * per_group_out : (g + 1) * per_group_out]
        parts.append(xp.tensordot(grad_g, patch, axes=([0, 2, 3], [0, 2, 3])))  # (Og, Cg, kh, kw)
    return parts[0] if groups == 1 else xp.concatenate(parts, axis=0)


def conv_input_grad(xp, grad, w, input_shape, stride, padding, dilation, groups):
    """dL/dx: each output gradient spread back over the input patch it came from (col2im)."""
    (kh, kw), (sh, sw), (dh, dw) = w.shape[2:], stride, dilation
    n, channels = input_shape[0], input_shape[1]
    (top, bottom), (left, right) = padding
    padded = xp.zeros((n, channels, input_shape[2] + top + bottom, input_shape[3] + left + right), dtype=grad.dtype)
    out_h, out_w = grad.shape[2:]
    per_group_in, per_group_out = channels // groups, w.shape[0] // groups
    for g in range(groups):
        grad_g = grad[:, g * per_group_out : (g + 1) * per_group_out]
        kernel = w[g * per_group_out : (g + 1) * per_group_out]
        patches = xp.tensordot(grad_g, kernel, axes=([1], [0]))  # (N, Ho, Wo, Cg, kh, kw)
        target = padded[:, g * per_group_in : (g + 1) * per_group_in]
        for i in range(kh):
            for j in range(kw):
                rows = slice(i * dh, i * dh + (out_h - 1) * sh + 1, sh)
                cols = slice(j * dw, j * dw + (out_w - 1) * sw + 1, sw)
                target[:, :, rows, cols] += patches[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return padded[:, :, top : top + input_shape[2], left : left + input_shape[3]]


class Conv(Function):
    """y = x (*) w: x (N, C, H, W), w (O, C/groups, kh, kw) -> (N, O, Ho, Wo)."""

    __slots__ = ("geometry",)
    derivative = "dy/dx: transposed convolution with w; dy/dw: correlation of x with the gradient"

    @staticmethod
    def forward(ctx, x, w, stride, padding, dilation, groups):
        ctx.geometry = (stride, padding, dilation, groups)
        ctx.save_for_backward(x, w)
        return conv_forward(ctx.xp, x, w, stride, padding, dilation, groups)

    @staticmethod
    def backward(ctx, grad_out):
        x, w = ctx.saved
        geometry = dict(zip(("stride", "padding", "dilation", "groups"), ctx.geometry))
        grad_x = ConvInputGrad.apply(grad_out, w, input_shape=x.shape, **geometry) if ctx.needs_input_grad[0] else None
        grad_w = (
            ConvWeightGrad.apply(x, grad_out, weight_shape=w.shape, **geometry) if ctx.needs_input_grad[1] else None
        )
        return grad_x, grad_w


class ConvInputGrad(Function):
    """The transposed convolution: maps an output-shaped gradient back to the input's shape."""

    __slots__ = ("geometry", "input_shape")

    @staticmethod
    def forward(ctx, grad, w, input_shape, stride, padding, dilation, groups):
        ctx.geometry, ctx.input_shape = (stride, padding, dilation, groups), input_shape
        ctx.save_for_backward(grad, w)
        return conv_input_grad(ctx.xp, grad, w, input_shape, stride, padding, dilation, groups)

    @staticmethod
    def backward(ctx, upstream):
        grad, w = ctx.saved
        geometry = dict(zip(("stride", "padding", "dilation", "groups"), ctx.geometry))
        d_grad = Conv.apply(upstream, w, **geometry) if ctx.needs_input_grad[0] else None
        d_w = (
            ConvWeightGrad.apply(upstream, grad, weight_shape=w.shape, **geometry) if ctx.needs_input_grad[1] else None
        )
        return d_grad, d_w


class ConvWeightGrad(Function):
    """The kernel gradient: correlation of the input with an output-shaped gradient."""

    __slots__ = ("geometry", "weight_shape")

    @staticmethod
    def forward(ctx, x, grad, weight_shape, stride, padding, dilation, groups):
        ctx.geometry, ctx.weight_shape = (stride, padding, dilation, groups), weight_shape
        ctx.save_for_backward(x, grad)
        return conv_weight_grad(ctx.xp, x, grad, weight_shape, stride, padding, dilation, groups)

    @staticmethod
    def backward(ctx, upstream):
        x, grad = ctx.saved
        geometry = dict(zip(("stride", "padding", "dilation", "groups"), ctx.geometry))
        d_x = ConvInputGrad.apply(grad, upstream, input_shape=x.shape, **geometry) if ctx.needs_input_grad[0] else None
        d_grad = Conv.apply(x, upstream, **geometry) if ctx.needs_input_grad[1] else None
        return d_x, d_grad


def window_argmax(xp, x_padded, kernel, stride, dilation, out_size):
    """For max pooling: the flat position (row * width + col) in x_padded of each window's maximum.

    The first maximum wins a tie (as PyTorch); a NaN counts as the maximum. Not differentiable:
    the pooled values are then gathered at these positions, which is.
    """
    (kh, kw), n, c = kernel, x_padded.shape[0], x_padded.shape[1]
    out_h, out_w = out_size
    if tuple(stride) == tuple(kernel) and tuple(dilation) == (1, 1):
        # non-overlapping windows (the common 2x2, stride 2 case): a reshape instead of a window copy
        tiles = x_padded[:, :, : out_h * kh, : out_w * kw].reshape(n, c, out_h, kh, out_w, kw)
        best = tiles.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, out_h, out_w, kh * kw).argmax(axis=-1)
    else:
        windows = _windows(xp, x_padded, kernel, stride, dilation, out_size)
        best = windows.reshape(n, c, out_h, out_w, -1).argmax(axis=-1)  # (N, C, Ho, Wo) in [0, kh*kw)
    (sh, sw), (dh, dw) = stride, dilation
    rows = xp.arange(out_h).reshape(-1, 1) * sh + (best // kw) * dh
    cols = xp.arange(out_w).reshape(1, -1) * sw + (best % kw) * dw
    return rows, cols
