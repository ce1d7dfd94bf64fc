"""Softmax and softmax cross-entropy over the rows of (M, D), fused (one kernel each way).

As composites they take 5-8 passes with temporaries (max, subtract, exp, sum, divide, and
as many back); fused they take three, with exp vectorised (benchmarks/README.md). Under
create_graph the backward is written in Tensor ops, so second derivatives exist.
"""

from lamina.autograd.function import Function
from lamina.autograd.grad_mode import state
from lamina.tensor import Tensor


class Softmax(Function):
    """y[r] = exp(x[r] - max) / sum(exp(x[r] - max)) for each row of x (M, D)."""

    __slots__ = ()
    derivative = "dy/dx = diag(y) - y y^T per row, so dx = y (g - sum(g y))"

    @staticmethod
    def forward(ctx, x):
        y = ctx.device.backend.kernels.softmax(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_out):
        (y,) = ctx.saved
        if state.grad_enabled:  # create_graph
            return y * (grad_out - (grad_out * y).sum(1, keepdim=True))
        return Tensor._make(ctx.device.backend.kernels.softmax_backward(grad_out.array, y.array), ctx.device)


class CrossEntropyRows(Function):
    """losses[r] = logsumexp(x[r]) - x[r, target[r]] for logits x (M, C); 0 where target is ignore_index."""

    __slots__ = ("target", "ignore_index", "lse")
    derivative = "dloss_r/dx[r] = softmax(x[r]) - onehot(target[r])"

    @staticmethod
    def forward(ctx, logits, target, ignore_index):
        losses, ctx.lse = ctx.device.backend.kernels.cross_entropy(logits, target, ignore_index)
        ctx.target, ctx.ignore_index = target, ignore_index
        ctx.save_for_backward(logits)
        return losses

    @staticmethod
    def backward(ctx, grad_out):
        (logits,) = ctx.saved
        if state.grad_enabled:  # create_graph
            xp = ctx.xp
            keep = ctx.target != ctx.ignore_index
            dtype = logits.array.dtype
            onehot = xp.zeros(logits.shape, dtype=dtype)
            rows = xp.nonzero(keep)[0]
            onehot[rows, ctx.target[rows]] = 1
            weights = grad_out * Tensor._make(keep.astype(dtype), ctx.device)
            return (logits.softmax(1) - Tensor._make(onehot, ctx.device)) * weights.reshape(-1, 1)
        kernels = ctx.device.backend.kernels
        grad = kernels.cross_entropy_backward(grad_out.array, logits.array, ctx.target, ctx.ignore_index, ctx.lse)
        return Tensor._make(grad, ctx.device)
