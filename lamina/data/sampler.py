"""Samplers: which indices, in which order; BatchSampler groups them (never into an empty batch)."""

import math

from lamina.data.rng import generator_for
from lamina.errors import DataError


class Sampler:
    """Yields dataset indices; `set_epoch` lets a seeded sampler reshuffle each epoch reproducibly."""

    epoch = 0

    def set_epoch(self, epoch: int):
        self.epoch = epoch

    def __iter__(self):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    def __init__(self, data_source):
        self.size = len(data_source)

    def __iter__(self):
        return iter(range(self.size))

    def __len__(self):
        return self.size


class SubsetRandomSampler(Sampler):
    """The given indices in a fresh random order each epoch, from (seed, epoch)."""

    def __init__(self, indices, generator=None, seed=None):
        if seed is None and generator is not None:
            from lamina.random import seed_from

            seed = seed_from(generator)
        self.indices, self.seed = list(indices), seed
        if self.seed is None:
            self.seed = int(generator_for(None, "sampler").integers(2**62))

    def __iter__(self):
        order = generator_for(self.seed, "subset", self.epoch).permutation(len(self.indices))
        return iter([self.indices[i] for i in order.tolist()])

    def __len__(self):
        return len(self.indices)


class RandomSampler(Sampler):
    """A fresh permutation each epoch (or num_samples draws with replacement), from (seed, epoch)."""

    def __init__(self, data_source, replacement=False, num_samples=None, seed=None, generator=None):
        if seed is None and generator is not None:  # PyTorch's argument: a lamina.Generator seeds the order
            from lamina.random import seed_from

            seed = seed_from(generator)
        self.size, self.replacement, self.seed = len(data_source), replacement, seed
        self.num_samples = num_samples if num_samples is not None else self.size
        if self.num_samples <= 0:
            raise DataError(f"RandomSampler: num_samples must be positive; got {self.num_samples}.")
        self._fallback_seed = None

    def _generator(self):
        if self.seed is None and self._fallback_seed is None:
            self._fallback_seed = int(generator_for(None, "sampler").integers(2**62))
        return generator_for(self.seed if self.seed is not None else self._fallback_seed, "shuffle", self.epoch)

    def __iter__(self):
        generator = self._generator()
        if self.replacement:
            return iter(generator.integers(0, self.size, self.num_samples).tolist())
        order = []
        while len(order) < self.num_samples:
            order += generator.permutation(self.size).tolist()
        return iter(order[: self.num_samples])

    def __len__(self):
        return self.num_samples


class WeightedRandomSampler(Sampler):
    """Index i drawn with probability proportional to weights[i] (e.g. to balance classes)."""

    def __init__(self, weights, num_samples, replacement=True, seed=None, generator=None):
        if seed is None and generator is not None:
            from lamina.random import seed_from

            seed = seed_from(generator)
        import numpy as np

        self.weights = np.asarray(weights.tolist() if hasattr(weights, "tolist") else weights, dtype=np.float64)
        if self.weights.ndim != 1 or (self.weights < 0).any() or not self.weights.sum() > 0:
            raise DataError("WeightedRandomSampler: weights must be a 1-D sequence of non-negative numbers, not all 0.")
        if not replacement and num_samples > (self.weights > 0).sum():
            raise DataError(
                "WeightedRandomSampler: without replacement, num_samples cannot exceed the non-zero weights."
            )
        self.num_samples, self.replacement, self.seed = num_samples, replacement, seed

    def __iter__(self):
        generator = generator_for(self.seed, "weighted", self.epoch)
        probabilities = self.weights / self.weights.sum()
        picks = generator.choice(len(self.weights), self.num_samples, replace=self.replacement, p=probabilities)
        return iter(picks.tolist())

    def __len__(self):
        return self.num_samples


class DistributedSampler(Sampler):
    """This rank's share of a (shuffled) dataset: every index goes to exactly one of world_size ranks.

    The order is padded (with indices from the start) to a multiple of world_size so all ranks
    take the same number of steps, unless drop_last, which trims instead; as in PyTorch.
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        from lamina import distributed  # the process group's size and rank by default, as PyTorch

        num_replicas = num_replicas if num_replicas is not None else distributed.get_world_size()
        rank = rank if rank is not None else distributed.get_rank()
        if not 0 <= rank < num_replicas:
            raise DataError(f"DistributedSampler: rank {rank} is out of range for num_replicas={num_replicas}.")
        self.size, self.num_replicas, self.rank = len(dataset), num_replicas, rank
        self.shuffle, self.seed, self.drop_last = shuffle, seed, drop_last
        if drop_last:
            self.num_samples = self.size // num_replicas
        else:
            self.num_samples = math.ceil(self.size / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self):
        order = (
            generator_for(self.seed, "shuffle", self.epoch).permutation(self.size).tolist()
            if self.shuffle
            else list(range(self.size))
        )
        if self.drop_last:
            order = order[: self.total_size]
        else:
            while len(order) < self.total_size:
                order += order[: self.total_size - len(order)]
        return iter(order[self.rank : self.total_size : self.num_replicas])

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Groups a sampler's indices into lists of batch_size; the last, shorter one unless drop_last."""

    def __init__(self, sampler, batch_size, drop_last=False):
        if not isinstance(batch_size, int) or batch_size <= 0:
            raise DataError(f"BatchSampler: batch_size must be a positive integer; got {batch_size!r}.")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def set_epoch(self, epoch):
        self.epoch = epoch
        if hasattr(self.sampler, "set_epoch"):
            self.sampler.set_epoch(epoch)

    def __iter__(self):
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:  # never an empty batch
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return math.ceil(len(self.sampler) / self.batch_size)
