"""Elementwise primitives: arithmetic, exp/log, activations, comparisons.

Binary ops broadcast. Their operands first go through `_operands`, which
turns Python scalars into tensors of the right dtype (a float scalar never
widens float32 to float64), promotes mixed dtypes with a differentiable cast
(PyTorch's rule: int64 + float32 -> float32) and checks that the shapes
broadcast, so every primitive below sees two arrays of one dtype.
"""

import math

from lamina import dtypes, native
from lamina.autograd.function import Function, raise_device_mismatch
from lamina.autograd.grad_mode import no_grad, state
from lamina.errors import DTypeError
from lamina.ops.shapes import broadcast_shape
from lamina.tensor import Tensor


def sum_to(grad: Tensor, shape) -> Tensor:
    """Sum a broadcast gradient back to an input's shape (the adjoint of broadcasting)."""
    if grad.shape == tuple(shape):
        return grad
    from lamina.ops.reduce import SumTo

    return SumTo.apply(grad, shape=tuple(shape))


# The input shapes a backward needs come from the node's input_meta, which the graph records anyway:
# saving them in forward would cost every call, also when no graph is recorded.


def _as_default_float(x):
    """An integer or bool array as the default float dtype: exp, log, tanh, ... of an integer tensor are
    float32, as in PyTorch (NumPy would give float64). The forwards test the dtype inline, since a call
    on every float input would cost more than the test (per-op cost)."""
    return x.astype(dtypes.default_float.numpy)


class Add(Function):
    __slots__ = ()
    derivative = "dz/dx = 1, dz/dy = 1 (summed over broadcast dims)"

    @staticmethod
    def forward(ctx, x, y):  # x: (*a), y: (*b) -> broadcast(a, b)
        return x + y

    @staticmethod
    def backward(ctx, grad_out):
        (shape_x, _), (shape_y, _) = ctx.input_meta
        return sum_to(grad_out, shape_x), sum_to(grad_out, shape_y)


class Sub(Function):
    __slots__ = ()
    derivative = "dz/dx = 1, dz/dy = -1"

    @staticmethod
    def forward(ctx, x, y):
        return x - y

    @staticmethod
    def backward(ctx, grad_out):
        (shape_x, _), (shape_y, _) = ctx.input_meta
        grad_y = sum_to(-grad_out, shape_y) if ctx.needs_input_grad[1] else None
        return sum_to(grad_out, shape_x), grad_y


class Mul(Function):
    __slots__ = ()
    derivative = "dz/dx = y, dz/dy = x"

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx, grad_out):
        x, y = ctx.saved
        grad_x = sum_to(_backward_mul(grad_out, y), x.shape) if ctx.needs_input_grad[0] else None
        grad_y = sum_to(_backward_mul(grad_out, x), y.shape) if ctx.needs_input_grad[1] else None
        return grad_x, grad_y


def _backward_mul(a: Tensor, b: Tensor) -> Tensor:
    """a * b inside a backward (one dtype, shapes that broadcast). A plain backward records nothing, so it
    multiplies the arrays directly, without an op's dispatch; with create_graph it is recorded."""
    if state.grad_enabled:
        return Mul.apply(a, b)
    return Tensor._make(a.array * b.array, a.device)


class Div(Function):
    __slots__ = ()
    derivative = "dz/dx = 1/y, dz/dy = -x/y^2"

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x / y

    @staticmethod
    def backward(ctx, grad_out):
        x, y = ctx.saved
        grad_x = sum_to(grad_out / y, x.shape) if ctx.needs_input_grad[0] else None
        # d(x/y)/dy = -x / y^2
        grad_y = sum_to(-grad_out * x / (y * y), y.shape) if ctx.needs_input_grad[1] else None
        return grad_x, grad_y


class Remainder(Function):
    """z = x mod y with the sign of y (Python's and PyTorch's rule)."""

    __slots__ = ()
    derivative = "dz/dx = 1, dz/dy = -floor(x / y)"

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return ctx.xp.remainder(x, y)

    @staticmethod
    def backward(ctx, grad_out):
        x, y = ctx.saved
        grad_x = sum_to(grad_out, x.shape) if ctx.needs_input_grad[0] else None
        grad_y = sum_to(-grad_out * floor_divide(x, y), y.shape) if ctx.needs_input_grad[1] else None
        return grad_x, grad_y


