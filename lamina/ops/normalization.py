"""Batch and layer normalisation as primitives: statistics, normalisation and affine in one pass.

As composites (mean, var, subtract, rsqrt, multiply, add; and their backwards) they take
10-20 passes over the activations with a temporary each; fused, the forward takes two and
the backward two (benchmarks/README.md). Under create_graph the backward is written in
Tensor ops instead, so second derivatives exist.
"""

from lamina.autograd.function import Function
from lamina.autograd.grad_mode import state
from lamina.tensor import Tensor


def _backward(ctx, grad_out, kernel, dims, parameter_dims, parameter_shape):
    """The gradients of a normalisation over `dims` (batch norm and layer norm share the formula).

    dx = (g - mean(g) - x_hat mean(g x_hat)) / std with g = grad * weight, means over `dims`;
    dweight = sum(grad x_hat), dbias = sum(grad) over `parameter_dims`. By the fused kernel, or
    under create_graph in Tensor ops (x_hat and 1/std recomputed from x, so they are in the graph).
    """
    x, *affine = ctx.saved
    weight = affine[0] if affine else None
    if state.grad_enabled:
        mean = x.mean(dims, keepdim=True)
        invstd = (x.var(dims, keepdim=True, correction=0) + ctx.eps).rsqrt()
        x_hat = (x - mean) * invstd
        g = grad_out if weight is None else grad_out * weight.reshape(parameter_shape)
        grad_x = (g - g.mean(dims, keepdim=True) - x_hat * (g * x_hat).mean(dims, keepdim=True)) * invstd
        grads = (grad_x, (grad_out * x_hat).sum(parameter_dims), grad_out.sum(parameter_dims))
    else:
        arrays = kernel(grad_out.array, x.array, None if weight is None else weight.array, ctx.mean, ctx.invstd)
        grads = tuple(Tensor._make(a, ctx.device) for a in arrays)
    return grads if affine else grads[:1]


class BatchNormTrain(Function):
    """y = (x - mean) / sqrt(var + eps) * weight + bias with the batch's statistics per channel (dim 1).

    Inputs x (N, C, *) and, when affine, weight (C,) and bias (C,). With running_mean and
    running_var (arrays), they are updated in place as PyTorch does (unbiased variance).
    """

    __slots__ = ("mean", "invstd", "eps")
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
        ctx.mean, ctx.invstd, ctx.eps = mean, invstd, eps
        ctx.save_for_backward(x, *affine)
        return y

    @staticmethod
    def backward(ctx, grad_out):
        dims = (0,) + tuple(range(2, grad_out.ndim))  # every dim but the channels
        shape = (1, -1) + (1,) * (grad_out.ndim - 2)
        return _backward(ctx, grad_out, ctx.device.backend.kernels.batch_norm_train_backward, dims, dims, shape)


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
        return _backward(ctx, grad_out, ctx.device.backend.kernels.layer_norm_backward, (1,), (0,), (-1,))
