"""Inverse, determinant and solve: the square-matrix primitives behind lamina.linalg (batched over leading
dims). Their backwards are the textbook ones, in Tensor ops (so they differentiate again):
  Y = A^-1:           dA = -Y^T dY Y^T
  d = det(A):         dA = dd d A^-T
  X = A^-1 B:         dB = A^-T dX, dA = -dB X^T
  l = log |det A|:    dA = dl A^-T   (slogdet's second output; logdet builds on it)
A singular matrix is an error naming the op, not NaNs or a wrong answer (NumPy's LinAlgError, translated).
"""

import math
from collections import namedtuple

from lamina.autograd.function import Function
from lamina.errors import ShapeError, shape_str
from lamina.ops.elementwise import where
from lamina.tensor import Tensor

SlogdetResult = namedtuple("slogdet", ["sign", "logabsdet"])  # torch.return_types.slogdet's fields


def _square(op: str, a: Tensor):
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ShapeError(f"{op}: expects square matrices (..., n, n); got shape {shape_str(a.shape)}.")
    if not a.is_floating_point():
        raise ShapeError(f"{op}: expects floating-point matrices; got {a.dtype.name}. Convert with .float().")


def _mT(t: Tensor) -> Tensor:
    return t.transpose(-1, -2)


def _checked(op, compute):
    try:
        return compute()
    except Exception as error:  # numpy.linalg.LinAlgError (and CuPy's), without importing either here
        if type(error).__name__ == "LinAlgError":
            raise ValueError(f"{op}: the matrix is singular ({error}); it has no inverse.") from None
        raise


class Inverse(Function):
    __slots__ = ()
    derivative = "dA = -A^-T dY A^-T"

    @staticmethod
    def forward(ctx, a):
        y = _checked("inv", lambda: ctx.xp.linalg.inv(a))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        return -(_mT(y) @ grad @ _mT(y))


class Determinant(Function):
    __slots__ = ()
    derivative = "dA = dd det(A) A^-T"

    @staticmethod
    def forward(ctx, a):
        d = ctx.xp.asarray(ctx.xp.linalg.det(a))  # an array, not NumPy's scalar: saved as the output (see Function)
        ctx.save_for_backward(a, d)
        return d

    @staticmethod
    def backward(ctx, grad):
        a, d = ctx.saved
        inverse = Inverse.apply(a)
        return (grad * d).unsqueeze(-1).unsqueeze(-1) * _mT(inverse)


class LogAbsDeterminant(Function):
    """log |det A| (the second output of slogdet): its own primitive, since log(det A) over- and underflows
    where the determinant does, and the sign has no gradient."""

    __slots__ = ()
    derivative = "dA = dd A^-T"

    @staticmethod
    def forward(ctx, a):
        _, logabsdet = ctx.xp.linalg.slogdet(a)
        ctx.save_for_backward(a)
        return ctx.xp.asarray(logabsdet, dtype=a.dtype)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        return grad.unsqueeze(-1).unsqueeze(-1) * _mT(Inverse.apply(a))


class Solve(Function):
    __slots__ = ()
    derivative = "dB = A^-T dX, dA = -dB X^T"

    @staticmethod
    def forward(ctx, a, b):
        x = _checked("solve", lambda: ctx.xp.linalg.solve(a, b))
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved
        grad_b = Solve.apply(_mT(a), grad)
        return -(grad_b @ _mT(x)), grad_b


def inv(a: Tensor) -> Tensor:
    _square("inv", a)
    return Inverse.apply(a)


def det(a: Tensor) -> Tensor:
    _square("det", a)
    return Determinant.apply(a)


def slogdet(a: Tensor):
    """(sign, log |det A|): the determinant's sign (no gradient) and the log of its magnitude."""
    _square("slogdet", a)
    sign = Tensor._make(a.device.xp.linalg.slogdet(a.array)[0].astype(a.array.dtype), a.device)
    return SlogdetResult(sign, LogAbsDeterminant.apply(a))


def logdet(a: Tensor) -> Tensor:
    """log det A: NaN where the determinant is negative, -inf where it is 0 (as PyTorch)."""
    sign, logabsdet = slogdet(a)
    return logabsdet + where(sign < 0, math.nan, 0.0) + where(sign == 0, -math.inf, 0.0)


def solve(a: Tensor, b: Tensor) -> Tensor:
    """X with A X = B: b (..., n, k) or (..., n) (then a vector comes back), batched like matmul."""
    _square("solve", a)
    vector = b.ndim == a.ndim - 1
    if vector:
        b = b.unsqueeze(-1)
    if b.shape[-2] != a.shape[-1]:
        raise ShapeError(f"solve: A is {shape_str(a.shape)} but B is {shape_str(b.shape)}; B needs {a.shape[-1]} rows.")
    if b.shape[:-2] != a.shape[:-2]:
        raise ShapeError(f"solve: batch shapes differ: A {shape_str(a.shape)}, B {shape_str(b.shape)}.")
    x = Solve.apply(a, b)
    return x.squeeze(-1) if vector else x
