"""Movement primitives: reshape, permute, expand, repeat, cat, pad, flip, roll.

Reshape, permute and expand return views of their input (no copy), as in
PyTorch, and share its version counter; flip, roll, repeat, cat and pad copy.
Squeeze, unsqueeze, flatten, transpose, stack, split and chunk are composites
in `lamina.functional`.
"""

from lamina import dtypes
from lamina.autograd.function import Function
from lamina.errors import ShapeError, shape_str
from lamina.ops.shapes import as_shape, infer_shape, normalize_dim, normalize_dims


class Reshape(Function):
    __slots__ = ()
    is_view = True

    @staticmethod
    def forward(ctx, x, shape, must_view=False):
        # NOTE: NumPy checks the sizes and resolves a -1, in C; ours run only to name what it refused (on a
        # small tensor they would cost more than the reshape)
        try:
            if not must_view or x.flags.c_contiguous:  # a contiguous array's reshape is a view, always
                out = x.reshape(shape)
            else:
                out = x.reshape(shape, copy=False)  # (the keyword costs a small view time: asked only here)
        except (TypeError, ValueError):
            op = "view" if must_view else "reshape"
            infer_shape(op, as_shape(op, shape), x.size, x.shape)  # raises the ShapeError for bad sizes
            if not must_view:
                raise
            raise ShapeError(
                f"view: shape {list(shape)} is not compatible with the input's memory layout (input shape "
                f"{shape_str(x.shape)}, not contiguous), so no view exists. Use .reshape(...) instead, "
                "which copies when it must."
            ) from None
        if out.shape != shape and shape and min(shape) < -1:  # NumPy takes any negative size as -1; PyTorch refuses it
            infer_shape("view" if must_view else "reshape", shape, x.size, x.shape)  # raises the ShapeError
        return out

    @staticmethod
    def backward(ctx, grad_out):
        return grad_out.reshape(ctx.input_meta[0][0])  # the input's shape, recorded with the graph


# x[index] with None at `dim` inserts a size-1 dim there: NumPy's quickest view (quicker than a reshape,
# which also needs the new shape built), one index per dim made once
_NEW_AXIS_AT = tuple((slice(None),) * dim + (None,) for dim in range(65))


class Unsqueeze(Function):
    """A size-1 dim inserted at `dim` (in [0, ndim]); a view."""

    __slots__ = ()
    is_view = True

    @staticmethod
    def forward(ctx, x, dim):
        return x[_NEW_AXIS_AT[dim]]

    @staticmethod
    def backward(ctx, grad_out):
        return grad_out.reshape(ctx.input_meta[0][0])  # the input's shape, recorded with the graph


class Permute(Function):
    __slots__ = ("dims",)
    is_view = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, grad_out):
        inverse = [0] * len(ctx.dims)
        for position, dim in enumerate(ctx.dims):
            inverse[dim] = position
        return grad_out.permute(*inverse)


class Expand(Function):
    __slots__ = ("input_shape",)
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.input_shape = x.shape
        return ctx.device.backend.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad_out):
        from lamina.ops.elementwise import sum_to

        return sum_to(grad_out, ctx.input_shape)


class Repeat(Function):
    __slots__ = ("input_shape", "repeats")

    @staticmethod
    def forward(ctx, x, repeats):
        ctx.input_shape = x.shape
        ctx.repeats = repeats
        return ctx.xp.tile(x, repeats)

    @staticmethod
    def backward(ctx, grad_out):
        # the output is the input tiled: view it as (r0, s0, r1, s1, ...) and sum the r axes
        repeats = ctx.repeats
        sizes = (1,) * (len(repeats) - len(ctx.input_shape)) + tuple(ctx.input_shape)
        interleaved = [n for pair in zip(repeats, sizes) for n in pair]
        summed = grad_out.reshape(interleaved).sum(tuple(range(0, len(interleaved), 2)))
        return summed.reshape(ctx.input_shape)


class Cat(Function):
    __slots__ = ("dim", "sizes")

    @staticmethod
    def forward(ctx, *arrays, dim):
        ctx.dim = dim
        ctx.sizes = [a.shape[dim] for a in arrays]
        return ctx.xp.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad_out):
        grads, start = [], 0
        index = [slice(None)] * grad_out.ndim
        for size in ctx.sizes:
            index[ctx.dim] = slice(start, start + size)
            grads.append(grad_out[tuple(index)])
            start += size
        return tuple(grads)


class ConstantPad(Function):
    """Pad with a constant; `widths` is ((before, after), ...) per dim, all >= 0."""

    __slots__ = ("widths",)

    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.widths = widths
        return ctx.xp.pad(x, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, grad_out):
        index = tuple(slice(before, size - after) for (before, after), size in zip(ctx.widths, grad_out.shape))
        return grad_out[index]


