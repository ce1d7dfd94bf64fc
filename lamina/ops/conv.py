"""Convolution primitives (2-D; 1-D convolutions are 2-D ones of height 1).

Three primitives close under differentiation, so gradients of any order come
for free: with y = Conv(x, w),
    dL/dx = ConvInputGrad(dL/dy, w)       (a transposed convolution)
    dL/dw = ConvWeightGrad(x, dL/dy)
and the backward of each of those is again one of the three.

The arithmetic lives in the backend's kernels (lamina/backend/kernels): im2col and a
matrix product, by NumPy in the reference set, sliced over the batch in the compiled one.
`padding` arrives as ((top, bottom), (left, right)); stride and dilation as pairs.
"""

from lamina.autograd.function import Function


class Conv(Function):
    """y = x (*) w (+ b): x (N, C, H, W), w (O, C/groups, kh, kw), optional b (O,) -> (N, O, Ho, Wo).

    The bias is added in place to the kernel's fresh output (one pass, no temporary).
    """

    __slots__ = ("geometry",)
    derivative = "dy/dx: transposed convolution with w; dy/dw: correlation of x with the gradient; dy/db = 1"

    @staticmethod
    def forward(ctx, x, w, *bias, stride, padding, dilation, groups):
        ctx.geometry = (stride, padding, dilation, groups)
        ctx.save_for_backward(x, w)
        out = ctx.device.backend.kernels.conv2d_forward(x, w, stride, padding, dilation, groups)
        if bias:
            out += bias[0].reshape(1, -1, 1, 1)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        x, w = ctx.saved
        needs = ctx.needs_input_grad
        geometry = dict(zip(("stride", "padding", "dilation", "groups"), ctx.geometry))
        grad_x = ConvInputGrad.apply(grad_out, w, input_shape=x.shape, **geometry) if needs[0] else None
        grad_w = ConvWeightGrad.apply(x, grad_out, weight_shape=w.shape, **geometry) if needs[1] else None
        if len(needs) == 2:
            return grad_x, grad_w
        return grad_x, grad_w, (grad_out.sum((0, 2, 3)) if needs[2] else None)


class ConvInputGrad(Function):
    """The transposed convolution: maps an output-shaped gradient back to the input's shape."""

    __slots__ = ("geometry", "input_shape")

    @staticmethod
    def forward(ctx, grad, w, input_shape, stride, padding, dilation, groups):
        ctx.geometry, ctx.input_shape = (stride, padding, dilation, groups), input_shape
        ctx.save_for_backward(grad, w)
        return ctx.device.backend.kernels.conv2d_input_grad(grad, w, input_shape, stride, padding, dilation, groups)

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
        return ctx.device.backend.kernels.conv2d_weight_grad(x, grad, weight_shape, stride, padding, dilation, groups)

    @staticmethod
    def backward(ctx, upstream):
        x, grad = ctx.saved
        geometry = dict(zip(("stride", "padding", "dilation", "groups"), ctx.geometry))
        d_x = ConvInputGrad.apply(grad, upstream, input_shape=x.shape, **geometry) if ctx.needs_input_grad[0] else None
        d_grad = Conv.apply(x, upstream, **geometry) if ctx.needs_input_grad[1] else None
        return d_x, d_grad
