"""Indexing primitives: `x[index]`, gather, scatter_add, and their adjoints.

`x[index]` with only ints, slices, None and Ellipsis is basic indexing: a view
of x (as in PyTorch). An index holding integer arrays, lists or bool masks is
advanced indexing: a copy, whose backward adds every repeated position.
"""

from lamina.autograd.function import Function
from lamina.backend import deferred
from lamina.errors import DeviceError, DTypeError, ShapeError, shape_str
from lamina.ops.shapes import normalize_dim
from lamina.tensor import Tensor


def is_basic(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, slice)) for p in parts)


class GetItem(Function):
    """x[index] with advanced (integer-array or mask) indexing: a copy."""

    __slots__ = ("input_shape", "index")

    @staticmethod
    def forward(ctx, x, index):
        ctx.input_shape, ctx.index = x.shape, index
        return x[index]

    @staticmethod
    def backward(ctx, grad_out):
        return IndexAdd.apply(grad_out, shape=ctx.input_shape, index=ctx.index)


class Slice(GetItem):
    """x[index] with basic indexing: a view of x."""

    __slots__ = ()

    is_view = True


class IndexAdd(Function):
    """zeros(shape) with `values` added at `index` (repeated positions add up): the adjoint of x[index]."""

    __slots__ = ("index",)

    @staticmethod
    def forward(ctx, values, shape, index):
        ctx.index = index
        out = ctx.xp.zeros(shape, dtype=values.dtype)
        if is_basic(index):
            out[index] = values  # basic indexing never repeats a position
        else:
            ctx.device.backend.index_add(out, index, values)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        return getitem(grad_out, ctx.index)


def _full_index(xp, index, dim):
    """The tuple indexing x at index[i, j, ...] along dim and at (i, j, ...) along the others."""
    grid = list(xp.ix_(*[xp.arange(size) for size in index.shape]))
    grid[dim] = index
    return tuple(grid)


class Gather(Function):
    """out[i][j] = x[i][index[i][j]] for dim=1 (and alike for every dim)."""

    __slots__ = ("input_shape", "index", "dim")

    @staticmethod
    def forward(ctx, x, index, dim):
        ctx.input_shape, ctx.index, ctx.dim = x.shape, index, dim
        return x[_full_index(ctx.xp, index, dim)]

    @staticmethod
    def backward(ctx, grad_out):
        zeros = grad_out.new_zeros(ctx.input_shape)
        return ScatterAdd.apply(zeros, grad_out, index=ctx.index, dim=ctx.dim), None


class ScatterAdd(Function):
    """out = x, then out[i][index[i][j]] += src[i][j] for dim=1 (and alike)."""

    __slots__ = ("index", "dim")

    @staticmethod
    def forward(ctx, x, src, index, dim):
        ctx.index, ctx.dim = index, dim
        out = x.copy()
        ctx.device.backend.index_add(out, _full_index(ctx.xp, index, dim), src)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        grad_src = Gather.apply(grad_out, Tensor._make(ctx.index, grad_out.device), dim=ctx.dim)
        return grad_out, grad_src


# --- public functions with argument checks ---
def _index_part(x, part):
    if isinstance(part, Tensor):
        if part.device is not x.device:
            raise DeviceError(
                f"index: the index tensor is on {part.device} but the indexed tensor is on {x.device}; "
                "move the index with .to(device)."
            )
        if part.array.dtype.kind not in "iub":
            raise DTypeError(f"index: tensors used as indices must be integer or bool tensors; got {part.dtype.name}.")
        return part.array
    if isinstance(part, (list, tuple)):
        return x.device.backend.asarray(part)
    return part


def getitem(x, index):
    if type(index) is int or type(index) is slice:  # x[i], x[a:b]: a view, nothing to convert (per-op cost)
        return Slice.apply(x, index=index)
    parts = index if isinstance(index, tuple) else (index,)
    converted = tuple(_index_part(x, p) for p in parts)
    index = converted if isinstance(index, tuple) else converted[0]
    if is_basic(index):
        return Slice.apply(x, index=index)
    return GetItem.apply(x, index=index)


