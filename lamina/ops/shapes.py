"""Shape arithmetic shared by the ops: dims, broadcasting, size checks.

Checks are cheap integer comparisons done at the op boundary, so a wrong
shape is reported with the op's name before any array math runs.
"""

import math
import operator

from lamina.errors import ShapeError, shape_str


def normalize_dim(op: str, dim: int, ndim: int) -> int:
    """A dim in [-ndim, ndim) made non-negative; IndexError naming the op otherwise."""
    if type(dim) is not int:
        dim = _as_dim(op, dim)
    bound = ndim if ndim > 0 else 1  # a 0-d tensor accepts dim 0 and -1, as in PyTorch (no max(): per-op cost)
    if not -bound <= dim < bound:
        raise IndexError(
            f"{op}: dimension out of range (expected to be in range of [{-bound}, {bound - 1}], "
            f"but got {dim}) for a tensor with {ndim} dims."
        )
    return dim % bound if ndim else 0


def _as_dim(op: str, dim) -> int:
    """An integer-like dim (a NumPy integer) as an int; a TypeError naming the op for anything else."""
    try:
        return operator.index(dim)
    except TypeError:
        raise TypeError(f"{op}: dim must be an int, not {type(dim).__name__} ({dim!r}).") from None


# (0, 1, ..., n - 1) and its reverse for every n NumPy allows, made once: ops ask for them on every call
ALL_DIMS = tuple(tuple(range(ndim)) for ndim in range(65))
REVERSED_DIMS = tuple(dims[::-1] for dims in ALL_DIMS)


def count_over(shape, dims) -> int:
    """How many elements a reduction over `dims` of `shape` combines (1 for no dims)."""
    count = 1
    for d in dims:
        count *= shape[d]
    return count


def normalize_dims(op: str, dim, ndim: int):
    """None (all dims), an int or a sequence of ints -> a sorted tuple of non-negative dims."""
    if dim is None:
        return ALL_DIMS[ndim]
    if isinstance(dim, int) or not hasattr(dim, "__iter__"):  # one dim (a NumPy integer too)
        dim = normalize_dim(op, dim, ndim)  # (checked also for a 0-d tensor, which has dims 0 and -1)
        return (dim,) if ndim else ()
    normalized = [normalize_dim(op, d, ndim) for d in dim]
    for d in normalized:
        if normalized.count(d) > 1:
            raise ShapeError(f"{op}: dim {d} appears multiple times in the list of dims {tuple(dim)}.")
    dims = tuple(sorted(normalized))
    return dims if ndim else ()


def broadcast_shape(op: str, shape_a, shape_b) -> tuple:
    """The broadcast of two shapes, or ShapeError naming the op, both shapes and the axis."""
    if shape_a == shape_b:
        return tuple(shape_a)
    ndim = max(len(shape_a), len(shape_b))
    padded_a = (1,) * (ndim - len(shape_a)) + tuple(shape_a)
    padded_b = (1,) * (ndim - len(shape_b)) + tuple(shape_b)
    result = []
    for axis, (a, b) in enumerate(zip(padded_a, padded_b)):
        if a != b and a != 1 and b != 1:
            raise ShapeError(
                f"{op}: shapes {shape_str(shape_a)} and {shape_str(shape_b)} cannot be broadcast: the size "
                f"of tensor a ({a}) must match the size of tensor b ({b}) at non-singleton dimension "
                f"{axis} (of the broadcast shape, aligned from the right). Reshape or unsqueeze one of them so "
                "the sizes match or are 1."
            )
        result.append(max(a, b) if a != 0 and b != 0 else 0)
    return tuple(result)


def infer_shape(op: str, shape, numel: int, input_shape) -> tuple:
    """Resolve one -1 in a requested shape; ShapeError when the sizes cannot match."""
    shape = tuple(map(int, shape))
    # NOTE: the common case (no -1, no negative size) in C-level calls: a reshape of a small tensor is
    # mostly this check, and the loops below cost more than the reshape itself
    if -1 not in shape and (not shape or min(shape) >= 0) and math.prod(shape) == numel:
        return shape
    unknown = [i for i, s in enumerate(shape) if s == -1]
    if len(unknown) > 1 or any(s < -1 for s in shape):
        raise ShapeError(f"{op}: shape {list(shape)} is invalid: at most one -1 and no other negative sizes.")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if unknown:
        if known == 0 or numel % known:
            raise ShapeError(
                f"{op}: shape {list(shape)} is invalid for input of size {numel} "
                f"(input shape {shape_str(input_shape)})."
            )
        shape = shape[: unknown[0]] + (numel // known,) + shape[unknown[0] + 1 :]
    elif known != numel:
        raise ShapeError(
            f"{op}: shape {list(shape)} is invalid for input of size {numel} (input shape "
            f"{shape_str(input_shape)}); the number of elements must stay the same."
        )
    return shape


def as_shape(op: str, args) -> tuple:
    """Accept f(2, 3), f((2, 3)) and f([2, 3]) alike; a size must be an integer (2.5 is an error, not 2)."""
    if len(args) == 1 and type(args[0]) is not int and hasattr(args[0], "__iter__") and getattr(args[0], "ndim", 1):
        args = args[0]  # a sequence of sizes; not 2.0 (one bad size) or a 0-d tensor or np.int64 (one size)
    try:
        return tuple(map(operator.index, args))
    except TypeError:
        raise ShapeError(
            f"{op}: sizes {list(args)} hold one that is not an integer; sizes must be ints (as in PyTorch): "
            "(2, 8), not (2.0, 8) or (2.5, 8)."
        ) from None
