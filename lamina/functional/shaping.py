"""Shape and selection composites at PyTorch's names: narrow, unfold, select, unbind, unflatten, meshgrid,
repeat_interleave, masked_select, one_hot. All are views or index gathers of primitives."""

import builtins

from lamina import dtypes
from lamina.errors import DTypeError, ShapeError, shape_str
from lamina.ops.indexing import getitem
from lamina.ops.movement import expand, reshape
from lamina.ops.shapes import broadcast_shape, normalize_dim
from lamina.tensor import Tensor


def narrow(x: Tensor, dim: int, start, length: int) -> Tensor:
    """x's elements start .. start + length - 1 along dim: a view."""
    dim = normalize_dim("narrow", dim, x.ndim)
    size = x.shape[dim]
    start = int(start)
    if start < 0:
        start += size
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise IndexError(
            f"narrow: start ({start}) + length ({length}) exceeds dimension {dim} of size {size} "
            f"(input shape {shape_str(x.shape)})."
        )
    return getitem(x, (slice(None),) * dim + (slice(start, start + length),))


def unfold(x: Tensor, dim: int, size: int, step: int) -> Tensor:
    """Tensor.unfold: the windows x[..., i*step : i*step + size, ...] along dim, stacked in dim, each
    window's elements in a new last dim (a gather: gradients add up where windows overlap)."""
    if x.ndim == 0:
        x = x.reshape(1)
    dim = normalize_dim("unfold", dim, x.ndim)
    length = x.shape[dim]
    if not isinstance(size, int) or not 0 <= size <= length:
        raise ShapeError(f"unfold: size {size} must be between 0 and the size {length} of dimension {dim}.")
    if not isinstance(step, int) or step <= 0:
        raise ValueError(f"unfold: step must be a positive integer; got {step!r}.")
    xp = x.device.xp
    windows = (length - size) // step + 1
    starts = xp.arange(windows).reshape(windows, 1) * step
    positions = (starts + xp.arange(size).reshape(1, size)).reshape(-1)
    picked = getitem(x, (slice(None),) * dim + (positions,))  # dim now holds windows * size entries
    split = reshape(picked, x.shape[:dim] + (windows, size) + x.shape[dim + 1 :])
    return split.movedim(dim + 1, -1)


def select(x: Tensor, dim: int, index: int) -> Tensor:
    """x[..., index, ...] at `dim`: that dim removed."""
    dim = normalize_dim("select", dim, x.ndim)
    size = x.shape[dim]
    if not -size <= index < size:
        raise IndexError(f"select: index {index} is out of range for dimension {dim} with size {size}.")
    return getitem(x, (slice(None),) * dim + (int(index),))


def unbind(x: Tensor, dim: int = 0) -> tuple:
    """The slices along dim, each without it."""
    dim = normalize_dim("unbind", dim, x.ndim)
    return tuple(select(x, dim, i) for i in range(x.shape[dim]))


def unflatten(x: Tensor, dim: int, sizes) -> Tensor:
    """Split dim into `sizes` (one entry may be -1)."""
    dim = normalize_dim("unflatten", dim, x.ndim)
    sizes = tuple(int(s) for s in sizes)
    known = 1
    for s in sizes:
        known *= s if s != -1 else 1
    if sizes.count(-1) > 1 or (-1 not in sizes and known != x.shape[dim]) or (known and x.shape[dim] % known):
        raise ShapeError(
            f"unflatten: sizes {sizes} do not multiply to dimension {dim}'s size {x.shape[dim]} "
            f"(input shape {shape_str(x.shape)})."
        )
    return reshape(x, x.shape[:dim] + sizes + x.shape[dim + 1 :])


