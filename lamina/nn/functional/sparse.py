"""Embedding: rows of a weight matrix picked by integer indices."""

from lamina import creation
from lamina.backend import deferred
from lamina.errors import DTypeError, shape_str
from lamina.ops.elementwise import where
from lamina.tensor import Tensor


def embedding(indices, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):  # fmt: skip
    """weight[indices]: indices (*) of int dtype -> (*, embedding_dim).

    The padding_idx row is returned as it is but gets no gradient (as PyTorch). max_norm renormalises, in
    place, each looked-up row whose norm_type-norm exceeds it (PyTorch's embedding_renorm_: the weight
    changes); scale_grad_by_freq divides each row's gradient by how often its index occurs in `indices`.
    sparse is accepted; the gradient is dense.
    """
    if indices.array.dtype.kind not in "iu":
        raise DTypeError(
            f"embedding: indices must be an integer tensor; got {indices.dtype.name} of shape "
            f"{shape_str(indices.shape)}."
        )
    count = weight.shape[0]
    # checked before indexing: NumPy would wrap a negative index silently (a GPU wraps any)
    deferred.require_in_range(
        indices.array,
        0,
        count,
        lambda bad: IndexError(
            f"embedding: index {bad} is out of range for an embedding with num_embeddings={count} "
            f"(valid: 0..{count - 1})."
        ),
        "embedding",
    )
    if max_norm is not None:
        embedding_renorm_(weight, indices, max_norm, norm_type)
    out = weight[indices]
    if scale_grad_by_freq:
        out = _gradient_scaled_by_frequency(out, indices, count)
    if padding_idx is not None:
        padding_rows = (indices == padding_idx % count).unsqueeze(-1)
        out = where(padding_rows, out.detach(), out)  # same values; no gradient reaches the padding row
    return out


def embedding_renorm_(weight, indices, max_norm, norm_type=2.0):
    """Scale, in place and outside the graph, each row of weight that `indices` name whose norm exceeds
    max_norm down to max_norm (PyTorch's factor max_norm / (norm + 1e-7)); returns weight."""
    from lamina.autograd.grad_mode import no_grad

    xp = weight.device.xp
    rows = xp.unique(indices.array.reshape(-1))
    with no_grad():
        picked = weight.array[rows]
        norms = (xp.abs(picked) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
        scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(picked.dtype)
        weight.array[rows] = picked * scale[:, None]
        weight._version[0] += 1
    return weight


def _gradient_scaled_by_frequency(out, indices, count):
    """out's values, with each row's gradient divided by its index's count in indices."""
    xp = out.device.xp
    frequency = xp.bincount(indices.array.reshape(-1), minlength=count)[indices.array]
    scale = Tensor._make((1.0 / frequency).astype(out.array.dtype)[..., None], out.device)
    return out.detach() + (out - out.detach()) * scale


def _bag_rows(op, input, offsets, include_last_offset):
    """(flat indices (M,), each one's bag (M,), the number of bags, the bags' starts on the host or None)."""
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{op}: offsets must be None when input is 2-D (each row is a bag).")
        bags, length = input.shape
        bag_of = creation.arange(bags, device=input.device).reshape(-1, 1).expand(bags, length).reshape(-1)
        return input.reshape(-1), bag_of, bags, None
    if input.ndim != 1 or offsets is None or offsets.ndim != 1:
        raise ValueError(
            f"{op}: expects a 2-D input (bags of equal length), or a 1-D input with 1-D offsets (where each bag "
            f"starts); got input {shape_str(input.shape)} and offsets "
            f"{'None' if offsets is None else shape_str(offsets.shape)}."
        )
    if offsets.array.dtype.kind not in "iu":
        raise DTypeError(f"{op}: offsets must be an integer tensor; got {offsets.dtype.name}.")
    starts = offsets[:-1] if include_last_offset else offsets
    positions = creation.arange(input.shape[0], device=input.device)
    xp = input.device.xp
    bag_of = xp.searchsorted(starts.array, positions.array, side="right") - 1
    return input, Tensor._make(bag_of, input.device), starts.shape[0], starts


def embedding_bag(
    input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean", sparse=False,
    per_sample_weights=None, include_last_offset=False, padding_idx=None,
):  # fmt: skip
    """Sums, means or maxima of bags of embeddings without building the (bags, length, dim) tensor in between:
    a 2-D input holds one bag per row; a 1-D input is cut into bags where `offsets` say (offsets[0] must be 0).
    Empty bags give zeros; padding_idx entries are left out of the bags (and of a mean's count); max_norm and
    scale_grad_by_freq as in embedding."""
    op = "embedding_bag"
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"{op}: mode must be 'sum', 'mean' or 'max'; got {mode!r}.")
    if per_sample_weights is not None and mode != "sum":
        raise ValueError(f"{op}: per_sample_weights is only supported for mode='sum' (as PyTorch); got {mode!r}.")
    flat, bag_of, bags, starts = _bag_rows(op, input, offsets, include_last_offset)
    first_offset = int(starts[0].item()) if starts is not None and starts.shape[0] else 0
    if first_offset != 0:
        raise ValueError(f"{op}: offsets[0] must be 0; got {first_offset}.")
    # (M, D), with embedding's range check, max_norm's renormalisation and the frequency scaling
    rows = embedding(flat, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq)
    keep = None if padding_idx is None else (flat != padding_idx % weight.shape[0])
    if per_sample_weights is not None:
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(
                f"{op}: per_sample_weights {shape_str(per_sample_weights.shape)} must have input's shape "
                f"{shape_str(input.shape)}."
            )
        rows = rows * per_sample_weights.reshape(-1, 1)
    if keep is not None:
        rows = where(keep.unsqueeze(-1), rows, 0.0)
    if mode == "max":
        return _bag_maxima(rows, bag_of, bags, keep)
    out = creation.zeros(bags, weight.shape[1], dtype=rows.dtype, device=rows.device).index_add(0, bag_of, rows)
    if mode == "mean":
        counted = creation.ones(flat.shape[0], dtype=rows.dtype, device=rows.device)
        if keep is not None:
            counted = where(keep, counted, 0.0)
        counts = creation.zeros(bags, dtype=rows.dtype, device=rows.device).index_add(0, bag_of, counted)
        out = out / counts.clamp(min=1).unsqueeze(-1)
    return out


def _bag_maxima(rows, bag_of, bags, keep):
    """Each bag's elementwise maximum, as a gather of the rows that hold it (so the gradient goes to them);
    a bag with no rows gives zeros. Bags are contiguous runs of rows; their bounds are read on the host (one
    read per call), then one argmax per bag."""
    xp, dim = rows.device.xp, rows.shape[1]
    values = rows.detach().array
    if keep is not None:  # padding rows never win (they are zeros in rows, so an all-padding bag gives zeros)
        values = xp.where(keep.array[:, None], values, -xp.inf)
    bounds = xp.searchsorted(bag_of.array, xp.arange(bags + 1)).tolist()
    index = xp.zeros((bags, dim), dtype=xp.int64)
    empty = xp.zeros((bags, 1), dtype=bool)
    for bag in range(bags):
        start, stop = bounds[bag], bounds[bag + 1]
        if start == stop:
            empty[bag] = True
        else:
            index[bag] = start + values[start:stop].argmax(axis=0)
    out = rows.gather(0, Tensor._make(index, rows.device))
    return where(Tensor._make(empty, rows.device), 0.0, out)
