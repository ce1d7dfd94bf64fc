"""Primitives that PyTorch programs reach for beyond the core set: precise log1p/expm1, rounding,
the running sum and log-sum-exp, and the 2-norm whose gradient at zero is zero.

Each is a primitive (not a composite) for a stated reason: log1p/expm1 keep the precision that
log(1 + x) loses for small x; rounding has a zero gradient almost everywhere; cumsum's backward is a
reversed cumsum; the 2-norm's gradient x / |x| is NaN at x = 0 where PyTorch (and the subgradient)
give 0.
"""

from lamina.autograd.function import Function
from lamina.ops.elementwise import _as_default_float, where
from lamina.ops.movement import Expand, Flip, Reshape
from lamina.ops.reduce import keepdim_shape


class Log1p(Function):
    __slots__ = ()
    derivative = "dz/dx = 1/(1 + x)"

    @staticmethod
    def forward(ctx, x):
        x = x if x.dtype.kind == "f" else _as_default_float(x)
        ctx.save_for_backward(x)
        return ctx.xp.log1p(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved
        return grad_out / (x + 1)  # d/dx log(1 + x) = 1 / (1 + x)


class Expm1(Function):
    __slots__ = ()
    derivative = "dz/dx = exp(x) = z + 1"

    @staticmethod
    def forward(ctx, x):
        x = x if x.dtype.kind == "f" else _as_default_float(x)
        z = ctx.xp.expm1(x)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, grad_out):
        (z,) = ctx.saved
        return grad_out * (z + 1)  # d/dx (e^x - 1) = e^x


class Round(Function):
    """floor, ceil, round (half to even, as PyTorch) and trunc: piecewise constant, so the gradient is 0."""

    __slots__ = ()
    derivative = "dz/dx = 0 (piecewise constant)"

    @staticmethod
    def forward(ctx, x, mode, decimals=0):
        xp = ctx.xp
        if mode == "round":
            return xp.round(x, decimals)
        return {"floor": xp.floor, "ceil": xp.ceil, "trunc": xp.trunc}[mode](x)

    @staticmethod
    def backward(ctx, grad_out):
        return grad_out * 0


class Cumsum(Function):
    __slots__ = ("dim",)
    derivative = "dz_j/dx_i = 1 for j >= i: the gradient is a reversed running sum"

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return ctx.xp.cumsum(x, axis=dim, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad_out):
        # x_i reaches every z_j with j >= i: sum the gradient from the end
        flipped = Flip.apply(grad_out, dims=(ctx.dim,))
        return Flip.apply(Cumsum.apply(flipped, dim=ctx.dim), dims=(ctx.dim,))


class Logcumsumexp(Function):
    """z_j = log sum_{i <= j} exp(x_i). Its own primitive: the composite log(cumsum(exp(x))) overflows, and
    shifting by the max underflows the entries far below it."""

    __slots__ = ("dim",)
    derivative = "dz_j/dx_i = exp(x_i - z_j) for j >= i"

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        z = ctx.xp.logaddexp.accumulate(x, axis=dim)
        ctx.save_for_backward(x, z)
        return z

    @staticmethod
    def backward(ctx, grad_out):
        x, z = ctx.saved
        dim = ctx.dim

        def from_the_end(t):  # log sum_{j >= i} exp(t_j)
            return Flip.apply(Logcumsumexp.apply(Flip.apply(t, dims=(dim,)), dim=dim), dims=(dim,))

        # dx_i = sum_{j >= i} g_j exp(x_i - z_j), summed in log space (it overflows otherwise), the
        # positive and negative parts of g apart since a log needs positive terms. Where a line starts with
        # -inf the derivative is undefined (-inf - -inf): NaN there, as in PyTorch.

        def scaled(g):  # log(g) - z where g > 0, else -inf (log never sees a 0: no inf in its gradient)
            kept = g > 0
            return where(kept, where(kept, g, 1.0).log() - z, float("-inf"))

        return (from_the_end(scaled(grad_out)) + x).exp() - (from_the_end(scaled(-grad_out)) + x).exp()


class Cumprod(Function):
    """The running product. Its own primitive: the composite exp(cumsum(log x)) fails at zeros and negatives."""

    __slots__ = ("dim",)
    derivative = "dz_j/dx_i = prod_{k <= j, k != i} x_k for j >= i"

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        z = ctx.xp.cumprod(x, axis=dim, dtype=x.dtype)
        ctx.save_for_backward(x, z)
        return z

    @staticmethod
    def backward(ctx, grad_out):
        x, z = ctx.saved
        dim = ctx.dim

        def from_the_end(t):  # sum over j >= i
            return Flip.apply(Cumsum.apply(Flip.apply(t, dims=(dim,)), dim=dim), dims=(dim,))

        # Where x_i != 0, every z_j (j >= i) holds x_i once: sum_j g_j z_j / x_i (0 past a zero, as it must be).
        zero = x == 0
        nonzero_part = from_the_end(grad_out * z) / where(zero, 1, x)
        # At a line's first zero the quotient is undefined; its gradient is the same sum with x_i taken as 1.
        # Later zeros get 0: every product through them holds the first zero too.
        first = zero & (Cumsum.apply(zero.long(), dim=dim) == 1)
        zero_part = from_the_end(grad_out * Cumprod.apply(where(first, 1, x), dim=dim))
        return where(zero, where(first, zero_part, 0), nonzero_part)


class Norm2(Function):
    """sqrt(sum(x^2)) over dims, with the gradient x / norm, taken as 0 where the norm is 0 (as PyTorch)."""

    __slots__ = ("dims", "keepdim")
    derivative = "dz/dx = x / z (0 where z = 0)"

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.dims, ctx.keepdim = dims, keepdim
        z = ctx.xp.sqrt((x * x).sum(axis=dims, keepdims=keepdim))
        ctx.save_for_backward(x, z)
        return z

    @staticmethod
    def backward(ctx, grad_out):
        x, z = ctx.saved
        if not ctx.keepdim:
            kept = keepdim_shape(x.shape, ctx.dims)
            z, grad_out = Reshape.apply(z, shape=kept), Reshape.apply(grad_out, shape=kept)
        safe = where(z == 0, 1.0, z)
        scale = where(z == 0, 0.0, grad_out / safe)
        return Expand.apply(scale, shape=x.shape) * x if scale.shape != x.shape else scale * x
