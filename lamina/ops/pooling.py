"""Max pooling as one primitive: the maxima and where they were, in one pass (a fused kernel).

A composite (find the argmax, then gather) computes the same thing in three passes; this
primitive exists for speed (benchmarks/README.md). Its backward sends each window's
gradient to the position of its first maximum, as PyTorch does.
"""

from lamina.autograd.function import Function
from lamina.ops.indexing import ScatterAdd
from lamina.tensor import Tensor


class MaxPool2d(Function):
    """values[n, c, y, x] = max of the window of x_padded (N, C, Hp, Wp) under output (y, x)."""

    __slots__ = ("geometry",)
    derivative = "dy/dx = 1 at each window's first maximum, 0 elsewhere"

    # The forward keeps no argmax: the backward finds each window's first maximum again from the
    # input and the maxima (one pass), so inference never computes positions it does not need.

    @staticmethod
    def forward(ctx, x_padded, kernel, stride, dilation, out_size):
        ctx.geometry = (kernel, stride, dilation)
        values = ctx.device.backend.kernels.max_pool2d_values(x_padded, kernel, stride, dilation, out_size)
        ctx.save_for_backward(x_padded, values)
        return values

    @staticmethod
    def backward(ctx, grad_out):
        x_padded, values = ctx.saved
        kernels = ctx.device.backend.kernels
        if grad_out.requires_grad:  # create_graph: a differentiable scatter (the gradient is linear in grad_out)
            n, c, height, width = x_padded.shape
            _, positions = kernels.max_pool2d(x_padded.array, *ctx.geometry, values.shape[2:])
            zeros = grad_out.new_zeros((n, c, height * width))
            index = positions.reshape(n, c, -1)
            return ScatterAdd.apply(zeros, grad_out.reshape(n, c, -1), index=index, dim=2).reshape(x_padded.shape)
        grad = kernels.max_pool2d_grad(grad_out.array, x_padded.array, values.array, *ctx.geometry)
        return Tensor._make(grad, ctx.device)
