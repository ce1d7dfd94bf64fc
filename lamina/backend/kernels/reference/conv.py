"""Reference convolution: im2col by a strided window view (no copy until the matrix product needs one)."""

from lamina.backend.kernels import namespace


def output_size(size: int, kernel: int, stride: int, pad_total: int, dilation: int) -> int:
    return (size + pad_total - dilation * (kernel - 1) - 1) // stride + 1


def conv_output_hw(input_hw, weight_hw, stride, padding, dilation):
    return tuple(
        output_size(n, k, s, sum(p), d) for n, k, s, p, d in zip(input_hw, weight_hw, stride, padding, dilation)
    )


def _windows(x_padded, kernel, stride, dilation, out_size):
    """(N, C, Ho, Wo, kh, kw) view: the input patch under each output position."""
    xp = namespace.of(x_padded)
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    extent = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    view = xp.lib.stride_tricks.sliding_window_view(x_padded, extent, axis=(2, 3))
    return view[:, :, : (out_size[0] - 1) * sh + 1 : sh, : (out_size[1] - 1) * sw + 1 : sw, ::dh, ::dw]


def _pad(x, padding):
    xp = namespace.of(x)
    if not any(p for pair in padding for p in pair):
        return x
    return xp.pad(x, ((0, 0), (0, 0)) + tuple(padding))


def conv2d_forward(x, w, stride, padding, dilation, groups):
    """y[n, o] = sum over c, i, j of x_padded[n, c, h*s + i*d, ...] * w[o, c, i, j], per group."""
    xp = namespace.of(x)
    out_hw = conv_output_hw(x.shape[2:], w.shape[2:], stride, padding, dilation)
    windows = _windows(_pad(x, padding), w.shape[2:], stride, dilation, out_hw)
    per_group_in, per_group_out = x.shape[1] // groups, w.shape[0] // groups
    outputs = []
    for g in range(groups):
        patch = windows[:, g * per_group_in : (g + 1) * per_group_in]  # (N, Cg, Ho, Wo, kh, kw)
        kernel = w[g * per_group_out : (g + 1) * per_group_out]  # (Og, Cg, kh, kw)
        outputs.append(xp.tensordot(patch, kernel, axes=([1, 4, 5], [1, 2, 3])))  # (N, Ho, Wo, Og)
    out = outputs[0] if groups == 1 else xp.concatenate(outputs, axis=3)
    return xp.ascontiguousarray(out.transpose(0, 3, 1, 2))  # (N, O, Ho, Wo)


def conv2d_weight_grad(x, grad, weight_shape, stride, padding, dilation, groups):
    """dL/dw[o, c, i, j] = sum over n, h, w of grad[n, o, h, w] * x_padded[n, c, h*s + i*d, ...]."""
    xp = namespace.of(x)
    windows = _windows(_pad(x, padding), weight_shape[2:], stride, dilation, grad.shape[2:])
    per_group_in, per_group_out = x.shape[1] // groups, weight_shape[0] // groups
    parts = []
    for g in range(groups):
        patch = windows[:, g * per_group_in : (g + 1) * per_group_in]
        grad_g = grad[:, g * per_group_out : (g + 1) * per_group_out]
        parts.append(xp.tensordot(grad_g, patch, axes=([0, 2, 3], [0, 2, 3])))  # (Og, Cg, kh, kw)
    return parts[0] if groups == 1 else xp.concatenate(parts, axis=0)


def conv2d_input_grad(grad, w, input_shape, stride, padding, dilation, groups):
    """dL/dx: each output gradient spread back over the input patch it came from (col2im)."""
    xp = namespace.of(grad)
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
