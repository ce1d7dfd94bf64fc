"""Randomness in the data pipeline: reproducible, and independent of the number of workers.

Each batch gets its own generator, seeded from (loader seed, epoch, batch index), and the
thread or process that loads it installs it as the current one; transforms draw from
`lamina.data.rng()`. So augmentations differ from batch to batch and worker to worker, and
repeat exactly in a run with the same seed, whatever num_workers is.
"""

import threading

import numpy as np  # the generators behind the data pipeline (no array math here)

_local = threading.local()


def rng() -> np.random.Generator:
    """The current generator: the batch's inside a data loader, else one seeded from lamina.manual_seed."""
    current = getattr(_local, "generator", None)
    if current is None:
        current = _local.generator = generator_for(None, "main")
    return current


def set_rng(generator) -> None:
    _local.generator = generator


def generator_for(seed, *context) -> np.random.Generator:
    """A generator determined by seed and context (e.g. epoch, batch index); seed None -> from lamina's RNG."""
    if seed is None:
        from lamina.backend import cpu

        seed = int(cpu.backend.integers(0, 2**62, (), np.int64))
    words = [int(seed)] + [_as_int(c) for c in context]
    return np.random.default_rng(words)


def _as_int(value) -> int:
    if isinstance(value, int):
        return value
    return int.from_bytes(str(value).encode()[:8].ljust(8, b"\0"), "little")
