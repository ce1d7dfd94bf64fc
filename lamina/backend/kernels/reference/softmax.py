"""Reference softmax, attention weights and cross-entropy, with their backwards."""

from lamina.backend.kernels import namespace


def softmax(x):
    """Softmax of each row of x (M, D); a row of all -inf gives NaN, as in PyTorch."""
    xp = namespace.of(x)
    shifted = xp.exp(x - x.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def attention_weights(scores, queries, scale, causal_offset):
    """softmax(scores * scale) of each row of scores (M, S), rows being queries 0..L-1 repeated.

    With causal_offset (not None), row r (query q = r % queries) sees keys k <= q + causal_offset only;
    the others get weight 0 (a row that sees no key is NaN, as in PyTorch).
    """
    xp = namespace.of(scores)
    scaled = scores * scores.dtype.type(scale)
    if causal_offset is not None:
        query = xp.arange(scores.shape[0]) % queries
        hidden = xp.arange(scores.shape[1])[None, :] > (query + causal_offset)[:, None]
        scaled = xp.where(hidden, -xp.inf, scaled).astype(scores.dtype, copy=False)
    return softmax(scaled)


def softmax_backward(grad, y):
    """dx = y (g - sum(g y)) per row."""
    return y * (grad - (grad * y).sum(axis=1, keepdims=True))


def cross_entropy(logits, target, ignore_index):
    """Per-row -log softmax(logits)[target] of logits (M, C); rows whose target is ignore_index give 0.

    Returns (losses (M,), logsumexp (M,)); the caller reduces.
    """
    xp = namespace.of(logits)
    shift = logits.max(axis=1)
    lse = xp.log(xp.exp(logits - shift[:, None]).sum(axis=1)) + shift
    keep = target != ignore_index
    # an invalid label (reported by the loss's check, at once or at the next read) picks column 0, not memory
    # outside the row: on a GPU that check may come later than this kernel
    safe = xp.where(keep & (target >= 0) & (target < logits.shape[1]), target, 0)
    picked = xp.take_along_axis(logits, safe[:, None], axis=1)[:, 0]
    return xp.where(keep, lse - picked, 0).astype(logits.dtype, copy=False), lse


def cross_entropy_backward(grad_losses, logits, target, ignore_index, lse):
    """d losses / d logits = (softmax - onehot(target)) * grad, zero on ignored rows."""
    xp = namespace.of(grad_losses)
    keep = target != ignore_index
    weights = xp.where(keep, grad_losses, 0).astype(logits.dtype, copy=False)
    dx = xp.exp(logits - lse[:, None]) * weights[:, None]
    # every row, the ignored ones subtracting a zero weight at column 0: no data-dependent row list (which
    # a GPU would have to read back to size)
    safe = xp.where(keep & (target >= 0) & (target < logits.shape[1]), target, 0)
    dx[xp.arange(dx.shape[0]), safe] -= weights
    return dx
