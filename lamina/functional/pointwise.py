"""Pointwise composites and comparisons at PyTorch's names: cumsum, log1p, rounding, addcmul, lerp,
equal/allclose/isclose, logical_and/or/xor, ..."""

import math

from lamina.errors import DTypeError
from lamina.ops import elementwise, scan, trig
from lamina.ops.shapes import normalize_dim
from lamina.tensor import Tensor


def _running(op: str, primitive, x: Tensor, dim: int, dtype) -> Tensor:
    """A running sum or product along dim, in `dtype`; integers and bools run in int64, as PyTorch."""
    from lamina import dtypes

    if dtype is not None:
        x = elementwise.cast(x, dtype)
    elif x.array.dtype.kind in "biu":
        x = elementwise.cast(x, dtypes.int64)
    if x.ndim == 0:
        return x.clone()
    return primitive.apply(x, dim=normalize_dim(op, dim, x.ndim))


def cumprod(x: Tensor, dim: int, dtype=None) -> Tensor:
    """The running product along dim."""
    return _running("cumprod", scan.Cumprod, x, dim, dtype)


def cumsum(x: Tensor, dim: int, dtype=None) -> Tensor:
    """The running sum along dim."""
    return _running("cumsum", scan.Cumsum, x, dim, dtype)


def logcumsumexp(x: Tensor, dim: int) -> Tensor:
    """log of the running sum of exp along dim, without overflow (log-add-exp step by step)."""
    if x.array.dtype.kind != "f":
        raise DTypeError(f"logcumsumexp: expects a floating-point tensor; got {x.dtype}. Convert it with .float().")
    if x.ndim == 0:
        return x.clone()
    return scan.Logcumsumexp.apply(x, dim=normalize_dim("logcumsumexp", dim, x.ndim))


def log1p(x: Tensor) -> Tensor:
    return scan.Log1p.apply(x)


def expm1(x: Tensor) -> Tensor:
    return scan.Expm1.apply(x)


def log2(x: Tensor) -> Tensor:
    return x.log() / math.log(2.0)


def log10(x: Tensor) -> Tensor:
    return x.log() / math.log(10.0)


def exp2(x: Tensor) -> Tensor:
    return (x * math.log(2.0)).exp()


def _rounded(x: Tensor, mode: str, decimals: int = 0) -> Tensor:
    if x.array.dtype.kind != "f":
        return x.clone()  # integers are already whole
    return scan.Round.apply(x, mode=mode, decimals=decimals)


def floor(x: Tensor) -> Tensor:
    return _rounded(x, "floor")


def ceil(x: Tensor) -> Tensor:
    return _rounded(x, "ceil")


def round(x: Tensor, decimals: int = 0) -> Tensor:
    """Half to even, as PyTorch (round(0.5) = 0, round(1.5) = 2)."""
    return _rounded(x, "round", decimals)


def trunc(x: Tensor) -> Tensor:
    return _rounded(x, "trunc")


def frac(x: Tensor) -> Tensor:
    return x - trunc(x)


def square(x: Tensor) -> Tensor:
    return x * x


def reciprocal(x: Tensor) -> Tensor:
    return 1 / x


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    return input + tensor1 * tensor2 * value


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    return input + tensor1 / tensor2 * value


def lerp(input: Tensor, end: Tensor, weight) -> Tensor:
    return input + (end - input) * weight


def equal(a: Tensor, b: Tensor) -> bool:
    """True when both have the same shape and the same values (PyTorch's torch.equal)."""
    return a.shape == b.shape and bool((a == b).all())


