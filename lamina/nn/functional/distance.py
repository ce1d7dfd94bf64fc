"""Vector normalisation and distances: normalize, cosine_similarity, pairwise_distance, pdist-free forms."""

from lamina.ops.elementwise import maximum


def normalize(x, p=2.0, dim=1, eps=1e-12):
    """x / max(|x|_p, eps) along dim (the eps keeps a zero vector zero, not NaN)."""
    return x / maximum(x.norm(p, dim, keepdim=True), eps)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """<x1, x2> / max(|x1| |x2|, eps) along dim, broadcasting x1 and x2."""
    dot = (x1 * x2).sum(dim)
    return dot / maximum(x1.norm(dim=dim) * x2.norm(dim=dim), eps)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """|x1 - x2 + eps|_p over the last dim."""
    return (x1 - x2 + eps).norm(p, dim=-1, keepdim=keepdim)