class Flip(Function):
    __slots__ = ("dims",)

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return ctx.xp.flip(x, axis=dims).copy()  # a copy, as in PyTorch: writing to it must not change x

    @staticmethod
    def backward(ctx, grad_out):
        return grad_out.flip(ctx.dims)


class Roll(Function):
    __slots__ = ("shifts", "dims")

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return ctx.xp.roll(x, shifts, axis=dims)

    @staticmethod
    def backward(ctx, grad_out):
        back = tuple(-s for s in ctx.shifts) if isinstance(ctx.shifts, tuple) else -ctx.shifts
        return grad_out.roll(back, ctx.dims)


# --- public functions with argument checks ---
def reshape(x, shape):
    return Reshape.apply(x, shape=_requested_shape("reshape", shape))


def view(x, shape):
    return Reshape.apply(x, shape=_requested_shape("view", shape), must_view=True)


def _requested_shape(op, shape):
    """reshape(2, 8) as it is (Reshape.forward has NumPy check it); reshape((2, 8)) and the rest via as_shape."""
    return shape if shape and type(shape[0]) is int else as_shape(op, shape)


def permute(x, dims):
    dims = as_shape("permute", dims) if dims and not isinstance(dims[0], int) else tuple(dims)
    if sorted(dims) == list(range(x.ndim)):  # non-negative and a permutation: the common case, checked at once
        return Permute.apply(x, dims=dims)
    normalized = tuple([normalize_dim("permute", d, x.ndim) for d in dims])
    if sorted(normalized) != list(range(x.ndim)):
        raise ShapeError(
            f"permute: dims {list(dims)} are not a permutation of the {x.ndim} dims of a tensor of shape "
            f"{shape_str(x.shape)}; give each dim exactly once."
        )
    return Permute.apply(x, dims=normalized)


def expand(x, shape):
    shape = as_shape("expand", shape)
    if len(shape) < x.ndim:
        raise ShapeError(
            f"expand: the number of sizes provided ({len(shape)}) must be greater or equal to the number "
            f"of dimensions in the tensor ({x.ndim}); tensor shape {shape_str(x.shape)}."
        )
    leading = len(shape) - x.ndim
    target = list(shape)
    for axis, size in enumerate(x.shape):
        wanted = shape[leading + axis]
        if wanted == -1:
            target[leading + axis] = size
        elif size != 1 and wanted != size:
            raise ShapeError(
                f"expand: the expanded size of the tensor ({wanted}) must match the existing size ({size}) at "
                f"non-singleton dimension {leading + axis}. Target sizes: {list(shape)}. Tensor sizes: "
                f"{list(x.shape)}."
            )
    if any(s < 0 for s in target[:leading]):
        raise ShapeError(f"expand: -1 is not allowed for a new leading dimension; got sizes {list(shape)}.")
    target = tuple(target)
    return x if target == x.array.shape else Expand.apply(x, shape=target)


def repeat(x, repeats):
    repeats = as_shape("repeat", repeats)
    if len(repeats) < x.ndim:
        raise ShapeError(
            f"repeat: number of repeat dims ({len(repeats)}) can not be smaller than number of dimensions of "
            f"the tensor ({x.ndim}, shape {shape_str(x.shape)})."
        )
    return Repeat.apply(x, repeats=repeats)


def cat(tensors, dim=0):
    """Join tensors along an existing dim; all other dims must match."""
    from lamina.ops.elementwise import cast

    tensors = list(tensors)
    if not tensors:
        raise ShapeError("cat: expected a non-empty list of tensors.")
    first = tensors[0]
    dim = normalize_dim("cat", dim, first.ndim)
    for position, tensor in enumerate(tensors[1:], start=1):
        same_rank = tensor.ndim == first.ndim
        if not same_rank or any(a != b for axis, (a, b) in enumerate(zip(tensor.shape, first.shape)) if axis != dim):
            raise ShapeError(
                f"cat: sizes of tensors must match except in dimension {dim}; tensor 0 has shape "
                f"{shape_str(first.shape)} and tensor {position} has shape {shape_str(tensor.shape)}."
            )
    common = first.dtype
    for tensor in tensors[1:]:
        common = dtypes.promote_types(common, tensor.dtype)
    return Cat.apply(*[cast(t, common) for t in tensors], dim=dim)


def flip(x, dims):
    return Flip.apply(x, dims=normalize_dims("flip", dims, x.ndim))


def roll(x, shifts, dims=None):
    if dims is None:
        return Roll.apply(x.reshape(-1), shifts=shifts, dims=0).reshape(x.shape)
    if isinstance(shifts, int):
        shifts, dims = (shifts,), (dims,) if isinstance(dims, int) else tuple(dims)
    dims = tuple(normalize_dim("roll", d, x.ndim) for d in (dims if not isinstance(dims, int) else (dims,)))
    if len(tuple(shifts)) != len(dims):
        raise ShapeError(f"roll: shifts {shifts} and dims {dims} must have the same length.")
    return Roll.apply(x, shifts=tuple(shifts), dims=dims)