class Neg(Function):
    __slots__ = ()
    derivative = "dz/dx = -1"

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad_out):
        return -grad_out


class Pow(Function):
    """z = x ** y for two tensors."""

    __slots__ = ()

    derivative = "dz/dx = y x^(y-1), dz/dy = x^y log x"

    @staticmethod
    def forward(ctx, x, y):
        z = x**y
        ctx.save_for_backward(x, y, z)
        return z

    @staticmethod
    def backward(ctx, grad_out):
        x, y, z = ctx.saved
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            grad_x = sum_to(grad_out * y * x ** (y - 1), x.shape)
        if ctx.needs_input_grad[1]:
            # d(x^y)/dy = x^y log x; NOTE: taken as 0 where x == 0 and y >= 0 (PyTorch's rule)
            safe_log = where((x == 0) & (y >= 0), 1.0, x).log()
            grad_y = sum_to(grad_out * z * safe_log, y.shape)
        return grad_x, grad_y


class PowScalar(Function):
    """z = x ** p for a Python number p."""

    __slots__ = ("exponent",)

    derivative = "dz/dx = p x^(p-1)"

    @staticmethod
    def forward(ctx, x, exponent):
        ctx.save_for_backward(x)
        ctx.exponent = exponent
        return x**exponent

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved
        p = ctx.exponent
        if p == 0:  # NOTE: d(x^0)/dx = 0 everywhere, also at x = 0 (not 0 * x^-1 = nan)
            return grad_out * 0
        return grad_out * p * x ** (p - 1) if p != 1 else grad_out


class Exp(Function):
    __slots__ = ()
    derivative = "dz/dx = exp(x) = z"

    @staticmethod
    def forward(ctx, x):
        x = x if x.dtype.kind == "f" else _as_default_float(x)
        z = ctx.xp.exp(x)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, grad_out):
        (z,) = ctx.saved
        return grad_out * z  # d/dx e^x = e^x


class Log(Function):
    __slots__ = ()
    derivative = "dz/dx = 1/x"

    @staticmethod
    def forward(ctx, x):
        x = x if x.dtype.kind == "f" else _as_default_float(x)
        ctx.save_for_backward(x)
        return ctx.xp.log(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved
        return grad_out / x  # d/dx log x = 1/x


class Sqrt(Function):
    __slots__ = ()
    derivative = "dz/dx = 1/(2 sqrt x)"

    @staticmethod
    def forward(ctx, x):
        x = x if x.dtype.kind == "f" else _as_default_float(x)
        z = ctx.xp.sqrt(x)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, grad_out):
        (z,) = ctx.saved
        return grad_out / (z * 2)  # d/dx sqrt x = 1 / (2 sqrt x)


