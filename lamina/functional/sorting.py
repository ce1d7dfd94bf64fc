"""Sorting and searching at PyTorch's names: sort, argsort, topk, median, kthvalue, cummax/cummin, nonzero,
unique, bincount, searchsorted.

Values are taken from the input with `gather` (a primitive), so sorted values carry gradients to the
places they came from; indices, counts and positions are integer results outside the graph.
"""

from collections import namedtuple

from lamina import dtypes
from lamina.errors import DTypeError, ShapeError, shape_str
from lamina.ops.indexing import gather
from lamina.ops.shapes import normalize_dim
from lamina.tensor import Tensor

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def _order(x: Tensor, dim: int, descending: bool):
    """Stable sorting indices along dim; descending keeps ties in their original order too."""
    xp, data = x.device.xp, x.array
    if descending:
        # an order-reversing key that cannot overflow: -x for floats, ~x (= -x - 1) for integers and bools
        data = -data if data.dtype.kind == "f" else ~data
    return xp.argsort(data, axis=dim, kind="stable")


def _int64(array, device) -> Tensor:
    return Tensor._make(array.astype(dtypes.int64.numpy, copy=False), device)


def sort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> ValuesIndices:
    """(values, indices) sorted along dim; ties keep their order (every sort here is stable)."""
    if x.ndim == 0:
        return ValuesIndices(x.clone(), _int64(x.device.xp.zeros((), "int64"), x.device))
    dim = normalize_dim("sort", dim, x.ndim)
    indices = _int64(_order(x, dim, descending), x.device)
    return ValuesIndices(gather(x, dim, indices), indices)


def _running_extremum(op: str, x: Tensor, dim: int) -> ValuesIndices:
    """(values, indices) of the running max (or min) along dim, as PyTorch: a tie moves the index to the later
    entry, and from a NaN on the values are NaN with the index of the latest NaN."""
    if x.ndim == 0:
        return ValuesIndices(x.clone(), _int64(x.device.xp.zeros((), "int64"), x.device))
    dim = normalize_dim(op, dim, x.ndim)
    xp, data = x.device.xp, x.array
    running = (xp.maximum if op == "cummax" else xp.minimum).accumulate(data, axis=dim)
    # the index at j is the last i <= j where x_i is the running extremum itself (a new one or a tie)
    marks = data == running
    if data.dtype.kind == "f":
        marks |= xp.isnan(data)
    positions = xp.arange(data.shape[dim]).reshape((-1,) + (1,) * (data.ndim - 1 - dim))
    indices = xp.maximum.accumulate(xp.where(marks, positions, 0), axis=dim)
    indices = _int64(indices, x.device)
    return ValuesIndices(gather(x, dim, indices), indices)  # gather: the gradient goes to where each came from


def cummax(x: Tensor, dim: int) -> ValuesIndices:
    return _running_extremum("cummax", x, dim)


def cummin(x: Tensor, dim: int) -> ValuesIndices:
    return _running_extremum("cummin", x, dim)


def argsort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    return sort(x, dim, descending).indices


