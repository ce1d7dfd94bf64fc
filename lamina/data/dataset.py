"""Datasets: map-style (`__getitem__`/`__len__`) and iterable (streams), and their combinators."""

import bisect

from lamina.errors import DataError


class Dataset:
    """A map-style dataset: `dataset[i]` is sample i, `len(dataset)` the number of samples."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset:
    """A stream of samples (`__iter__`), for data too large to index, e.g. web-scale text shards.

    With several data-loader workers (or ranks) each iterator must yield a disjoint part; `shard`
    does that for any iterable: it keeps every k-th item for this worker and rank, so every sample
    is seen exactly once per epoch.
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    @staticmethod
    def shard(items, rank: int = 0, world_size: int = 1):
        """The items that belong to this (rank, worker): positions p with p % total == this slot."""
        from lamina.data.worker import get_worker_info

        info = get_worker_info()
        workers, worker_id = (info.num_workers, info.id) if info is not None else (1, 0)
        total, slot = world_size * workers, rank * workers + worker_id
        for position, item in enumerate(items):
            if position % total == slot:
                yield item


class TensorDataset(Dataset):
    """Samples are the i-th rows of the given tensors (which must agree on their first dim)."""

    def __init__(self, *tensors):
        if not tensors:
            raise DataError("TensorDataset: give at least one tensor.")
        sizes = {t.shape[0] for t in tensors}
        if len(sizes) != 1:
            raise DataError(
                f"TensorDataset: tensors must have the same first dim; got sizes {[t.shape[0] for t in tensors]}."
            )
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order."""

    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, list(indices)

    def __getitem__(self, index):
        if isinstance(index, list):
            return [self.dataset[self.indices[i]] for i in index]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """Datasets one after another: index i falls into the dataset whose range holds it."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise DataError("ConcatDataset: give at least one dataset.")
        if any(isinstance(d, IterableDataset) for d in self.datasets):
            raise DataError("ConcatDataset: iterable datasets cannot be indexed; chain their iterators instead.")
        self.cumulative_sizes = []
        total = 0
        for dataset in self.datasets:
            total += len(dataset)
            self.cumulative_sizes.append(total)

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"ConcatDataset: index {index} is out of range for {len(self)} samples.")
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def random_split(dataset, lengths, generator=None, seed=None):
    """Split into non-overlapping Subsets of the given lengths (or fractions that sum to 1), seeded by a
    lamina.Generator (PyTorch's argument) or a seed."""
    if seed is None and generator is not None:
        from lamina.random import seed_from

        seed = seed_from(generator)
    total = len(dataset)
    if all(isinstance(n, float) for n in lengths) and abs(sum(lengths) - 1) < 1e-6:
        counts = [int(total * f) for f in lengths]
        for i in range(total - sum(counts)):  # hand the remainder out round-robin, as PyTorch
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != total:
        raise DataError(f"random_split: the lengths {list(lengths)} sum to {sum(lengths)}, not the dataset's {total}.")
    order = _permutation(total, seed)
    subsets, start = [], 0
    for length in lengths:
        subsets.append(Subset(dataset, order[start : start + length].tolist()))
        start += length
    return subsets


def _permutation(n, seed):
    from lamina.data.rng import generator_for

    return generator_for(seed, "random_split").permutation(n)


class ChainDataset(IterableDataset):
    """Iterable datasets one after another."""

    def __init__(self, datasets):
        self.datasets = list(datasets)

    def __iter__(self):
        for dataset in self.datasets:
            yield from dataset


class StackDataset(Dataset):
    """Datasets side by side: sample i is the tuple (or dict, given keywords) of each one's sample i."""

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise DataError("StackDataset: give the datasets as positional or as keyword arguments, not both.")
        self.datasets = kwargs or args
        sizes = {len(d) for d in (kwargs.values() if kwargs else args)}
        if len(sizes) != 1:
            raise DataError(f"StackDataset: the datasets have different lengths {sorted(sizes)}.")
        self.size = sizes.pop()

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {key: dataset[index] for key, dataset in self.datasets.items()}
        return tuple(dataset[index] for dataset in self.datasets)
