"""lamina.distributions: PyTorch's probability distributions that everyday code uses (policy gradients,
VAEs, sampling heads), with PyTorch's names and semantics.

Each is written in Tensor ops, so `log_prob` and `entropy` (and Normal's `rsample`) are differentiable and
their gradients are gradchecked like any composite. Draws come from lamina's seeded streams
(`lamina.manual_seed`, or a `lamina.Generator` passed to `sample`).
"""

from lamina.distributions import kl
from lamina.distributions.distributions import Bernoulli, Categorical, Distribution, Normal
from lamina.distributions.kl import kl_divergence, register_kl

__all__ = ["Bernoulli", "Categorical", "Distribution", "Normal", "kl", "kl_divergence", "register_kl"]
