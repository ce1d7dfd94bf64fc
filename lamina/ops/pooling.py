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

    __slots__ = ("positions", "padded_shape")
    derivative = "dy/dx = 1 at each window's first maximum, 0 elsewhere"

    @staticmethod
    def forward(ctx, x_padded, kernel, stride, dilation, out_size):
        values, ctx.positions = ctx.device.backend.kernels.max_pool2d(x_padded, kernel, stride, dilation, out_size)
        ctx.padded_shape = x_padded.shape
        return values

    @staticmethod
    def backward(ctx, grad_out):
        if (
            grad_out.requires_grad
        ):  # create_graph (the gradient is linear in grad_out): a differentiable scatter, so second derivatives exist
            n, c = ctx.padded_shape[:2]
            zeros = grad_out.new_zeros((n, c, ctx.padded_shape[2] * ctx.padded_shape[3]))
            index = ctx.positions.reshape(n, c, -1)
            return ScatterAdd.apply(zeros, grad_out.reshape(n, c, -1), index=index, dim=2).reshape(ctx.padded_shape)
        kernels = ctx.device.backend.kernels
        grad = kernels.max_pool2d_backward(grad_out.data, ctx.positions, ctx.padded_shape)
        return Tensor._make(grad, ctx.device)
