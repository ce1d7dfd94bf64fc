"""Embedding: rows of a weight matrix picked by integer indices."""

from lamina.backend import deferred
from lamina.errors import DTypeError, shape_str
from lamina.ops.elementwise import where


def embedding(indices, weight, padding_idx=None):
    """weight[indices]: indices (*) of int dtype -> (*, embedding_dim).

    The padding_idx row is returned as it is but gets no gradient (as PyTorch).
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
    out = weight[indices]
    if padding_idx is not None:
        padding_rows = (indices == padding_idx % count).unsqueeze(-1)
        out = where(padding_rows, out.detach(), out)  # same values; no gradient reaches the padding row
    return out
