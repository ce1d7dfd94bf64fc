"""Attention: scaled dot-product attention and the multi-head attention of Vaswani et al. (2017)."""

import math

from lamina.errors import ShapeError, shape_str
from lamina.nn.functional.dropout import dropout
from lamina.ops.attention import ScaledDotProductAttention
from lamina.ops.elementwise import where


def causal_mask(length_q, length_k, device):
    """Bool (L, S) mask, True where query i may attend to key j: j <= i (PyTorch's upper-left alignment,
    tril(ones(L, S)), also when L != S)."""
    from lamina import creation

    positions_q = creation.arange(length_q, device=device).reshape(-1, 1)
    positions_k = creation.arange(length_k, device=device).reshape(1, -1)
    return positions_k <= positions_q


def scaled_dot_product_attention(
    query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, return_weights=False
):
    """softmax(Q K^T * scale + mask) V for Q (*, L, E), K (*, S, E), V (*, S, Ev) -> (*, L, Ev).

    attn_mask: bool (True = may attend, PyTorch's SDPA convention) or float (added to the scores).
    """
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ShapeError(
            f"scaled_dot_product_attention: query {shape_str(query.shape)}, key {shape_str(key.shape)} "
            f"and value {shape_str(value.shape)} do not fit: need Q (*, L, E), K (*, S, E), V (*, S, Ev)."
        )
    scale = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    batch = query.shape[:-2]
    if (
        attn_mask is None
        and dropout_p == 0.0
        and not return_weights
        and query.ndim >= 2
        and key.shape[:-2] == batch
        and value.shape[:-2] == batch
        and query.is_floating_point()
        and query.array.dtype == key.array.dtype == value.array.dtype
    ):  # the fused primitive (for speed)
        offset = 0 if is_causal else None  # upper-left alignment, as causal_mask
        return ScaledDotProductAttention.apply(query, key, value, scale=scale, causal_offset=offset)
    scores = (query @ key.transpose(-2, -1)) * scale  # (*, L, S)
    if is_causal:
        scores = where(causal_mask(query.shape[-2], key.shape[-2], query.device), scores, -math.inf)
    if attn_mask is not None:
        scores = where(attn_mask, scores, -math.inf) if attn_mask.dtype.name == "bool" else scores + attn_mask
    weights = scores.softmax(-1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p)
    out = weights @ value
    return (out, weights) if return_weights else out
