"""Random draws at PyTorch's names: `Generator`, `normal`, `bernoulli`, `multinomial`, the in-place
`normal_`/`uniform_`/`bernoulli_`/`random_`/`exponential_`, and `generator=` on them all.

Without `generator=`, a draw comes from its device's one generator, seeded by `lamina.manual_seed`; a
`lamina.Generator` is a stream of its own (its own seed and state), as in PyTorch, for code that
must not disturb, or be disturbed by, the global stream. Draws are never part of the graph.
"""

import numpy as np  # seeds and states only; the draws come from the device backend

from lamina import dtypes
from lamina.backend import get_device
from lamina.errors import DeviceError, DTypeError, ShapeError, shape_str
from lamina.ops.shapes import as_shape
from lamina.tensor import Tensor


class Generator:
    """A seeded random stream on one device: `g = lamina.Generator().manual_seed(42)`."""

    def __init__(self, device="cpu"):
        self.device = get_device(device)
        self._seed = 67280421310721  # PyTorch's default seed for a new Generator
        self.stream = self.device.backend.new_stream(self._seed)

    def manual_seed(self, seed: int) -> "Generator":
        self._seed = int(seed)
        self.stream.seed(self._seed)
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy; returns the new seed."""
        self.manual_seed(int(np.random.SeedSequence().entropy % 2**63))
        return self._seed

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self):
        return self.stream.get_state()

    def set_state(self, state) -> "Generator":
        self.stream.set_state(state)
        return self

    def __repr__(self) -> str:
        return f"<lamina.Generator device='{self.device}' seed={self._seed}>"


def source(generator, device):
    """Where a draw comes from: the generator's stream (on the same device), else the device's own."""
    if generator is None:
        return device.backend
    if not isinstance(generator, Generator):
        raise TypeError(f"generator: expected a lamina.Generator; got {type(generator).__name__}.")
    if generator.device is not device:
        raise DeviceError(
            f"generator: the Generator is on {generator.device} but the tensor is on {device}; "
            f"make it with lamina.Generator(device='{device}')."
        )
    return generator.stream


def seed_from(generator) -> int:
    """A seed drawn from a Generator (or from lamina's global stream), for the data pipeline's generators."""
    draws = source(generator, generator.device if isinstance(generator, Generator) else get_device(None))
    return int(draws.integers(0, 2**62, (), np.int64))


def _float_target(op: str, tensor: Tensor):
    if not tensor.is_floating_point():
        raise DTypeError(f"{op}: expects a floating point tensor; got {tensor.dtype.name}.")


def _fill(tensor: Tensor, values) -> Tensor:
    """Write draws into a tensor in place (bumps its version, as any in-place op)."""
    from lamina.ops.inplace import copy_

    return copy_(tensor, Tensor._make(values.astype(tensor.array.dtype, copy=False), tensor.device))


def normal_(tensor: Tensor, mean=0.0, std=1.0, *, generator=None) -> Tensor:
    _float_target("normal_", tensor)
    draws = source(generator, tensor.device)
    return _fill(tensor, draws.normal(tensor.shape, _draw_dtype(tensor)) * std + mean)


def uniform_(tensor: Tensor, a=0.0, b=1.0, *, generator=None) -> Tensor:
    _float_target("uniform_", tensor)
    draws = source(generator, tensor.device)
    return _fill(tensor, draws.uniform(tensor.shape, _draw_dtype(tensor)) * (b - a) + a)


def exponential_(tensor: Tensor, lambd=1.0, *, generator=None) -> Tensor:
    _float_target("exponential_", tensor)
    uniform = source(generator, tensor.device).uniform(tensor.shape, np.float64)
    return _fill(tensor, -tensor.device.xp.log1p(-uniform) / lambd)


def bernoulli_(tensor: Tensor, p=0.5, *, generator=None) -> Tensor:
    probability = p.array if isinstance(p, Tensor) else p
    uniform = source(generator, tensor.device).uniform(tensor.shape, np.float64)
    return _fill(tensor, uniform < probability)


def random_(tensor: Tensor, from_=0, to=None, *, generator=None) -> Tensor:
    if to is None:
        from_, to = 0, (2**24 if tensor.is_floating_point() else int(np.iinfo(tensor.array.dtype).max))
    return _fill(tensor, source(generator, tensor.device).integers(from_, to, tensor.shape, np.int64))


def _draw_dtype(tensor: Tensor):
    return np.float32 if tensor.array.dtype == np.float16 else tensor.array.dtype


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None) -> Tensor:
    """Draws from N(mean, std^2): tensor mean/std broadcast; numbers need `size`."""
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if tensors:
        device = tensors[0].device
        shape = np.broadcast_shapes(*(t.shape for t in tensors))
        dtype = tensors[0].dtype
    else:
        if size is None:
            raise ShapeError("normal: with a number mean and std, give the size, e.g. normal(0, 1, size=(3,)).")
        device, shape = get_device(device), as_shape("normal", (size,))
        dtype = dtypes.to_dtype(dtype) if dtype is not None else dtypes.default_float
    out = Tensor._make(device.xp.empty(shape, dtype.numpy), device)
    normal_(out, generator=generator)
    return out * std + mean


def bernoulli(probabilities: Tensor, p=None, *, generator=None) -> Tensor:
    """0/1 draws, 1 with the given probability per element (the result has the input's dtype)."""
    out = Tensor._make(
        probabilities.device.xp.empty(probabilities.shape, probabilities.array.dtype), probabilities.device
    )
    return bernoulli_(out, probabilities if p is None else p, generator=generator)


def multinomial(probabilities: Tensor, num_samples: int, replacement: bool = False, *, generator=None) -> Tensor:
    """Indices drawn by the (unnormalised) weights of each row: (C,) -> (num_samples,), (N, C) -> (N, num_samples)."""
    if probabilities.ndim not in (1, 2):
        raise ShapeError(f"multinomial: prob_dist must be 1-D or 2-D; got shape {shape_str(probabilities.shape)}.")
    xp = probabilities.device.xp
    weights = probabilities.array.reshape(-1, probabilities.shape[-1]).astype(np.float64)
    categories = weights.shape[1]
    if not xp.all(xp.isfinite(weights)) or xp.any(weights < 0):
        raise ValueError("multinomial: probabilities must be finite and non-negative.")
    totals = weights.sum(axis=1, keepdims=True)
    if xp.any(totals <= 0):
        raise ValueError("multinomial: every row of probabilities must have a positive sum.")
    if not replacement and num_samples > categories:
        raise ValueError(
            f"multinomial: cannot draw {num_samples} samples without replacement from {categories} categories."
        )
    draws = source(generator, probabilities.device)
    uniform = draws.uniform((weights.shape[0], num_samples if replacement else categories), np.float64)
    if replacement:  # inverse CDF: the first category whose running total exceeds the draw
        cumulative = xp.cumsum(weights / totals, axis=1)
        picked = xp.stack([xp.searchsorted(row, u, side="right") for row, u in zip(cumulative, uniform)])
        picked = xp.minimum(picked, categories - 1)
    else:  # the exponential race (Gumbel-top-k): sampling without replacement in weight order
        with np.errstate(divide="ignore"):
            keys = xp.log(uniform) / weights  # -inf for zero weights: never picked before the others
        picked = xp.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    picked = picked.astype(np.int64)
    shape = (num_samples,) if probabilities.ndim == 1 else (probabilities.shape[0], num_samples)
    return Tensor._make(picked.reshape(shape), probabilities.device)