def _check_index_tensor(op, x, dim, index):
    if not isinstance(index, Tensor) or index.array.dtype.kind not in "iu":
        got = index.dtype.name if isinstance(index, Tensor) else type(index).__name__
        raise DTypeError(f"{op}: index must be an integer tensor (int64); got {got}.")
    if index.ndim != x.ndim:
        raise ShapeError(
            f"{op}: index tensor must have the same number of dimensions as input; got index shape "
            f"{shape_str(index.shape)} and input shape {shape_str(x.shape)}."
        )
    for axis, (n_index, n_x) in enumerate(zip(index.shape, x.shape)):
        if axis != dim and n_index > n_x:
            raise ShapeError(
                f"{op}: size of index {shape_str(index.shape)} exceeds the input's {shape_str(x.shape)} at "
                f"dimension {axis}; it may only be larger along dim {dim}."
            )
    size = x.shape[dim]
    deferred.require_in_range(  # checked before indexing: NumPy would wrap negatives silently
        index.array,
        0,
        size,
        lambda bad: IndexError(f"{op}: index {bad} is out of bounds for dimension {dim} with size {size}."),
        op,
    )


def gather(x, dim, index):
    dim = normalize_dim("gather", dim, x.ndim)
    _check_index_tensor("gather", x, dim, index)
    if index.shape != x.shape:
        # PyTorch allows an index smaller than x outside `dim`: gather only from that corner
        corner = tuple(slice(None) if axis == dim else slice(0, n) for axis, n in enumerate(index.shape))
        x = x[corner]
    return Gather.apply(x, index, dim=dim)


def scatter_add(x, dim, index, src):
    dim = normalize_dim("scatter_add", dim, x.ndim)
    _check_index_tensor("scatter_add", x, dim, index)
    if src.ndim != index.ndim or any(s < i for s, i in zip(src.shape, index.shape)):
        raise ShapeError(
            f"scatter_add: src shape {shape_str(src.shape)} must be at least the index shape "
            f"{shape_str(index.shape)} in every dimension."
        )
    if src.shape != index.shape:
        src = src[tuple(slice(0, n) for n in index.shape)]  # only the corner the index covers is used
    from lamina.ops.elementwise import cast

    return ScatterAdd.apply(x, cast(src, x.dtype), index=index.array, dim=dim)


def scatter(x, dim, index, src, reduce=None):
    """out = x with out[i][index[i][j]] = src[i][j] for dim=1 (src may be a number); reduce='add' adds."""
    from lamina.ops.elementwise import cast

    dim = normalize_dim("scatter", dim, x.ndim)
    _check_index_tensor("scatter", x, dim, index)
    if isinstance(src, Tensor):
        if src.ndim != index.ndim or any(s < i for s, i in zip(src.shape, index.shape)):
            raise ShapeError(
                f"scatter: src shape {shape_str(src.shape)} must be at least the index shape "
                f"{shape_str(index.shape)} in every dimension."
            )
        src = cast(src[tuple(slice(0, n) for n in index.shape)], x.dtype)
    else:
        src = x.new_full(index.shape, src)
    if reduce == "add":
        return ScatterAdd.apply(x, src, index=index.array, dim=dim)
    if reduce is not None:
        raise ValueError(
            f"scatter: reduce must be None or 'add'; got {reduce!r} (PyTorch deprecates reduce= here; "
            "for a product, multiply by a scatter of the factors)."
        )
    position = _full_index(x.device.xp, index.array, dim)
    return IndexPut.apply(x, src, index=position)