class Abs(Function):
    __slots__ = ()
    derivative = "dz/dx = sign(x)"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.abs(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved
        return grad_out * sign(x)  # NOTE: sign(0) = 0, so the kink at 0 gets gradient 0 (as PyTorch)


class Erf(Function):
    __slots__ = ()
    derivative = "dz/dx = 2/sqrt(pi) exp(-x^2)"

    @staticmethod
    def forward(ctx, x):
        x = x if x.dtype.kind == "f" else _as_default_float(x)
        ctx.save_for_backward(x)
        return ctx.device.backend.erf(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved
        return grad_out * (-(x * x)).exp() * (2 / math.sqrt(math.pi))


class Sin(Function):
    __slots__ = ()
    derivative = "dz/dx = cos x"

    @staticmethod
    def forward(ctx, x):
        x = x if x.dtype.kind == "f" else _as_default_float(x)
        ctx.save_for_backward(x)
        return ctx.xp.sin(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved
        return grad_out * x.cos()


class Cos(Function):
    __slots__ = ()
    derivative = "dz/dx = -sin x"

    @staticmethod
    def forward(ctx, x):
        x = x if x.dtype.kind == "f" else _as_default_float(x)
        ctx.save_for_backward(x)
        return ctx.xp.cos(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved
        return -grad_out * x.sin()


class Tanh(Function):
    __slots__ = ()
    derivative = "dz/dx = 1 - tanh^2 x"

    @staticmethod
    def forward(ctx, x):
        x = x if x.dtype.kind == "f" else _as_default_float(x)
        z = ctx.xp.tanh(x)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, grad_out):
        (z,) = ctx.saved
        return grad_out * (1 - z * z)  # d/dx tanh x = 1 - tanh^2 x


class Sigmoid(Function):
    __slots__ = ()
    derivative = "dz/dx = s(x) (1 - s(x))"

    @staticmethod
    def forward(ctx, x):
        x = x if x.dtype.kind == "f" else _as_default_float(x)
        z = ctx.device.backend.sigmoid(x)  # stable for large |x| (the backend's one-pass form)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, grad_out):
        (z,) = ctx.saved
        return grad_out * z * (1 - z)  # d/dx s(x) = s(x) (1 - s(x))


class Relu(Function):
    __slots__ = ()
    derivative = "dz/dx = 1 if x > 0 else 0"

    @staticmethod
    def forward(ctx, x):
        z = ctx.device.backend.kernels.relu(x)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, grad_out):
        (z,) = ctx.saved
        if state.grad_enabled:  # create_graph: in Tensor ops, so it can be differentiated again
            return grad_out * (z > 0).to(grad_out.dtype)  # NOTE: gradient 0 at x = 0 (as PyTorch)
        return Tensor._make(ctx.device.backend.kernels.relu_backward(grad_out.array, z.array), ctx.device)


class Clamp(Function):
    __slots__ = ("low", "high")
    derivative = "dz/dx = 1 inside [min, max], else 0"

    @staticmethod
    def forward(ctx, x, low=None, high=None):
        ctx.save_for_backward(x)
        ctx.low, ctx.high = low, high
        return ctx.xp.clip(x, low, high)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved
        # NOTE: the gradient passes where low <= x <= high, boundaries included (as PyTorch)
        inside = x == x
        if ctx.low is not None:
            inside = inside & (x >= ctx.low)
        if ctx.high is not None:
            inside = inside & (x <= ctx.high)
        return grad_out * inside.to(grad_out.dtype)


class Where(Function):
    """z = x where condition else y; the condition gets no gradient."""

    __slots__ = ()

    derivative = "dz/dx = condition, dz/dy = not condition"

    @staticmethod
    def forward(ctx, condition, x, y):
        ctx.save_for_backward(condition)
        return ctx.xp.where(condition, x, y)

    @staticmethod
    def backward(ctx, grad_out):
        (condition,) = ctx.saved
        zero = grad_out.new_zeros(())
        (shape_x, _), (shape_y, _) = ctx.input_meta[1:]
        grad_x = sum_to(where(condition, grad_out, zero), shape_x) if ctx.needs_input_grad[1] else None
        grad_y = sum_to(where(condition, zero, grad_out), shape_y) if ctx.needs_input_grad[2] else None
        return None, grad_x, grad_y


class Maximum(Function):
    __slots__ = ()
    derivative = "dz/dx = 1 where x > y (1/2 on ties)"

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return ctx.xp.maximum(x, y)

    @staticmethod
    def backward(ctx, grad_out):
        x, y = ctx.saved
        return _split_by_winner(grad_out, x > y, x == y, x.shape, y.shape)


class Minimum(Function):
    __slots__ = ()
    derivative = "dz/dx = 1 where x < y (1/2 on ties)"

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return ctx.xp.minimum(x, y)

    @staticmethod
    def backward(ctx, grad_out):
        x, y = ctx.saved
        return _split_by_winner(grad_out, x < y, x == y, x.shape, y.shape)


def _split_by_winner(grad_out, x_wins, tie, shape_x, shape_y):
    # NOTE: on a tie each side gets half the gradient (PyTorch's rule for maximum/minimum)
    dtype = grad_out.dtype
    share_x = x_wins.to(dtype) + tie.to(dtype) * 0.5
    share_y = 1 - share_x
    return sum_to(grad_out * share_x, shape_x), sum_to(grad_out * share_y, shape_y)


class Cast(Function):
    """Change of dtype; the gradient is cast back to the input's dtype."""

    __slots__ = ("input_dtype",)

    derivative = "dz/dx = 1 (cast back to x's dtype)"

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.input_dtype = x.dtype
        return x.astype(dtype.numpy)

    @staticmethod
    def backward(ctx, grad_out):
        return Cast.apply(grad_out, dtype=dtypes.from_numpy_dtype(ctx.input_dtype))


class Clone(Function):
    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad_out):
        return grad_out


class ToDevice(Function):
    """A copy to another device: the one explicit way data crosses devices."""

    __slots__ = ("source",)

    @staticmethod
    def forward(ctx, x, device):
        ctx.source = ctx.device
        ctx.device = device  # Function.apply places the output on ctx.device
        moved = device.backend.asarray(ctx.source.backend.to_numpy(x))
        return moved.copy() if moved is x else moved  # two devices on one memory must not share arrays

    @staticmethod
    def backward(ctx, grad_out):
        return ToDevice.apply(grad_out, device=ctx.source)


# --- the public functions behind the Tensor operators ---
def _python_operands(op: str, a, b):
    """Make two operands one dtype and broadcastable, turning a Python scalar into a tensor.

    A scalar takes the dtype it would give combined with the tensor (float32 * 2.0
    stays float32; int64 * 0.5 becomes float32); tensors of different dtypes are
    promoted by PyTorch's rule through a differentiable cast.
    """
    if type(a) is Tensor and type(b) is Tensor:  # the common case, fast (NumPy's builtin dtypes are singletons)
        array_a, array_b = a.array, b.array
        if array_a.dtype is array_b.dtype or array_a.dtype == array_b.dtype:
            if array_a.shape != array_b.shape and not _broadcastable(array_a.shape, array_b.shape):
                broadcast_shape(op, array_a.shape, array_b.shape)  # raises the ShapeError
            return a, b
    # a float tensor and a Python float or int: the scalar takes the tensor's dtype (fast path of the rule below)
    if type(a) is Tensor and (type(b) is float or type(b) is int) and a.array.dtype.kind == "f":
        return a, Tensor._make(a.device.backend.asarray(b, a.array.dtype), a.device)
    if type(b) is Tensor and (type(a) is float or type(a) is int) and b.array.dtype.kind == "f":
        return Tensor._make(b.device.backend.asarray(a, b.array.dtype), b.device), b
    like = a if isinstance(a, Tensor) else b
    dtype_a = a.dtype if isinstance(a, Tensor) else dtypes.scalar_dtype(a, like.dtype)
    dtype_b = b.dtype if isinstance(b, Tensor) else dtypes.scalar_dtype(b, like.dtype)
    common = dtypes.promote_types(dtype_a, dtype_b)
    a = cast(a, common) if isinstance(a, Tensor) else _scalar_tensor(a, common, like.device)
    b = cast(b, common) if isinstance(b, Tensor) else _scalar_tensor(b, common, like.device)
    if a.array.shape != b.array.shape and not _broadcastable(a.array.shape, b.array.shape):
        broadcast_shape(op, a.array.shape, b.array.shape)  # raises the ShapeError
    return a, b


def _python_binary(function, op: str, a, b):
    a, b = _operands(op, a, b)
    return function.apply(a, b)


if native.extension is not None:  # the common case of both in C (lamina/native/dispatch.c): one call per op
    native.extension.configure_operands(_python_operands, Function.__dict__["apply"])
    _operands, _binary = native.extension.operands, native.extension.binary
else:
    _operands, _binary = _python_operands, _python_binary


def _broadcastable(shape_a, shape_b) -> bool:
    """Whether two shapes broadcast (the quick test; broadcast_shape makes the error message)."""
    for size_a, size_b in zip(reversed(shape_a), reversed(shape_b)):
        if size_a != size_b and size_a != 1 and size_b != 1:
            return False
    return True


def _scalar_tensor(value, dtype, device) -> Tensor:
    return Tensor._make(device.backend.asarray(value, dtype.numpy), device)


def add(a, b):
    return _binary(Add, "add", a, b)


def sub(a, b):
    return _binary(Sub, "sub", a, b)


def mul(a, b):
    return _binary(Mul, "mul", a, b)


def _is_floating(x) -> bool:
    return type(x) is float or (isinstance(x, Tensor) and x.array.dtype.kind in "fc")


def div(a, b):
    if _is_floating(a) or _is_floating(b):  # the promoted operands are floats
        return _binary(Div, "div", a, b)
    a, b = _operands("div", a, b)
    if a.array.dtype.kind not in "fc":  # true division of integers (or bools) gives floats (as PyTorch)
        a, b = cast(a, dtypes.default_float), cast(b, dtypes.default_float)
    return Div.apply(a, b)


def pow(base, exponent):
    if isinstance(base, Tensor) and isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
        if isinstance(exponent, float) and not base.is_floating_point():
            base = cast(base, dtypes.default_float)
        return PowScalar.apply(base, exponent=exponent)
    return _binary(Pow, "pow", base, exponent)


def remainder(a, b):
    return _binary(Remainder, "remainder", a, b)


def floor_divide(a, b) -> Tensor:
    """floor(a / b); piecewise constant, so it records no graph (as PyTorch)."""
    with no_grad():
        a, b = _operands("floor_divide", a, b)
    return Tensor._make(a.device.backend.xp.floor_divide(a.array, b.array), a.device)


def maximum(a, b):
    return _binary(Maximum, "maximum", a, b)


def minimum(a, b):
    return _binary(Minimum, "minimum", a, b)


def where(condition, x, y):
    """x where condition is true, else y (x or y may be a Python number)."""
    if not isinstance(condition, Tensor):
        raise DTypeError(f"where: the condition must be a bool tensor; got {type(condition).__name__}.")
    if condition.array.dtype.kind != "b":
        condition = condition != 0
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        x = _scalar_tensor(x, dtypes.scalar_dtype(x, dtypes.bool_), condition.device)
    x, y = _operands("where", x, y)
    broadcast_shape("where", condition.shape, broadcast_shape("where", x.shape, y.shape))
    return Where.apply(condition, x, y)


def cast(x: Tensor, dtype) -> Tensor:
    dtype = dtypes.to_dtype(dtype)
    if x.array.dtype == dtype.numpy:
        return x
    return Cast.apply(x, dtype=dtype)


_COMPARISONS = {
    "eq": lambda xp, a, b: a == b,
    "ne": lambda xp, a, b: a != b,
    "lt": lambda xp, a, b: a < b,
    "le": lambda xp, a, b: a <= b,
    "gt": lambda xp, a, b: a > b,
    "ge": lambda xp, a, b: a >= b,
    "and": lambda xp, a, b: xp.logical_and(a, b) if a.dtype.kind == "b" else a & b,
    "or": lambda xp, a, b: xp.logical_or(a, b) if a.dtype.kind == "b" else a | b,
    "xor": lambda xp, a, b: xp.logical_xor(a, b) if a.dtype.kind == "b" else a ^ b,
}


def compare(op: str, a, b) -> Tensor:
    """Comparisons and logical ops: bool results, never part of the graph."""
    with no_grad():
        a, b = _operands(op, a, b)
    if a.device is not b.device:
        raise_device_mismatch(op, (a, b))
    return Tensor._make(_COMPARISONS[op](a.device.backend.xp, a.array, b.array), a.device)


def _unary_constant(x: Tensor, compute) -> Tensor:
    return Tensor._make(compute(x.device.backend.xp, x.array), x.device)


def sign(x: Tensor) -> Tensor:
    return _unary_constant(x, lambda xp, a: xp.sign(a))


def isnan(x: Tensor) -> Tensor:
    return _unary_constant(x, lambda xp, a: xp.isnan(a))


def isinf(x: Tensor) -> Tensor:
    return _unary_constant(x, lambda xp, a: xp.isinf(a))


def isfinite(x: Tensor) -> Tensor:
    return _unary_constant(x, lambda xp, a: xp.isfinite(a))


def logical_not(x: Tensor) -> Tensor:
    return _unary_constant(x, lambda xp, a: xp.logical_not(a) if a.dtype.kind == "b" else ~a)
