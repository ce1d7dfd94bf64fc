"""Reduction primitives: sum, sum-to-shape, max/min over dims, product.

Mean, var, std, logsumexp and friends are composites of these in
`lamina.functional`. Each reduction takes `dims` as a sorted tuple of
non-negative dims (normalised by the caller) and `keepdim`.
"""

from lamina.autograd.function import Function
from lamina.autograd.grad_mode import state
from lamina.errors import ShapeError, shape_str
from lamina.ops.movement import Expand, Reshape
from lamina.ops.shapes import count_over
from lamina.tensor import Tensor


def keepdim_shape(shape, dims) -> tuple:
    """The shape of a reduction over `dims` with keepdim=True: those dims become 1."""
    return tuple([1 if axis in dims else size for axis, size in enumerate(shape)])


class Sum(Function):
    __slots__ = ("input_shape", "dims")
    derivative = "dz/dx_i = 1 (the gradient is broadcast back)"

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.input_shape, ctx.dims = x.shape, dims
        kernels = ctx.device.backend.kernels  # (small tensors in C: NumPy's call costs more than the sum)
        if len(dims) == x.ndim:  # the whole tensor (loss.sum())
            return kernels.sum_all(x, keepdim)
        return kernels.sum_dims(x, dims, keepdim)

    @staticmethod
    def backward(ctx, grad_out):
        # every input element contributed once: broadcast the gradient back over the summed dims
        kept = keepdim_shape(ctx.input_shape, ctx.dims)
        if not state.grad_enabled:  # a plain backward records nothing: the broadcast view directly (per-op cost)
            grad = grad_out.array.reshape(kept)
            return Tensor._make(ctx.device.backend.broadcast_to(grad, ctx.input_shape), ctx.device)
        grad = Reshape.apply(grad_out, shape=kept)
        return Expand.apply(grad, shape=ctx.input_shape) if grad.shape != ctx.input_shape else grad


class Mean(Function):
    """The sum divided by the count, as one primitive: loss.mean() is one op, not a sum and a division."""

    __slots__ = ("input_shape", "dims", "count")
    derivative = "dz/dx_i = 1/n (the gradient is broadcast back, divided by the count n)"

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.count = count = count_over(x.shape, dims)
        total = Sum.forward(ctx, x, dims, keepdim)  # new memory (never a view of x), or a NumPy scalar
        if count == 0:  # the mean of nothing is NaN (as PyTorch), without NumPy's division warning
            return ctx.xp.full(ctx.xp.shape(total), float("nan"), x.dtype)
        if type(total) is not ctx.device.array_type:
            return total / count
        total /= count  # in place: no second array (and a 0-d array stays an array, not a scalar)
        return total

    @staticmethod
    def backward(ctx, grad_out):
        return Sum.backward(ctx, grad_out) / ctx.count


class SumTo(Function):
    """Sum over the dims that broadcasting added or stretched, giving `shape` (adjoint of expand)."""

    __slots__ = ("input_shape",)

    derivative = "dz/dx_i = 1 (the gradient is broadcast back)"

    @staticmethod
    def forward(ctx, x, shape):
        ctx.input_shape = x.shape
        leading = x.ndim - len(shape)
        stretched = tuple(leading + i for i, size in enumerate(shape) if size == 1 and x.shape[leading + i] != 1)
        if not leading and not stretched:
            return x.reshape(shape)
        summed = ctx.device.backend.kernels.sum_dims(x, tuple(range(leading)) + stretched, True)
        return summed.reshape(shape)

    @staticmethod
    def backward(ctx, grad_out):
        return Expand.apply(grad_out, shape=ctx.input_shape)


class _Extremum(Function):
    """amax/amin: the gradient is shared evenly between tied extreme elements (as PyTorch)."""

    __slots__ = ("dims",)

    reduce_name = ""

    @classmethod
    def forward(cls, ctx, x, dims, keepdim):
        largest = cls.reduce_name == "amax"
        if len(dims) == x.ndim and x.size:  # the whole tensor: the kernel set's (a small one in C)
            kernels = ctx.device.backend.kernels
            out = (kernels.max_all if largest else kernels.min_all)(x, keepdim)
        elif x.size == 0 and any(x.shape[d] == 0 for d in dims):
            raise ShapeError(
                f"{cls.reduce_name}: cannot reduce over a dimension of size 0 (input shape {shape_str(x.shape)}); "
                "the extremum of an empty set is undefined. Check the input or pass a different dim."
            )
        else:
            out = (x.max if largest else x.min)(axis=dims, keepdims=keepdim)
        if ctx.needs_input_grad:  # (empty where no graph is recorded: then nothing to keep)
            ctx.dims = dims
            ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        x, out = ctx.saved
        keep = keepdim_shape(x.shape, ctx.dims)
        winners = (x == out.reshape(keep)).to(grad_out.dtype)
        count = winners.sum(ctx.dims, keepdim=True)
        return winners * (grad_out.reshape(keep) / count)


class Amax(_Extremum):
    __slots__ = ()
    reduce_name = "amax"


class Amin(_Extremum):
    __slots__ = ()
    reduce_name = "amin"


class Prod(Function):
    __slots__ = ("dims",)
    derivative = "dz/dx_i = product of the other elements"

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.dims = dims
        out = x.prod(axis=dims, keepdims=keepdim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        # d(prod x)/dx_i = the product of the others. That is prod / x_i when no x is 0; with
        # zeros it is computed directly (an n x n product, so only then), which also keeps the
        # second derivative right.
        x, out = ctx.saved
        keep = keepdim_shape(x.shape, ctx.dims)
        grad = grad_out.reshape(keep)
        if not (x == 0).any().item():
            return grad * (out.reshape(keep) / x)
        return grad * _product_of_others(x, ctx.dims)


def _product_of_others(x, dims):
    """For each element, the product of the other elements of its reduced slice."""
    from lamina import creation

    rest = [d for d in range(x.ndim) if d not in dims]
    moved = x.permute(*rest, *dims)  # reduced dims last
    lead = moved.shape[: len(rest)]
    n = 1
    for d in dims:
        n *= x.shape[d]
    rows = moved.reshape(*lead, 1, n).expand(*lead, n, n)  # row i: the whole slice ...
    diagonal = creation.eye(n, dtype="bool", device=x.device)
    others = Prod.apply(rows.where(~diagonal, 1.0), dims=(len(lead) + 1,), keepdim=False)  # ... with x_i -> 1
    inverse = [0] * x.ndim
    for position, d in enumerate(rest + list(dims)):
        inverse[d] = position
    return others.reshape(moved.shape).permute(*inverse)