def topk(x: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> ValuesIndices:
    """The k largest (or smallest) entries along dim, in order, with their indices."""
    if x.ndim == 0:
        x = x.reshape(1)
    dim = normalize_dim("topk", dim, x.ndim)
    if not 0 <= k <= x.shape[dim]:
        raise IndexError(f"topk: k ({k}) must be between 0 and the size {x.shape[dim]} of dimension {dim}.")
    order = _order(x, dim, descending=largest)
    picked = order[(slice(None),) * dim + (slice(0, k),)]
    indices = _int64(picked, x.device)
    return ValuesIndices(gather(x, dim, indices), indices)


def kthvalue(x: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    """The k-th smallest entry (1-based) along dim."""
    dim = normalize_dim("kthvalue", dim, x.ndim)
    if not 1 <= k <= x.shape[dim]:
        raise IndexError(f"kthvalue: k ({k}) must be between 1 and the size {x.shape[dim]} of dimension {dim}.")
    order = _order(x, dim, descending=False)
    picked = order[(slice(None),) * dim + (slice(k - 1, k),)]
    indices = _int64(picked, x.device)
    values = gather(x, dim, indices)
    if not keepdim:
        values, indices = values.squeeze(dim), indices.squeeze(dim)
    return ValuesIndices(values, indices)


def median(x: Tensor, dim=None, keepdim: bool = False):
    """The lower median (PyTorch's: of an even count, the smaller middle value); with dim, (values, indices)."""
    if dim is None:
        if x.numel() == 0:
            raise ShapeError("median: cannot take the median of an empty tensor.")
        flat = x.reshape(-1)
        return kthvalue(flat, (flat.shape[0] + 1) // 2, 0).values
    dim = normalize_dim("median", dim, x.ndim)
    return kthvalue(x, (x.shape[dim] + 1) // 2, dim, keepdim)


def nonzero(x: Tensor, *, as_tuple: bool = False):
    """The indices of the non-zero entries: (count, ndim) int64, or one 1-D tensor per dim."""
    xp = x.device.xp
    if as_tuple:
        return tuple(_int64(index, x.device) for index in xp.nonzero(x.array.reshape(x.shape or (1,))))
    return _int64(xp.argwhere(x.array), x.device)


def argwhere(x: Tensor) -> Tensor:
    return nonzero(x)


def unique(x: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """The distinct values (sorted), and optionally where each input went and how often each occurs."""
    xp = x.device.xp
    if dim is None:
        values, inverse, counts = xp.unique(x.array, return_inverse=True, return_counts=True)
        inverse = inverse.reshape(x.shape)
    else:
        dim = normalize_dim("unique", dim, x.ndim)
        values, inverse, counts = xp.unique(x.array, return_inverse=True, return_counts=True, axis=dim)
        inverse = inverse.reshape(-1)
    result = [Tensor._make(values, x.device)]
    if return_inverse:
        result.append(_int64(inverse, x.device))
    if return_counts:
        result.append(_int64(counts, x.device))
    return result[0] if len(result) == 1 else tuple(result)


def bincount(x: Tensor, weights=None, minlength: int = 0) -> Tensor:
    """How often each non-negative integer occurs (or the sum of its weights)."""
    if x.ndim != 1 or x.array.dtype.kind not in "iu":
        raise DTypeError(f"bincount: expects a 1-D integer tensor; got {x.dtype.name} of shape {shape_str(x.shape)}.")
    if x.numel() and int(x.array.min()) < 0:
        raise ValueError(f"bincount: values must be non-negative; got {int(x.array.min())}.")
    xp = x.device.xp
    if weights is None:
        return _int64(xp.bincount(x.array, minlength=minlength), x.device)
    if weights.shape != x.shape:
        raise ShapeError(f"bincount: weights shape {shape_str(weights.shape)} must equal input shape {x.shape}.")
    counts = xp.bincount(x.array, weights=weights.array, minlength=minlength)
    dtype = weights.array.dtype if weights.array.dtype.kind == "f" else "float64"
    return Tensor._make(counts.astype(dtype), x.device)


def searchsorted(sorted_sequence: Tensor, values, *, right: bool = False, side=None, out_int32: bool = False):
    """Where each value would be inserted into the (last dim of the) sorted sequence to keep it sorted."""
    xp = sorted_sequence.device.xp
    side = side or ("right" if right else "left")
    query = values.array if isinstance(values, Tensor) else xp.asarray(values)
    sequence = sorted_sequence.array
    if sequence.ndim == 1:
        result = xp.searchsorted(sequence, query, side=side)
    else:
        if query.shape[:-1] != sequence.shape[:-1]:
            raise ShapeError(
                f"searchsorted: the leading dims of sorted_sequence {shape_str(sequence.shape)} and values "
                f"{shape_str(query.shape)} must match."
            )
        rows = sequence.reshape(-1, sequence.shape[-1])
        queries = query.reshape(-1, query.shape[-1])
        result = xp.stack([xp.searchsorted(r, q, side=side) for r, q in zip(rows, queries)]).reshape(query.shape)
    return Tensor._make(result.astype("int32" if out_int32 else "int64"), sorted_sequence.device)


def bucketize(input: Tensor, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:
    return searchsorted(boundaries, input, right=right, out_int32=out_int32)


def count_nonzero(x: Tensor, dim=None) -> Tensor:
    return (x != 0).sum(dim) if dim is not None else (x != 0).sum()


def aminmax(x: Tensor, *, dim=None, keepdim: bool = False):
    """(min, max), over everything or along dim."""
    from collections import namedtuple

    pair = namedtuple("aminmax", ["min", "max"])
    return pair(x.amin(dim, keepdim), x.amax(dim, keepdim))


def isin(elements: Tensor, test_elements, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    xp = elements.device.xp
    test = test_elements.array if isinstance(test_elements, Tensor) else xp.asarray(test_elements)
    return Tensor._make(xp.isin(elements.array, test, invert=invert), elements.device)


def unique_consecutive(x: Tensor, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """The values with consecutive repeats collapsed (of the flattened tensor)."""
    if dim is not None:
        raise ValueError("unique_consecutive: dim is not supported in lamina (the flattened tensor only).")
    xp = x.device.xp
    flat = x.array.reshape(-1)
    starts = (
        xp.concatenate([xp.ones(min(flat.size, 1), dtype=bool), flat[1:] != flat[:-1]]) if flat.size else flat != flat
    )
    values = Tensor._make(flat[starts], x.device)
    result = [values]
    if return_inverse:
        result.append(_int64((xp.cumsum(starts) - 1).reshape(x.shape), x.device))
    if return_counts:
        edges = xp.concatenate([xp.nonzero(starts)[0], xp.asarray([flat.size])])
        result.append(_int64(xp.diff(edges), x.device))
    return result[0] if len(result) == 1 else tuple(result)


def msort(x: Tensor) -> Tensor:
    return sort(x, 0).values


def quantile(x: Tensor, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear") -> Tensor:
    """The q-th quantile along dim (of everything when dim is None), linear between the order statistics;
    a 1-D tensor q gives one result per q, stacked along a new first dim (as PyTorch)."""
    if interpolation != "linear":
        raise ValueError(f"quantile: only interpolation='linear' is supported in lamina; got {interpolation!r}.")
    if isinstance(q, Tensor):
        from lamina.functional import stack

        return stack([quantile(x, float(v), dim, keepdim) for v in q.reshape(-1).tolist()], 0)
    if not 0 <= q <= 1:
        raise ValueError(f"quantile: q must be in [0, 1]; got {q}.")
    values, axis = (x.reshape(-1), 0) if dim is None else (x, normalize_dim("quantile", dim, x.ndim))
    ordered = sort(values, axis).values
    position = q * (ordered.shape[axis] - 1)
    low = int(position)
    high = min(low + 1, ordered.shape[axis] - 1)
    below = ordered.narrow(axis, low, 1)
    result = below + (ordered.narrow(axis, high, 1) - below) * (position - low)
    if dim is None:
        return result.reshape((1,) * x.ndim) if keepdim else result.reshape(())
    return result if keepdim else result.squeeze(axis)
