"""Special functions: lgamma, digamma, polygamma, erfinv (torch.special's everyday part).

NumPy has none of them; each backend serves them from its SciPy (`backend.special`: scipy.special on the CPU,
cupyx.scipy.special on CUDA). Each derivative is the next function of the family, written in Tensor ops, so
higher derivatives work: lgamma' = digamma, digamma' = polygamma(1, .), polygamma(n, .)' = polygamma(n + 1, .),
erfinv'(x) = sqrt(pi)/2 exp(erfinv(x)^2).
"""

import math

from lamina.autograd.function import Function
from lamina.ops.elementwise import _as_default_float


def _floats(x):
    return x if x.dtype.kind == "f" else _as_default_float(x)


class _SpecialUnary(Function):
    """z = backend.special.<function>(x) on floats (integers become the default float, as PyTorch), x kept."""

    __slots__ = ()
    function = ""

    @classmethod
    def forward(cls, ctx, x):
        x = _floats(x)
        ctx.save_for_backward(x)
        return getattr(ctx.device.backend.special, cls.function)(x)


class Lgamma(_SpecialUnary):
    __slots__ = ()
    function, derivative = "gammaln", "dz/dx = digamma(x)"

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved
        return grad_out * Digamma.apply(x)


class Digamma(_SpecialUnary):
    __slots__ = ()
    function, derivative = "digamma", "dz/dx = polygamma(1, x)"

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved
        return grad_out * Polygamma.apply(x, n=1)


class Polygamma(Function):
    __slots__ = ("n",)
    derivative = "dz/dx = polygamma(n + 1, x)"

    @staticmethod
    def forward(ctx, x, n):
        x = _floats(x)
        ctx.n = n
        ctx.save_for_backward(x)
        return ctx.device.backend.special.polygamma(n, x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved
        return grad_out * Polygamma.apply(x, n=ctx.n + 1)


class Erfinv(Function):
    __slots__ = ()
    derivative = "dz/dx = sqrt(pi)/2 exp(z^2)"

    @staticmethod
    def forward(ctx, x):
        x = _floats(x)
        z = ctx.device.backend.special.erfinv(x)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, grad_out):
        (z,) = ctx.saved
        return grad_out * (z * z).exp() * (math.sqrt(math.pi) / 2)


def lgamma(x):
    """log |Gamma(x)| elementwise."""
    return Lgamma.apply(x)


def digamma(x):
    """The derivative of lgamma (psi), as SciPy gives it at the poles."""
    return Digamma.apply(x)


def polygamma(n, x):
    """The n-th derivative of digamma (torch.polygamma(n, input))."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"polygamma: n must be a non-negative int; got {n!r}.")
    return Digamma.apply(x) if n == 0 else Polygamma.apply(x, n=n)


def erfinv(x):
    """The inverse error function on (-1, 1); +-inf at +-1, NaN outside."""
    return Erfinv.apply(x)