def meshgrid(*tensors, indexing: str = "ij") -> tuple:
    """Coordinate grids from 1-D tensors; indexing 'ij' (matrix, PyTorch's default) or 'xy' (Cartesian)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy'; got {indexing!r}.")
    for i, t in enumerate(tensors):
        if t.ndim > 1:
            raise ShapeError(f"meshgrid: expects 0-D or 1-D tensors; tensor {i} has shape {shape_str(t.shape)}.")
    flat = [t.reshape(-1) for t in tensors]
    swap = indexing == "xy" and len(flat) >= 2
    if swap:
        flat[0], flat[1] = flat[1], flat[0]
    shape = tuple(t.shape[0] for t in flat)
    grids = []
    for axis, t in enumerate(flat):
        view = [1] * len(flat)
        view[axis] = -1
        grids.append(expand(t.reshape(*view), shape))
    if swap:  # 'xy' is 'ij' of (y, x, ...) with the first two grids handed back in (x, y) order
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def repeat_interleave(x: Tensor, repeats=None, dim=None, *, output_size=None) -> Tensor:
    """Each element repeated `repeats` times along dim (flattened when dim is None).

    `repeat_interleave(counts)` with one integer tensor gives the indices 0, 0, 1, 2, 2, ... (as PyTorch)."""
    if repeats is None:
        counts = x
        index = x.device.xp.repeat(x.device.xp.arange(counts.shape[0]), counts.array)
        return Tensor._make(index.astype("int64"), x.device)
    if dim is None:
        x, dim = x.reshape(-1), 0
    dim = normalize_dim("repeat_interleave", dim, x.ndim)
    xp = x.device.xp
    counts = repeats.array if isinstance(repeats, Tensor) else int(repeats)
    if isinstance(repeats, Tensor) and repeats.ndim == 1 and repeats.shape[0] not in (1, x.shape[dim]):
        raise ShapeError(
            f"repeat_interleave: repeats has {repeats.shape[0]} entries for dimension {dim} of size {x.shape[dim]}."
        )
    if xp.any(xp.asarray(counts) < 0):
        raise ValueError("repeat_interleave: repeats must be non-negative.")
    index = xp.repeat(xp.arange(x.shape[dim]), counts)
    return getitem(x, (slice(None),) * dim + (Tensor._make(index, x.device),))


def masked_select(x: Tensor, mask: Tensor) -> Tensor:
    """The elements of x where the (broadcast) bool mask is true, as a 1-D tensor."""
    if mask.array.dtype.kind != "b":
        raise DTypeError(f"masked_select: mask must be a bool tensor; got {mask.dtype.name}.")
    if mask.shape != x.shape:
        shape = broadcast_shape("masked_select", x.shape, mask.shape)
        x, mask = expand(x, shape), expand(mask, shape)
    return getitem(x, mask)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices (...) -> (..., num_classes) int64 with a 1 at each index (nn.functional.one_hot)."""
    if tensor.array.dtype.kind not in "iu":
        raise DTypeError(f"one_hot: expects an integer (int64) tensor of class indices; got {tensor.dtype.name}.")
    xp = tensor.device.xp
    low = int(tensor.array.min()) if tensor.numel() else 0
    high = int(tensor.array.max()) if tensor.numel() else -1
    if num_classes == -1:
        num_classes = high + 1
    if low < 0 or high >= num_classes:
        bad = low if low < 0 else high
        raise IndexError(f"one_hot: class index {bad} is out of range for num_classes={num_classes}.")
    classes = xp.arange(builtins.max(num_classes, 0))
    return Tensor._make((tensor.array[..., None] == classes).astype(dtypes.int64.numpy), tensor.device)


# --- more of PyTorch's rearrangements: views, stacks and splits of primitives ---
def movedim(x: Tensor, source, destination) -> Tensor:
    """Dims `source` moved to `destination` (ints or sequences), the others keeping their order."""
    source = [source] if isinstance(source, int) else list(source)
    destination = [destination] if isinstance(destination, int) else list(destination)
    source = [normalize_dim("movedim", d, x.ndim) for d in source]
    destination = [normalize_dim("movedim", d, x.ndim) for d in destination]
    if len(source) != len(destination) or len(set(source)) != len(source) or len(set(destination)) != len(destination):
        raise ValueError(f"movedim: source {source} and destination {destination} must be distinct dims, as many.")
    order = [d for d in range(x.ndim) if d not in source]
    for dst, src in sorted(zip(destination, source)):
        order.insert(dst, src)
    return x.permute(*order)


moveaxis = movedim


def swapaxes(x: Tensor, axis0: int, axis1: int) -> Tensor:
    return x.transpose(axis0, axis1)


swapdims = swapaxes


def tile(x: Tensor, dims) -> Tensor:
    dims = tuple(dims)
    if len(dims) < x.ndim:
        dims = (1,) * (x.ndim - len(dims)) + dims
    return x.repeat(*dims)


def atleast_1d(*tensors):
    result = tuple(t.reshape(1) if t.ndim == 0 else t for t in _flat(tensors))
    return result[0] if len(result) == 1 else result


def atleast_2d(*tensors):
    result = tuple(t.reshape(1, -1) if t.ndim < 2 else t for t in _flat(tensors))
    return result[0] if len(result) == 1 else result


def atleast_3d(*tensors):
    def lift(t):
        return (
            t.reshape(1, 1, 1)
            if t.ndim == 0
            else t.reshape(1, -1, 1)
            if t.ndim == 1
            else t.unsqueeze(-1)
            if t.ndim == 2
            else t
        )

    result = tuple(lift(t) for t in _flat(tensors))
    return result[0] if len(result) == 1 else result


def _flat(tensors):
    return tuple(tensors[0]) if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors


