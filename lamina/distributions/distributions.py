"""Distribution, Categorical, Bernoulli and Normal: parameters in, samples and log-probabilities out."""

import math

from lamina import creation, random
from lamina.backend import deferred
from lamina.dtypes import finfo
from lamina.errors import ShapeError, shape_str
from lamina.functional import logsumexp
from lamina.tensor import Tensor


def _as_tensor(value, like=None):
    if isinstance(value, Tensor):
        return value
    dtype = like.dtype if like is not None and like.is_floating_point() else None
    return creation.tensor(float(value), dtype=dtype, device=like.device if like is not None else None)


def _shape(sample_shape) -> tuple:
    return (sample_shape,) if isinstance(sample_shape, int) else tuple(sample_shape)


class Distribution:
    """The shared interface: batch_shape, event_shape, sample(sample_shape), log_prob(value), entropy()."""

    has_rsample = False

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self.batch_shape, self.event_shape = tuple(batch_shape), tuple(event_shape)

    def sample(self, sample_shape=(), generator=None) -> Tensor:
        raise NotImplementedError

    def rsample(self, sample_shape=(), generator=None) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no reparameterised sample (has_rsample is False).")

    def log_prob(self, value) -> Tensor:
        raise NotImplementedError

    def entropy(self) -> Tensor:
        raise NotImplementedError

    def perplexity(self) -> Tensor:
        return self.entropy().exp()

    @property
    def stddev(self) -> Tensor:
        return self.variance.sqrt()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(batch_shape={self.batch_shape})"


class Categorical(Distribution):
    """One of K categories per batch element, from `probs` (normalised along the last dim) or `logits`."""

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Categorical: pass either `probs` or `logits`, not both and not neither.")
        given = probs if probs is not None else logits
        if not isinstance(given, Tensor) or given.ndim < 1:
            got = shape_str(given.shape) if isinstance(given, Tensor) else type(given).__name__
            raise ShapeError(
                f"Categorical: {'probs' if probs is not None else 'logits'} must be a tensor of at least one "
                f"dimension (..., K); got {got}."
            )
        if probs is not None:
            if validate_args is not False and bool((probs < 0).any()):
                raise ValueError("Categorical: probs must be non-negative.")
            self.probs = probs / probs.sum(-1, keepdim=True)
            self.logits = self.probs.clamp(min=_tiny(probs)).log()
        else:
            self.logits = logits - logsumexp(logits, -1, keepdim=True)  # normalised, as PyTorch stores them
            self.probs = self.logits.exp()
        self._categories = given.shape[-1]
        super().__init__(given.shape[:-1])

    @property
    def param_shape(self):
        return self.probs.shape

    @property
    def mean(self):
        return creation.full(self.batch_shape, math.nan, device=self.probs.device)

    @property
    def mode(self):
        return self.probs.argmax(-1)

    def sample(self, sample_shape=(), generator=None) -> Tensor:
        shape = _shape(sample_shape)
        rows = self.probs.detach().reshape(-1, self._categories)
        count = int(math.prod(shape)) if shape else 1
        drawn = random.multinomial(rows, count, replacement=True, generator=generator)  # (rows, count)
        drawn = drawn.transpose(0, 1) if rows.shape[0] else drawn  # (count, rows)
        return drawn.reshape(shape + self.batch_shape)

    def log_prob(self, value) -> Tensor:
        value = _as_tensor(value).long()
        logits = self.logits
        if value.shape != self.batch_shape:  # broadcast the value against the batch, as PyTorch does
            logits = logits.expand(*value.shape[: value.ndim - len(self.batch_shape)], *logits.shape)
            value = value.expand(*logits.shape[:-1])
        if value.numel() and (int(value.min().item()) < 0 or int(value.max().item()) >= self._categories):
            raise ValueError(f"Categorical.log_prob: values must be in 0..{self._categories - 1}.")
        return logits.gather(-1, value.unsqueeze(-1)).squeeze(-1)

    def entropy(self) -> Tensor:
        return -(self.probs * self.logits.clamp(min=_most_negative(self.logits))).sum(-1)

    def enumerate_support(self, expand=True) -> Tensor:
        values = creation.arange(self._categories, device=self.probs.device).reshape(-1, *([1] * len(self.batch_shape)))
        return values.expand(self._categories, *self.batch_shape) if expand else values


class Bernoulli(Distribution):
    """0 or 1 per element, from `probs` or `logits`."""

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Bernoulli: pass either `probs` or `logits`, not both and not neither.")
        if probs is not None:
            probs = _as_tensor(probs)
            if validate_args is not False and bool(((probs < 0) | (probs > 1)).any()):
                raise ValueError("Bernoulli: probs must lie in [0, 1].")
            self.probs = probs
            clamped = probs.clamp(_tiny(probs), 1 - _eps(probs))
            self.logits = clamped.log() - (-clamped).log1p()
        else:
            self.logits = _as_tensor(logits)
            self.probs = self.logits.sigmoid()
        super().__init__(self.probs.shape)

    @property
    def mean(self):
        return self.probs

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=(), generator=None) -> Tensor:
        shape = _shape(sample_shape) + self.batch_shape
        return random.bernoulli(self.probs.detach().expand(*shape), generator=generator)

    def log_prob(self, value) -> Tensor:
        value = _as_tensor(value, self.logits)
        # -BCE with logits, written stably: v * l - softplus(l)
        return value * self.logits - _softplus(self.logits)

    def entropy(self) -> Tensor:
        return _softplus(self.logits) - self.probs * self.logits


class Normal(Distribution):
    """N(loc, scale^2) per element; `rsample` is differentiable in loc and scale (the reparameterisation)."""

    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc = _as_tensor(loc, scale if isinstance(scale, Tensor) else None)
        self.scale = _as_tensor(scale, self.loc)
        if not self.loc.is_floating_point():
            self.loc = self.loc.float()
        if validate_args is not False:  # on a device, reported at the next read (backend/deferred.py)
            deferred.require(
                (self.scale > 0).all().array, lambda: ValueError("Normal: scale must be positive."), "Normal"
            )
        super().__init__(tuple((self.loc + self.scale).shape))

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return self.scale.pow(2)

    def rsample(self, sample_shape=(), generator=None) -> Tensor:
        shape = _shape(sample_shape) + self.batch_shape
        noise = random.normal(0.0, 1.0, shape, generator=generator, dtype=self.loc.dtype)
        return self.loc + noise * self.scale

    def sample(self, sample_shape=(), generator=None) -> Tensor:
        return self.rsample(sample_shape, generator).detach()

    def log_prob(self, value) -> Tensor:
        value = _as_tensor(value, self.loc)
        return -((value - self.loc) ** 2) / (2 * self.variance) - self.scale.log() - math.log(math.sqrt(2 * math.pi))

    def entropy(self) -> Tensor:
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log() + self.loc * 0

    def cdf(self, value) -> Tensor:
        value = _as_tensor(value, self.loc)
        return 0.5 * (1 + ((value - self.loc) / (self.scale * math.sqrt(2))).erf())


def _softplus(x):
    return x.clamp(min=0) + (-x.abs()).exp().log1p()


def _tiny(x):
    return finfo(x.dtype if x.is_floating_point() else None).tiny


def _eps(x):
    return finfo(x.dtype if x.is_floating_point() else None).eps


def _most_negative(x):
    return finfo(x.dtype).min