def isclose(a: Tensor, b, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> Tensor:
    """|a - b| <= atol + rtol * |b|, elementwise (infinities equal only to themselves)."""
    xp = a.device.xp
    b_array = b.array if isinstance(b, Tensor) else b
    return Tensor._make(xp.isclose(a.array, b_array, rtol=rtol, atol=atol, equal_nan=equal_nan), a.device)


def allclose(a: Tensor, b, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> bool:
    return bool(isclose(a, b, rtol, atol, equal_nan).all())


def logical_and(a: Tensor, b: Tensor) -> Tensor:
    return elementwise.compare("and", elementwise.cast(a, "bool"), elementwise.cast(b, "bool"))


def logical_or(a: Tensor, b: Tensor) -> Tensor:
    return elementwise.compare("or", elementwise.cast(a, "bool"), elementwise.cast(b, "bool"))


def logical_xor(a: Tensor, b: Tensor) -> Tensor:
    return elementwise.compare("xor", elementwise.cast(a, "bool"), elementwise.cast(b, "bool"))


# --- trigonometric and hyperbolic ---
def tan(x: Tensor) -> Tensor:
    return trig.Tan.apply(x)


def asin(x: Tensor) -> Tensor:
    return trig.Asin.apply(x)


def acos(x: Tensor) -> Tensor:
    return trig.Acos.apply(x)


def atan(x: Tensor) -> Tensor:
    return trig.Atan.apply(x)


def sinh(x: Tensor) -> Tensor:
    return trig.Sinh.apply(x)


def cosh(x: Tensor) -> Tensor:
    return trig.Cosh.apply(x)


def asinh(x: Tensor) -> Tensor:
    return trig.Asinh.apply(x)


def acosh(x: Tensor) -> Tensor:
    return trig.Acosh.apply(x)


def atanh(x: Tensor) -> Tensor:
    return trig.Atanh.apply(x)


atan2 = trig.atan2
arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
arcsinh, arccosh, arctanh = asinh, acosh, atanh


# --- fused-looking products of BLAS (addmm and friends): beta * input + alpha * (a @ b) ---
def _scaled_sum(input, product, beta, alpha):
    product = product if alpha == 1 else product * alpha
    if beta == 0:  # PyTorch: input is then ignored, NaN in it included
        return product + input.new_zeros(())
    return (input if beta == 1 else input * beta) + product


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    from lamina.functional.matrices import mm

    return _scaled_sum(input, mm(mat1, mat2), beta, alpha)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    from lamina.functional.matrices import bmm

    return _scaled_sum(input, bmm(batch1, batch2), beta, alpha)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
    from lamina.functional.matrices import mv

    return _scaled_sum(input, mv(mat, vec), beta, alpha)


def broadcast_to(x: Tensor, shape) -> Tensor:
    from lamina.ops.movement import expand

    return expand(x, tuple(shape))


def hypot(a: Tensor, b: Tensor) -> Tensor:
    return (a * a + b * b).sqrt()


def sinc(x: Tensor) -> Tensor:
    """sin(pi x) / (pi x), 1 at 0."""
    scaled = x * math.pi
    safe = elementwise.where(x == 0, 1.0, scaled)
    return elementwise.where(x == 0, 1.0, safe.sin() / safe)


# --- more pointwise functions ---
def nan_to_num(x: Tensor, nan: float = 0.0, posinf=None, neginf=None) -> Tensor:
    """NaN -> nan, +inf -> posinf (default: the dtype's max), -inf -> neginf (its min); gradient 1 elsewhere."""
    if x.array.dtype.kind != "f":
        return x.clone()
    from lamina.dtypes import finfo

    info = finfo(x.dtype)
    x = elementwise.where(x.isnan(), nan, x)
    x = elementwise.where(x == float("inf"), info.max if posinf is None else posinf, x)
    return elementwise.where(x == float("-inf"), info.min if neginf is None else neginf, x)


def logaddexp(a: Tensor, b: Tensor) -> Tensor:
    """log(e^a + e^b), stable: max + log1p(e^-|a - b|)."""
    top = elementwise.maximum(a, b)
    return top + log1p((-(a - b).abs()).exp())


def logaddexp2(a: Tensor, b: Tensor) -> Tensor:
    return logaddexp(a * math.log(2.0), b * math.log(2.0)) / math.log(2.0)


def xlogy(x: Tensor, y) -> Tensor:
    """x log y, 0 where x is 0 (even for y = 0)."""
    y = y if isinstance(y, Tensor) else x.new_tensor(y)
    safe = elementwise.where(x == 0, 1.0, y)
    return elementwise.where(x == 0, 0.0, x * safe.log())


def logit(x: Tensor, eps=None) -> Tensor:
    if eps is not None:
        x = x.clamp(eps, 1 - eps)
    return (x / (1 - x)).log()


def heaviside(x: Tensor, values: Tensor) -> Tensor:
    return elementwise.where(x > 0, 1.0, elementwise.where(x < 0, 0.0, values)).to(x.dtype)


def erfc(x: Tensor) -> Tensor:
    return 1 - x.erf()


def deg2rad(x: Tensor) -> Tensor:
    return x * (math.pi / 180.0)


def rad2deg(x: Tensor) -> Tensor:
    return x * (180.0 / math.pi)


def float_power(x, exponent) -> Tensor:
    """x ** exponent in float64 (PyTorch's float_power)."""
    from lamina import dtypes

    base = elementwise.cast(x, dtypes.float64) if isinstance(x, Tensor) else x
    power = elementwise.cast(exponent, dtypes.float64) if isinstance(exponent, Tensor) else exponent
    return base**power


def fmod(a: Tensor, b) -> Tensor:
    """The remainder with the sign of the dividend (C's fmod), where remainder takes the divisor's."""
    return a - (a / b).trunc() * b if a.is_floating_point() else a - elementwise.floor_divide(a, b) * b


def clamp_min(x: Tensor, min) -> Tensor:
    return x.clamp(min=min)


def clamp_max(x: Tensor, max) -> Tensor:
    return x.clamp(max=max)


def signbit(x: Tensor) -> Tensor:
    return Tensor._make(x.device.xp.signbit(x.array), x.device)


def fmax(a: Tensor, b) -> Tensor:
    """The elementwise maximum ignoring NaN: the other operand where one is NaN (NaN only where both are)."""
    a, b = elementwise._operands("fmax", a, b)
    return elementwise.where(a.isnan(), b, elementwise.where(b.isnan(), a, elementwise.maximum(a, b)))


def fmin(a: Tensor, b) -> Tensor:
    """The elementwise minimum ignoring NaN."""
    a, b = elementwise._operands("fmin", a, b)
    return elementwise.where(a.isnan(), b, elementwise.where(b.isnan(), a, elementwise.minimum(a, b)))


def copysign(a: Tensor, b) -> Tensor:
    """|a| with the sign of b (b's sign bit: -0.0 counts as negative, as in C and PyTorch)."""
    a, b = elementwise._operands("copysign", a, b)
    if not a.is_floating_point():
        a, b = a.float(), b.float()
    return elementwise.where(signbit(b), -a.abs(), a.abs())


def isposinf(x: Tensor) -> Tensor:
    return x == math.inf


def isneginf(x: Tensor) -> Tensor:
    return x == -math.inf


def isreal(x: Tensor) -> Tensor:
    """True everywhere: lamina's tensors are real."""
    return Tensor._make(x.device.xp.ones(x.shape, dtype=bool), x.device)


def _bitwise(op: str, a, b) -> Tensor:
    for operand in (a, b):
        if isinstance(operand, Tensor) and operand.array.dtype.kind not in "biu":
            raise DTypeError(f"bitwise_{op}: needs integer or bool tensors; got {operand.dtype.name}.")
    return elementwise.compare(op, a, b)


def bitwise_and(a: Tensor, b) -> Tensor:
    return _bitwise("and", a, b)


def bitwise_or(a: Tensor, b) -> Tensor:
    return _bitwise("or", a, b)


def bitwise_xor(a: Tensor, b) -> Tensor:
    return _bitwise("xor", a, b)


def bitwise_not(x: Tensor) -> Tensor:
    if x.array.dtype.kind not in "biu":
        raise DTypeError(f"bitwise_not: needs an integer or bool tensor; got {x.dtype.name}.")
    return elementwise.logical_not(x)  # (~x: NOT of bools, the bitwise NOT of integers)


def _spacing(op, y: Tensor, x, dx, dim):
    """The widths of the intervals along dim: from x (sample points, 1-D or y's shape) or a constant dx."""
    dim = normalize_dim(op, dim, y.ndim)
    if x is None:
        return dx, dim
    steps = x[1:] - x[:-1] if x.ndim == 1 else x.narrow(dim, 1, x.shape[dim] - 1) - x.narrow(dim, 0, x.shape[dim] - 1)
    if x.ndim == 1 and y.ndim > 1:
        steps = steps.reshape(*([1] * dim), -1, *([1] * (y.ndim - dim - 1)))
    return steps, dim


def trapezoid(y: Tensor, x=None, *, dx=None, dim: int = -1) -> Tensor:
    """The trapezoidal rule along dim: sum of (y_i + y_{i+1}) / 2 times the interval widths (x's, or dx, 1 by
    default)."""
    if isinstance(x, (int, float)):  # torch.trapezoid(y, 0.5): a spacing given positionally
        x, dx = None, x
    spacing, dim = _spacing("trapezoid", y, x, 1.0 if dx is None else dx, dim)
    length = y.shape[dim]
    if length == 0:
        return y.sum(dim)
    pairs = y.narrow(dim, 1, length - 1) + y.narrow(dim, 0, length - 1)
    return (pairs * spacing).sum(dim) * 0.5


def cumulative_trapezoid(y: Tensor, x=None, *, dx=None, dim: int = -1) -> Tensor:
    """The running trapezoidal rule along dim (one element shorter than y there)."""
    if isinstance(x, (int, float)):
        x, dx = None, x
    spacing, dim = _spacing("cumulative_trapezoid", y, x, 1.0 if dx is None else dx, dim)
    length = y.shape[dim]
    pairs = y.narrow(dim, 1, max(length - 1, 0)) + y.narrow(dim, 0, max(length - 1, 0))
    return cumsum(pairs * spacing * 0.5, dim)


trapz = trapezoid
