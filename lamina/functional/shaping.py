"""Shape and selection composites at PyTorch's names: narrow, select, unbind, unflatten, meshgrid,
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
