"""Scaled dot-product attention as one primitive: softmax(Q K^T * scale, causal mask) V.

As a composite it is seven ops (matmul, scale, mask by where, the five-pass softmax, matmul)
and as many backward nodes; fused, the scale, the mask and the softmax are one kernel each
way (benchmarks/README.md). Under create_graph the backward is written in Tensor ops.
"""

from lamina.autograd.function import Function
from lamina.autograd.grad_mode import state
from lamina.tensor import Tensor


def _swap(array):
    return array.swapaxes(-1, -2)


class ScaledDotProductAttention(Function):
    """q (*, L, E), k (*, S, E), v (*, S, Ev) -> (*, L, Ev), the same batch dims on all three.

    causal_offset: None, or query i sees keys j <= i + causal_offset (0 for is_causal, as PyTorch).
    """

    __slots__ = ("scale", "causal_offset", "weights")
    derivative = "dV = P^T g; dS = P (g V^T - rowsum(P g V^T)) scale; dQ = dS K; dK = dS^T Q"

    @staticmethod
    def forward(ctx, q, k, v, scale, causal_offset):
        xp = ctx.xp
        scores = xp.matmul(q, _swap(k))  # (*, L, S)
        rows = scores.reshape(-1, scores.shape[-1])
        weights = ctx.device.backend.kernels.attention_weights(rows, q.shape[-2], scale, causal_offset)
        ctx.weights = weights.reshape(scores.shape)
        ctx.scale, ctx.causal_offset = scale, causal_offset
        ctx.save_for_backward(q, k, v)
        return xp.matmul(ctx.weights, v)

    @staticmethod
    def backward(ctx, grad_out):
        q, k, v = ctx.saved
        if state.grad_enabled:  # create_graph: recompute the weights from q and k in Tensor ops
            weights = _weights_graph(q, k, ctx.scale, ctx.causal_offset)
            grad_weights = grad_out @ v.transpose(-2, -1)
            grad_scores = weights * (grad_weights - (grad_weights * weights).sum(-1, keepdim=True)) * ctx.scale
            return grad_scores @ k, grad_scores.transpose(-2, -1) @ q, weights.transpose(-2, -1) @ grad_out
        xp, kernels, g = ctx.xp, ctx.device.backend.kernels, grad_out.array
        weights = ctx.weights
        grad_v = xp.matmul(_swap(weights), g)
        grad_weights = xp.matmul(g, _swap(v.array))  # (*, L, S)
        shape = grad_weights.shape
        grad_scores = kernels.softmax_backward(grad_weights.reshape(-1, shape[-1]), weights.reshape(-1, shape[-1]))
        grad_scores = grad_scores.reshape(shape)
        grad_scores *= grad_scores.dtype.type(ctx.scale)
        grad_q = xp.matmul(grad_scores, k.array)
        grad_k = xp.matmul(_swap(grad_scores), q.array)
        return tuple(Tensor._make(a, ctx.device) for a in (grad_q, grad_k, grad_v))


def _weights_graph(q, k, scale, causal_offset):
    from lamina.ops.elementwise import where

    scores = (q @ k.transpose(-2, -1)) * scale
    if causal_offset is not None:
        xp = q.device.backend.xp
        length_q, length_k = q.shape[-2], k.shape[-2]
        visible = xp.arange(length_k)[None, :] <= xp.arange(length_q)[:, None] + causal_offset
        scores = where(Tensor._make(visible, q.device), scores, float("-inf"))
    return scores.softmax(-1)
