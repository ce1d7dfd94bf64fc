"""Activations fused into one primitive where a composite costs many passes (measured: benchmarks/README.md)."""

import math

from lamina.autograd.function import Function
from lamina.autograd.grad_mode import state
from lamina.tensor import Tensor

_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


class GeluTanh(Function):
    """y = x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), the GELU of GPT-2 (Hendrycks & Gimpel 2016)."""

    __slots__ = ("tanh",)
    derivative = "dy/dx = (1 + t)/2 + x/2 (1 - t^2) sqrt(2/pi) (1 + 0.134145 x^2), t = tanh(...)"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        y, ctx.tanh = ctx.device.backend.kernels.gelu_tanh(x)  # the tanh is kept: the backward needs it
        return y

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved
        if state.grad_enabled:  # create_graph: the same derivative in Tensor ops, so it can be differentiated
            t = ((x + x * x * x * 0.044715) * _SQRT_2_OVER_PI).tanh()
            slope = (t + 1) * 0.5 + x * 0.5 * (1 - t * t) * ((x * x * (3 * 0.044715) + 1) * _SQRT_2_OVER_PI)
            return grad_out * slope
        grad = ctx.device.backend.kernels.gelu_tanh_backward(grad_out.array, x.array, ctx.tanh)
        return Tensor._make(grad, ctx.device)