def hstack(tensors) -> Tensor:
    from lamina.ops.movement import cat

    tensors = atleast_1d(*tensors)
    tensors = tensors if isinstance(tensors, tuple) else (tensors,)
    return cat(list(tensors), 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    from lamina.ops.movement import cat

    tensors = atleast_2d(*tensors)
    return cat(list(tensors if isinstance(tensors, tuple) else (tensors,)), 0)


row_stack = vstack


def dstack(tensors) -> Tensor:
    from lamina.ops.movement import cat

    tensors = atleast_3d(*tensors)
    return cat(list(tensors if isinstance(tensors, tuple) else (tensors,)), 2)


def column_stack(tensors) -> Tensor:
    from lamina.ops.movement import cat

    columns = [t.reshape(-1, 1) if t.ndim < 2 else t for t in tensors]
    return cat(columns, 1)


def broadcast_tensors(*tensors) -> tuple:
    shape = ()
    for t in tensors:
        shape = broadcast_shape("broadcast_tensors", shape, t.shape)
    return tuple(expand(t, shape) for t in tensors)


def broadcast_shapes(*shapes) -> tuple:
    result = ()
    for s in shapes:
        result = broadcast_shape("broadcast_shapes", result, (s,) if isinstance(s, int) else tuple(s))
    return result


def take_along_dim(x: Tensor, indices: Tensor, dim=None) -> Tensor:
    from lamina.ops.indexing import gather

    if dim is None:
        return gather(x.reshape(-1), 0, indices.reshape(-1))
    shape = broadcast_shape("take_along_dim", tuple(s if i != dim % x.ndim else 1 for i, s in enumerate(x.shape)),
                            tuple(s if i != dim % x.ndim else 1 for i, s in enumerate(indices.shape)))  # fmt: skip
    x_shape = tuple(shape[i] if i != dim % x.ndim else x.shape[i] for i in range(x.ndim))
    i_shape = tuple(shape[i] if i != dim % x.ndim else indices.shape[i] for i in range(x.ndim))
    return gather(expand(x, x_shape), dim, expand(indices, i_shape))


def fliplr(x: Tensor) -> Tensor:
    return x.flip(1)


def flipud(x: Tensor) -> Tensor:
    return x.flip(0)


def rot90(x: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate by 90 degrees k times in the plane of dims, from the first towards the second."""
    first, second = dims
    k %= 4
    if k == 1:
        return x.flip(second).transpose(first, second)
    if k == 2:
        return x.flip((first, second))
    if k == 3:
        return x.transpose(first, second).flip(second)
    return x.clone()


def tensor_split(x: Tensor, indices_or_sections, dim: int = 0) -> tuple:
    """Split into n nearly equal parts (the first ones one longer), or at the given indices."""
    dim = normalize_dim("tensor_split", dim, x.ndim)
    length = x.shape[dim]
    if isinstance(indices_or_sections, int):
        n = indices_or_sections
        base, extra = divmod(length, n)
        bounds, start = [], 0
        for i in range(n):
            start += base + (1 if i < extra else 0)
            bounds.append(start)
        bounds = bounds[:-1]
    else:
        bounds = [int(i) for i in indices_or_sections]
    edges = [0, *bounds, length]
    return tuple(
        narrow(x, dim, min(a, length), max(0, min(b, length) - min(a, length))) for a, b in zip(edges, edges[1:])
    )


def hsplit(x: Tensor, sections) -> tuple:
    return tensor_split(x, sections, 1 if x.ndim > 1 else 0)


def vsplit(x: Tensor, sections) -> tuple:
    return tensor_split(x, sections, 0)


def diff(x: Tensor, n: int = 1, dim: int = -1, prepend=None, append=None) -> Tensor:
    from lamina.ops.movement import cat

    dim = normalize_dim("diff", dim, x.ndim)
    if prepend is not None or append is not None:
        x = cat([t for t in (prepend, x, append) if t is not None], dim)
    for _ in range(n):
        length = x.shape[dim]
        x = narrow(x, dim, 1, length - 1) - narrow(x, dim, 0, length - 1)
    return x


def ravel(x: Tensor) -> Tensor:
    """x flattened to 1-D (a view where the layout allows)."""
    return reshape(x, (-1,))


def unravel_index(indices, shape) -> tuple:
    """The coordinates, one tensor per dim of `shape`, of flat (row-major) indices; negative ones count from the
    end, as PyTorch."""
    from lamina import creation

    if not isinstance(indices, Tensor):
        indices = creation.tensor(indices)
    if indices.array.dtype.kind not in "iu":
        raise DTypeError(f"unravel_index: indices must be integers; got {indices.dtype.name}.")
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    total = 1
    for size in shape:
        total *= size
    flat = indices.array
    if flat.size and (int(flat.max()) >= total or int(flat.min()) < -total):
        raise IndexError(f"unravel_index: an index is out of range for shape {shape} ({total} elements).")
    xp = indices.device.xp
    coordinates = xp.unravel_index(xp.where(flat < 0, flat + total, flat), shape)
    return tuple(Tensor._make(xp.asarray(c, dtype=xp.int64), indices.device) for c in coordinates)
