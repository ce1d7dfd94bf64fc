"""kl_divergence(p, q) and register_kl: KL(p || q) in closed form for pairs of distribution types.

As in PyTorch, a pair's formula is registered with `@register_kl(TypeP, TypeQ)` and looked up by the
types' classes (the most specific registered pair wins); a pair without one is a NotImplementedError
naming both. Written in Tensor ops, so the divergences are differentiable (a VAE's KL term).
"""

import math

from lamina.distributions.distributions import Bernoulli, Categorical, Normal, _softplus
from lamina.ops.elementwise import where

_KL = {}  # (type of p, type of q) -> function(p, q)


def register_kl(type_p, type_q):
    """Decorator: `@register_kl(Normal, Normal) def _kl(p, q): ...` registers KL(p || q) for those types."""

    def register(function):
        _KL[(type_p, type_q)] = function
        return function

    return register


def kl_divergence(p, q):
    """KL(p || q), elementwise over the batch shape."""
    matches = [(type_p, type_q) for type_p, type_q in _KL if isinstance(p, type_p) and isinstance(q, type_q)]
    if not matches:
        raise NotImplementedError(
            f"kl_divergence: no formula for KL({type(p).__name__} || {type(q).__name__}); register one with "
            "@lamina.distributions.register_kl."
        )
    # the most specific pair: the one whose classes come first in p's and q's method resolution orders
    best = min(matches, key=lambda pair: (type(p).__mro__.index(pair[0]), type(q).__mro__.index(pair[1])))
    return _KL[best](p, q)


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    variance_ratio = (p.scale / q.scale) ** 2
    mean_term = ((p.loc - q.loc) / q.scale) ** 2
    return 0.5 * (variance_ratio + mean_term - 1 - variance_ratio.log())


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    terms = p.probs * (p.logits - q.logits)
    terms = where(q.probs == 0, math.inf, terms)  # p puts mass where q has none: infinite
    terms = where(p.probs == 0, 0.0, terms)  # 0 log 0 = 0
    return terms.sum(-1)


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    ones = p.probs * (_softplus(-q.logits) - _softplus(-p.logits))
    ones = where(p.probs == 0, 0.0, where(q.probs == 0, math.inf, ones))
    zeros = (1 - p.probs) * (_softplus(q.logits) - _softplus(p.logits))
    zeros = where(p.probs == 1, 0.0, where(q.probs == 1, math.inf, zeros))
    return ones + zeros
