"""Trigonometric and hyperbolic primitives beyond sin/cos/tanh: tan, the inverse functions, sinh/cosh and
their inverses, atan2. Each forward is NumPy's (or CuPy's) function; each derivative is written beside it."""

from lamina.autograd.function import Function
from lamina.ops.elementwise import _as_default_float, _binary, sum_to


class _Unary(Function):
    """A unary primitive on floats: integer inputs become the default float dtype (as PyTorch)."""

    __slots__ = ()
    function = ""

    @classmethod
    def forward(cls, ctx, x):
        x = x if x.dtype.kind == "f" else _as_default_float(x)
        z = getattr(ctx.xp, cls.function)(x)
        ctx.save_for_backward(x, z)
        return z


class Tan(_Unary):
    __slots__ = ()
    function, derivative = "tan", "dz/dx = 1 + tan^2 x"

    @staticmethod
    def backward(ctx, grad_out):
        _, z = ctx.saved
        return grad_out * (z * z + 1)


class Asin(_Unary):
    __slots__ = ()
    function, derivative = "arcsin", "dz/dx = 1 / sqrt(1 - x^2)"

    @staticmethod
    def backward(ctx, grad_out):
        x, _ = ctx.saved
        return grad_out * (1 - x * x).rsqrt()


class Acos(_Unary):
    __slots__ = ()
    function, derivative = "arccos", "dz/dx = -1 / sqrt(1 - x^2)"

    @staticmethod
    def backward(ctx, grad_out):
        x, _ = ctx.saved
        return -grad_out * (1 - x * x).rsqrt()


class Atan(_Unary):
    __slots__ = ()
    function, derivative = "arctan", "dz/dx = 1 / (1 + x^2)"

    @staticmethod
    def backward(ctx, grad_out):
        x, _ = ctx.saved
        return grad_out / (x * x + 1)


class Sinh(_Unary):
    __slots__ = ()
    function, derivative = "sinh", "dz/dx = cosh x"

    @staticmethod
    def backward(ctx, grad_out):
        x, _ = ctx.saved
        return grad_out * Cosh.apply(x)


class Cosh(_Unary):
    __slots__ = ()
    function, derivative = "cosh", "dz/dx = sinh x"

    @staticmethod
    def backward(ctx, grad_out):
        x, _ = ctx.saved
        return grad_out * Sinh.apply(x)


class Asinh(_Unary):
    __slots__ = ()
    function, derivative = "arcsinh", "dz/dx = 1 / sqrt(x^2 + 1)"

    @staticmethod
    def backward(ctx, grad_out):
        x, _ = ctx.saved
        return grad_out * (x * x + 1).rsqrt()


class Acosh(_Unary):
    __slots__ = ()
    function, derivative = "arccosh", "dz/dx = 1 / sqrt(x^2 - 1)"

    @staticmethod
    def backward(ctx, grad_out):
        x, _ = ctx.saved
        return grad_out * (x * x - 1).rsqrt()


class Atanh(_Unary):
    __slots__ = ()
    function, derivative = "arctanh", "dz/dx = 1 / (1 - x^2)"

    @staticmethod
    def backward(ctx, grad_out):
        x, _ = ctx.saved
        return grad_out / (1 - x * x)


class Atan2(Function):
    """z = atan2(y, x), the angle of the point (x, y), with broadcasting."""

    __slots__ = ()
    derivative = "dz/dy = x / (x^2 + y^2), dz/dx = -y / (x^2 + y^2)"

    @staticmethod
    def forward(ctx, y, x):
        if y.dtype.kind != "f":
            y, x = _as_default_float(y), _as_default_float(x)
        ctx.save_for_backward(y, x)
        return ctx.xp.arctan2(y, x)

    @staticmethod
    def backward(ctx, grad_out):
        y, x = ctx.saved
        scale = grad_out / (x * x + y * y)
        return sum_to(scale * x, y.shape), sum_to(-scale * y, x.shape)


def atan2(y, x):
    return _binary(Atan2, "atan2", y, x)
