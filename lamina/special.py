"""`lamina.special`: torch.special's names for the special and elementwise functions lamina has."""

import math

from lamina import functional as F
from lamina.ops.special import digamma, erfinv, lgamma, polygamma

gammaln, psi = lgamma, digamma


erf, erfc, expit, logit, expm1, exp2 = F.erf, F.erfc, F.sigmoid, F.logit, F.expm1, F.exp2
log1p, xlogy, sinc, round, logsumexp = F.log1p, F.xlogy, F.sinc, F.round, F.logsumexp


def softmax(input, dim, dtype=None):
    return F.softmax(input, dim) if dtype is None else F.softmax(input.to(dtype), dim)


def log_softmax(input, dim, dtype=None):
    return F.log_softmax(input, dim) if dtype is None else F.log_softmax(input.to(dtype), dim)


def ndtr(input):
    """The standard normal's cumulative distribution: (1 + erf(x / sqrt 2)) / 2."""
    return (erf(input * (1 / math.sqrt(2))) + 1) * 0.5


def ndtri(input):
    """The inverse of ndtr: sqrt 2 erfinv(2p - 1)."""
    return erfinv(input * 2 - 1) * math.sqrt(2)


def multigammaln(input, p):
    """log of the multivariate gamma function of dimension p."""
    total = lgamma(input)
    for j in range(1, p):
        total = total + lgamma(input - j / 2)
    return total + p * (p - 1) / 4 * math.log(math.pi)


__all__ = [
    "digamma", "erf", "erfc", "erfinv", "exp2", "expit", "expm1", "gammaln", "log1p", "log_softmax", "logit",
    "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma", "psi", "round", "sinc", "softmax", "xlogy",
]  # fmt: skip
