"""MultiheadAttention (Vaswani et al. 2017), with PyTorch's parameters and mask conventions."""

import math

from lamina import creation
from lamina.errors import ShapeError, shape_str
from lamina.nn import functional as F
from lamina.nn import init
from lamina.nn.functional.attention import causal_mask
from lamina.nn.module import Module
from lamina.nn.modules.linear import Linear
from lamina.nn.parameter import Parameter
from lamina.ops.elementwise import where


def _as_additive(mask, dtype, name):
    """A bool mask (True = masked out, MultiheadAttention's convention) or float mask -> float to add."""
    if mask is None:
        return None
    if mask.dtype.name == "bool":
        return where(mask, -math.inf, 0.0).to(dtype)
    if not mask.is_floating_point():
        raise ShapeError(f"MultiheadAttention: {name} must be a bool or float tensor; got {mask.dtype.name}.")
    return mask.to(dtype)


class MultiheadAttention(Module):
    """softmax(Q K^T / sqrt(d) + mask) V over num_heads heads, then an output projection.

    Shape: query (L, N, E), key (S, N, kdim), value (S, N, vdim) (batch first with batch_first=True,
    or unbatched (L, E)) -> output like query, and weights (N, L, S) averaged over heads.
    Masks: attn_mask (L, S) or (N*num_heads, L, S), key_padding_mask (N, S); in bool form True
    means "do not attend" (PyTorch's convention for this layer).
    """

    def __init__(
        self,
        embed_dim,
        num_heads,
        dropout=0.0,
        bias=True,
        add_bias_kv=False,
        add_zero_attn=False,
        kdim=None,
        vdim=None,
        batch_first=False,
        device=None,
        dtype=None,
    ):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by num_heads ({num_heads})."
            )
        if add_bias_kv or add_zero_attn:
            raise ValueError("MultiheadAttention: add_bias_kv and add_zero_attn are not supported by lamina.")
        self.embed_dim, self.num_heads, self.dropout, self.batch_first = embed_dim, num_heads, dropout, batch_first
        self.head_dim = embed_dim // num_heads
        self.kdim, self.vdim = kdim or embed_dim, vdim or embed_dim
        self.same_dims = self.kdim == embed_dim and self.vdim == embed_dim

        def make(*shape):
            return Parameter(creation.empty(*shape, device=device, dtype=dtype))

        if self.same_dims:
            self.in_proj_weight = make(3 * embed_dim, embed_dim)
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = make(embed_dim, embed_dim)
            self.k_proj_weight = make(embed_dim, self.kdim)
            self.v_proj_weight = make(embed_dim, self.vdim)
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = make(3 * embed_dim)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, device=device, dtype=dtype)
        self.reset_parameters()

    def reset_parameters(self):
        if self.same_dims:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for weight in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def _projections(self):
        e = self.embed_dim
        if self.same_dims:
            weights = (self.in_proj_weight[:e], self.in_proj_weight[e : 2 * e], self.in_proj_weight[2 * e :])
        else:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        if self.in_proj_bias is None:
            return weights, (None, None, None)
        b = self.in_proj_bias
        return weights, (b[:e], b[e : 2 * e], b[2 * e :])

    def forward(
        self,
        query,
        key,
        value,
        key_padding_mask=None,
        need_weights=True,
        attn_mask=None,
        average_attn_weights=True,
        is_causal=False,
    ):
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            key_padding_mask = key_padding_mask.unsqueeze(0) if key_padding_mask is not None else None
        elif self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        if query.ndim != 3 or query.shape[-1] != self.embed_dim or key.shape[:2] != value.shape[:2]:
            raise ShapeError(
                f"MultiheadAttention(embed_dim={self.embed_dim}): got query {shape_str(query.shape)}, key "
                f"{shape_str(key.shape)}, value {shape_str(value.shape)} (time-first inside)."
            )
        length, batch, _ = query.shape
        source = key.shape[0]
        heads, head_dim = self.num_heads, self.head_dim
        if key_padding_mask is not None and tuple(key_padding_mask.shape) != (batch, source):
            transposed = tuple(key_padding_mask.shape) == (source, batch) and batch != source
            raise ShapeError(
                f"MultiheadAttention: key_padding_mask must have shape (N, S) = ({batch}, {source}) "
                f"(batch, source length); got {shape_str(key_padding_mask.shape)}."
                + (" It looks transposed: pass key_padding_mask.T." if transposed else "")
            )
        if attn_mask is not None and tuple(attn_mask.shape) not in ((length, source), (batch * heads, length, source)):
            raise ShapeError(
                f"MultiheadAttention: attn_mask must have shape (L, S) = ({length}, {source}) or (N*num_heads, L, S) = "
                f"({batch * heads}, {length}, {source}); got {shape_str(attn_mask.shape)}."
            )
        (w_q, w_k, w_v), (b_q, b_k, b_v) = self._projections()

        def split_heads(x, steps):  # (T, N, E) -> (N*H, T, hd), PyTorch's layout
            return x.reshape(steps, batch * heads, head_dim).transpose(0, 1)

        q = split_heads(F.linear(query, w_q, b_q), length)
        k = split_heads(F.linear(key, w_k, b_k), source)
        v = split_heads(F.linear(value, w_v, b_v), source)
        scores = (q @ k.transpose(1, 2)) * (1.0 / math.sqrt(head_dim))  # (N*H, L, S)
        mask = _as_additive(attn_mask, scores.dtype, "attn_mask")
        if is_causal and attn_mask is None:
            mask = where(causal_mask(length, source, query.device), 0.0, -math.inf).to(scores.dtype)
        if mask is not None:
            scores = scores + (mask if mask.ndim == 3 else mask.unsqueeze(0))
        padding = _as_additive(key_padding_mask, scores.dtype, "key_padding_mask")
        if padding is not None:
            scores = (scores.reshape(batch, heads, length, source) + padding.reshape(batch, 1, 1, source)).reshape(
                batch * heads, length, source
            )
        # the weights returned are the ones used, after dropout, as torch returns them
        weights = F.dropout(scores.softmax(-1), self.dropout, self.training)
        attended = weights @ v  # (N*H, L, hd)
        out = self.out_proj(attended.transpose(0, 1).reshape(length, batch, self.embed_dim))
        if unbatched:
            out = out.squeeze(1)
        elif self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        weights = weights.reshape(batch, heads, length, source)
        if average_attn_weights:
            weights = weights.mean(1)
        return out, (weights.squeeze(0) if unbatched else weights)

    def extra_repr(self):
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, batch_first={self.batch_first}"