def index_add(x, dim, index, source):
    """out = x, then out[..., index[i], ...] += source[..., i, ...] along dim (repeats add up)."""
    from lamina.ops.elementwise import cast

    position = _slices_at(index_add, x, dim, index, source)
    return x + IndexAdd.apply(cast(source, x.dtype), shape=x.shape, index=position)


def _slices_at(op, x, dim, index, source):
    """The index (slice(None), ..., index) of the slices that index_add / index_copy write, once their checks
    pass: a 1-D integer index in range (on the device) and a source of x's shape but index's length at dim."""
    name = op.__name__
    dim = normalize_dim(name, dim, x.ndim)
    if not isinstance(index, Tensor) or index.ndim > 1 or index.array.dtype.kind not in "iu":
        raise DTypeError(f"{name}: index must be a 1-D integer tensor.")
    index = index.reshape(-1)
    expected = x.shape[:dim] + (index.shape[0],) + x.shape[dim + 1 :]
    if source.shape != expected:
        raise ShapeError(
            f"{name}: source shape {shape_str(source.shape)} must be {shape_str(expected)} (input "
            f"{shape_str(x.shape)} with dimension {dim} of the index's length {index.shape[0]})."
        )
    deferred.require_in_range(
        index.array,
        0,
        x.shape[dim],
        lambda bad: IndexError(f"{name}: index {bad} out of range for dimension {dim} with size {x.shape[dim]}."),
        name,
    )
    return (slice(None),) * dim + (index.array,)


def index_fill(x, dim, index, value):
    """x with the slices at `index` along dim set to value."""
    dim = normalize_dim("index_fill", dim, x.ndim)
    deferred.require_in_range(
        index.array,
        -x.shape[dim],
        x.shape[dim],
        lambda bad: IndexError(f"index_fill: index {bad} out of range for dimension {dim} with size {x.shape[dim]}."),
        "index_fill",
    )
    position = (slice(None),) * dim + (index.array.reshape(-1),)
    return IndexPut.apply(x, x.new_full((), value), index=position)


def index_copy(x, dim, index, source):
    """x with the slices at `index` along dim replaced by source's (index_add's checks; a repeated index
    keeps one of its sources, which one unspecified, as in PyTorch)."""
    from lamina.ops.elementwise import cast

    return IndexPut.apply(x, cast(source, x.dtype), index=_slices_at(index_copy, x, dim, index, source))


def index_put(x, indices, values, accumulate=False):
    """x with x[indices] = values, or += values with accumulate=True (then repeated positions add up)."""
    from lamina.ops.elementwise import cast

    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put: indices must be a tuple of tensors; got {type(indices).__name__}.")
    position = tuple(_index_part(x, part) for part in indices)
    values = values if isinstance(values, Tensor) else x.new_tensor(values)
    values = cast(values, x.dtype)
    if not accumulate:
        return IndexPut.apply(x, values, index=position)
    target_shape = x.array[position].shape  # the shape x[indices] has: values broadcast to it
    return x + IndexAdd.apply(values.expand(target_shape), shape=x.shape, index=position)


class IndexPut(Function):
    """out = x with out[index] = value (the recorded form of `x[index] = value`)."""

    __slots__ = ("index", "value_shape")

    @staticmethod
    def forward(ctx, x, value, index):
        ctx.index, ctx.value_shape = index, value.shape
        out = x.copy()
        out[index] = value
        return out

    @staticmethod
    def backward(ctx, grad_out):
        from lamina.ops.elementwise import sum_to

        # x's entries at index were overwritten: they get no gradient; value gets what flowed there
        grad_x = IndexPut.apply(grad_out, grad_out.new_zeros(()), index=ctx.index) if ctx.needs_input_grad[0] else None
        grad_value = None
        if ctx.needs_input_grad[1]:
            picked = getitem(grad_out, ctx.index)
            grad_value = (
                sum_to(picked, ctx.value_shape)
                if picked.ndim >= len(ctx.value_shape)
                else picked.reshape(ctx.value_shape)
            )
        return grad_x, grad_value
