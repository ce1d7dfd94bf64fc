"""Convolutions: conv1d, conv2d (padding incl. 'same'), conv_transpose2d."""

from lamina.autograd.autocast_mode import lower
from lamina.autograd.autocast_mode import state as autocast_state
from lamina.errors import ShapeError, shape_str
from lamina.nn.functional._checks import check_parameter_shape, pair
from lamina.nn.functional.linear import check_input_dtype
from lamina.ops.conv import Conv, ConvInputGrad


def _padding_pairs(padding, kernel, dilation, stride, layer):
    """((top, bottom), (left, right)) from an int, a pair, 'valid' or 'same'."""
    if padding == "valid":
        return ((0, 0), (0, 0))
    if padding == "same":
        if stride != (1, 1):
            raise ValueError(f"{layer}: padding='same' is not supported for strided convolutions (stride {stride}).")
        pairs = []
        for k, d in zip(kernel, dilation):
            total = d * (k - 1)
            pairs.append((total // 2, total - total // 2))  # the odd one out goes after, as in PyTorch
        return tuple(pairs)
    if isinstance(padding, str):
        raise ValueError(f"{layer}: padding must be an int, a pair, 'valid' or 'same'; got {padding!r}.")
    ph, pw = pair(padding, "padding")
    return ((ph, ph), (pw, pw))


def _check_conv_input(layer, x, weight, groups, transposed=False):
    if x.ndim != 4:
        raise ShapeError(f"{layer}: expected a 4-D input (N, C, H, W); got shape {shape_str(x.shape)}.")
    expected = weight.shape[0] if transposed else weight.shape[1] * groups
    if x.shape[1] != expected:
        raise ShapeError(
            f"{layer}: Given groups={groups}, weight of size {list(weight.shape)}, expected input{list(x.shape)} "
            f"to have {expected} channels, but got {x.shape[1]} channels instead."
        )
    check_input_dtype(layer, x, weight)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, _layer="conv2d"):
    """x (N, C, H, W) or (C, H, W), weight (O, C/groups, kh, kw) -> (N, O, Ho, Wo).

    Ho = floor((H + top + bottom - dilation * (kh - 1) - 1) / stride) + 1, and alike for Wo.
    """
    if autocast_state.enabled:
        x, weight, bias = lower(x, weight, bias)
    unbatched = x.ndim == 3
    if unbatched:
        x = x.unsqueeze(0)
    _check_conv_input(_layer, x, weight, groups)
    stride, dilation = pair(stride, "stride"), pair(dilation, "dilation")
    padding = _padding_pairs(padding, weight.shape[2:], dilation, stride, _layer)
    for size, k, pads, d in zip(x.shape[2:], weight.shape[2:], padding, dilation):
        if size + sum(pads) < d * (k - 1) + 1:
            padded = tuple(n + sum(p) for n, p in zip(x.shape[2:], padding))
            raise ShapeError(
                f"{_layer}: Calculated padded input size per channel: ({padded[0]} x {padded[1]}). Kernel size: "
                f"({weight.shape[2]} x {weight.shape[3]}). Kernel size can't be greater than actual input size "
                f"(input shape {shape_str(x.shape)}); use a smaller kernel or more padding."
            )
    check_parameter_shape(_layer, "bias", bias, (weight.shape[0],))
    geometry = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    if bias is not None and bias.array.dtype == weight.array.dtype:
        out = Conv.apply(x, weight, bias, **geometry)  # the bias added inside the primitive, in place
    else:
        out = Conv.apply(x, weight, **geometry)
        if bias is not None:
            out = out + bias.reshape(1, -1, 1, 1)
    return out.squeeze(0) if unbatched else out


def conv1d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, _layer="conv1d"):
    """x (N, C, L), weight (O, C/groups, k) -> (N, O, Lo): a 2-D convolution of height 1."""
    if autocast_state.enabled:
        x, weight, bias = lower(x, weight, bias)
    unbatched = x.ndim == 2
    if unbatched:
        x = x.unsqueeze(0)
    if x.ndim != 3:
        raise ShapeError(f"{_layer}: expected a 3-D input (N, C, L); got shape {shape_str(x.shape)}.")
    if isinstance(padding, str):
        pad = padding
    else:
        pad = (0, padding if isinstance(padding, int) else padding[0])
    stride = stride if isinstance(stride, int) else stride[0]
    dilation = dilation if isinstance(dilation, int) else dilation[0]
    out = conv2d(x.unsqueeze(2), weight.unsqueeze(2), bias, (1, stride), pad, (1, dilation), groups, _layer)
    out = out.squeeze(2)
    return out.squeeze(0) if unbatched else out


def conv_transpose2d(
    x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1, _layer="conv_transpose2d"
):
    """The adjoint of conv2d: x (N, C_in, H, W), weight (C_in, C_out/groups, kh, kw) -> (N, C_out, Ho, Wo).

    Ho = (H - 1) * stride - 2 * padding + dilation * (kh - 1) + output_padding + 1.
    """
    if autocast_state.enabled:
        x, weight, bias = lower(x, weight, bias)
    unbatched = x.ndim == 3
    if unbatched:
        x = x.unsqueeze(0)
    _check_conv_input(_layer, x, weight, groups, transposed=True)
    stride, dilation = pair(stride, "stride"), pair(dilation, "dilation")
    padding, output_padding = pair(padding, "padding"), pair(output_padding, "output_padding")
    for op, s, d in zip(output_padding, stride, dilation):
        if op >= max(s, d):
            raise ValueError(f"{_layer}: output_padding {output_padding} must be smaller than stride or dilation.")
    out_hw = [
        (n - 1) * s - 2 * p + d * (k - 1) + op + 1
        for n, s, p, d, k, op in zip(x.shape[2:], stride, padding, dilation, weight.shape[2:], output_padding)
    ]
    if min(out_hw) <= 0:
        raise ShapeError(
            f"{_layer}: the output size {tuple(out_hw)} is not positive for input {shape_str(x.shape)}; "
            "reduce the padding."
        )
    input_shape = (x.shape[0], weight.shape[1] * groups, *out_hw)
    pads = tuple((p, p) for p in padding)
    out = ConvInputGrad.apply(
        x, weight, input_shape=input_shape, stride=stride, padding=pads, dilation=dilation, groups=groups
    )
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1)
    return out.squeeze(0) if unbatched else out


def conv_transpose1d(
    x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1, _layer="conv_transpose1d"
):
    """x (N, C_in, L), weight (C_in, C_out/groups, k) -> (N, C_out, Lo): conv_transpose2d of height 1,
    Lo = (L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1."""
    unbatched = x.ndim == 2
    if unbatched:
        x = x.unsqueeze(0)
    if x.ndim != 3:
        raise ShapeError(f"{_layer}: expected a 3-D input (N, C, L); got shape {shape_str(x.shape)}.")

    def first(value):
        return value if isinstance(value, int) else value[0]

    out = conv_transpose2d(
        x.unsqueeze(2),
        weight.unsqueeze(2),
        bias,
        (1, first(stride)),
        (0, first(padding)),
        (0, first(output_padding)),
        groups,
        (1, first(dilation)),
        _layer,
    ).squeeze(2)
    return out.squeeze(0) if unbatched else out
