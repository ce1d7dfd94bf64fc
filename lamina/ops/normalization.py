"""Batch and layer normalisation as primitives: statistics, normalisation and affine in one pass.

As composites (mean, var, subtract, rsqrt, multiply, add; and their backwards) they take
10-20 passes over the activations with a temporary each; fused, the forward takes two and
the backward two (benchmarks/README.md). Under create_graph the backward is written in
Tensor ops instead, so second derivatives exist.
"""

from lamina.autograd.function import Function
from lamina.autograd.grad_mode import state
from lamina.tensor import Tensor


def _normalized(x, dims, eps):
    """x_hat and 1/std as graph Tensors, from x (for the differentiable backward)."""
    mean = x.mean(dims, keepdim=True)
    invstd = (x.var(dims, keepdim=True, correction=0) + eps).rsqrt()
    return (x - mean) * invstd, invstd


class BatchNormTrain(Function):
    """y = (x - mean) / sqrt(var + eps) * weight + bias with the batch's statistics per channel (dim 1).

    Inputs x (N, C, *) and, when affine, weight (C,) and bias (C,). With running_mean and
    running_var (arrays), they are updated in place as PyTorch does (unbiased variance).
    """

    __slots__ = ("mean", "invstd", "eps", "affine")
    derivative = "dy/dx = w/std (1 - 1/n - x_hat x_hat^T / n) per channel; dy/dw = x_hat; dy/db = 1"

    @staticmethod
    def forward(ctx, x, *affine, eps, momentum, running_mean, running_var):
        weight, bias = affine if affine else (None, None)
        y, mean, var, invstd = ctx.device.backend.kernels.batch_norm_train(x, weight, bias, eps)
        if running_mean is not None:
            count = x.size // x.shape[1]
            running_mean *= 1 - momentum
            running_mean += momentum * mean
            running_var *= 1 - momentum
            running_var += (momentum * count / (count - 1)) * var
        ctx.mean, ctx.invstd, ctx.eps, ctx.affine = mean, invstd, eps, bool(affine)
        ctx.save_for_backward(x, *affine)
        return y

    @staticmethod
    def backward(ctx, grad_out):
        x, *affine = ctx.saved
        weight = affine[0] if affine else None
        if state.grad_enabled:  # create_graph: the same formula in Tensor ops
            dims = (0,) + tuple(range(2, x.ndim))
            shape = (1, -1) + (1,) * (x.ndim - 2)
            x_hat, invstd = _normalized(x, dims, ctx.eps)
            g = grad_out if weight is None else grad_out * weight.reshape(shape)
            grad_x = (g - g.mean(dims, keepdim=True) - x_hat * (g * x_hat).mean(dims, keepdim=True)) * invstd
            if not affine:
                return (grad_x,)
            return grad_x, (grad_out * x_hat).sum(dims), grad_out.sum(dims)
        kernels = ctx.device.backend.kernels
        grads = kernels.batch_norm_train_backward(
            grad_out.data, x.data, None if weight is None else weight.data, ctx.mean, ctx.invstd
        )
        grad_x, grad_w, grad_b = (Tensor._make(g, ctx.device) for g in grads)
        return (grad_x, grad_w, grad_b) if affine else (grad_x,)


class LayerNorm(Function):
    """Each row of x (M, D) normalised: (x - mean) / sqrt(var + eps) * weight + bias; weight, bias (D,)."""

    __slots__ = ("mean", "invstd", "eps")
    derivative = "dy/dx = w/std (1 - 1/D - x_hat x_hat^T / D) per row; dy/dw = x_hat; dy/db = 1"

    @staticmethod
    def forward(ctx, x, *affine, eps):
        weight, bias = affine if affine else (None, None)
        y, ctx.mean, ctx.invstd = ctx.device.backend.kernels.layer_norm(x, weight, bias, eps)
        ctx.eps = eps
        ctx.save_for_backward(x, *affine)
        return y

    @staticmethod
    def backward(ctx, grad_out):
        x, *affine = ctx.saved
        weight = affine[0] if affine else None
        if state.grad_enabled:  # create_graph: the same formula in Tensor ops
            x_hat, invstd = _normalized(x, (1,), ctx.eps)
            g = grad_out if weight is None else grad_out * weight
            grad_x = (g - g.mean(1, keepdim=True) - x_hat * (g * x_hat).mean(1, keepdim=True)) * invstd
            if not affine:
                return (grad_x,)
            return grad_x, (grad_out * x_hat).sum(0), grad_out.sum(0)
        kernels = ctx.device.backend.kernels
        grads = kernels.layer_norm_backward(
            grad_out.data, x.data, None if weight is None else weight.data, ctx.mean, ctx.invstd
        )
        grad_x, grad_w, grad_b = (Tensor._make(g, ctx.device) for g in grads)
        return (grad_x, grad_w, grad_b) if affine else (grad_x,)
