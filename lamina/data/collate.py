"""default_collate: a list of samples -> one batch, stacking like with like."""

import numbers

import numpy as np  # samples often arrive as NumPy arrays

from lamina.errors import DataError
from lamina.tensor import Tensor


def default_collate(samples):
    """Tensors and arrays are stacked along a new first dim, numbers become a tensor, strings stay a
    list; tuples (namedtuples keeping their type) and dicts are collated field by field. Differently
    shaped samples are a DataError (the loader adds their dataset indices)."""
    from lamina import creation, functional

    first = samples[0]
    if isinstance(first, Tensor):
        _check_shapes([tuple(s.shape) for s in samples])
        return functional.stack(samples)
    if isinstance(first, np.ndarray):
        _check_shapes([s.shape for s in samples])
        return creation.tensor(np.stack(samples))
    if isinstance(first, bool) or isinstance(first, numbers.Number) or isinstance(first, np.generic):
        return creation.tensor(np.array(samples))
    if isinstance(first, (str, bytes)):
        return list(samples)
    if isinstance(first, dict):
        _check_keys(samples)
        return {key: default_collate([s[key] for s in samples]) for key in first}
    if isinstance(first, (tuple, list)):
        if any(len(s) != len(first) for s in samples):
            raise DataError("collate: samples have different numbers of fields.")
        fields = [default_collate(list(column)) for column in zip(*samples)]
        if isinstance(first, tuple) and hasattr(first, "_fields"):  # a namedtuple keeps its type, as in PyTorch
            return type(first)(*fields)
        return tuple(fields) if isinstance(first, tuple) else fields
    return list(samples)


class RaggedBatch(DataError):
    """Samples of different shapes in one batch; `positions` are their places in the batch."""

    def __init__(self, message, positions):
        super().__init__(message)
        self.positions = positions


class MismatchedKeys(RaggedBatch):
    """Dict samples whose keys differ: collating only the first's keys would silently drop data."""


def _check_keys(samples):
    keys = set(samples[0])
    for position, sample in enumerate(samples[1:], start=1):
        if not isinstance(sample, dict) or set(sample) != keys:
            other = sorted(map(str, sample)) if isinstance(sample, dict) else type(sample).__name__
            raise MismatchedKeys(
                f"collate: samples have different structures: entry 0 has keys {sorted(map(str, keys))} and "
                f"entry {position} has {other}",
                (0, position),
            )


def _check_shapes(shapes):
    for position, shape in enumerate(shapes[1:], start=1):
        if shape != shapes[0]:
            raise RaggedBatch(
                f"collate: stack expects each sample to be equal size, but got {list(shapes[0])} at entry 0 and "
                f"{list(shape)} at entry {position}",
                (0, position),
            )
