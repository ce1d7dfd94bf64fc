"""What runs inside a data-loader worker (thread or process): fetching and collating a batch.

Errors are caught here with the sample index, carried back as plain data (a process cannot
send every exception object), and re-raised by the loader as the same type where possible.
"""

import threading
import traceback
from dataclasses import dataclass

from lamina.data.collate import RaggedBatch
from lamina.data.rng import generator_for, set_rng
from lamina.errors import DataError

_local = threading.local()


@dataclass
class WorkerInfo:
    """Inside a worker: its id, how many workers there are, the loader's seed, the dataset."""

    id: int
    num_workers: int
    seed: int
    dataset: object


def get_worker_info():
    """The WorkerInfo of the current worker, or None in the main thread (as torch.utils.data)."""
    return getattr(_local, "info", None)


def set_worker_info(info):
    _local.info = info


@dataclass
class Failure:
    """An exception from a worker, as data: enough to re-raise it in the main thread."""

    type_name: str
    module: str
    message: str
    traceback: str
    worker_id: int
    sample_index: object


def capture_failure(error, worker_id, sample_index):
    return Failure(
        type(error).__name__,
        type(error).__module__,
        str(error),
        "".join(traceback.format_exception(type(error), error, error.__traceback__)),
        worker_id,
        sample_index,
    )


class SampleFailed(Exception):
    """Internal: a dataset[index] raised; carries the index out of the fetch loop."""

    def __init__(self, error, index):
        super().__init__(str(error))
        self.error, self.index = error, index


def fetch_batch(dataset, indices, collate_fn, seed, epoch, batch_index):
    """dataset[i] for each index, collated; the batch's own generator is installed first."""
    set_rng(generator_for(seed, "batch", epoch, batch_index))
    samples = []
    for index in indices:
        try:
            samples.append(dataset[index])
        except BaseException as error:  # SystemExit and friends too: a worker thread must never die silently
            raise SampleFailed(error, index) from error
    return collate(samples, collate_fn, indices)


def collate(samples, collate_fn, indices):
    try:
        return collate_fn(samples)
    except RaggedBatch as error:
        names = [indices[p] for p in error.positions] if indices is not None else list(error.positions)
        fix = (
            "Give every sample the same keys, or pass a collate_fn that handles missing ones."
            if type(error).__name__ == "MismatchedKeys"
            else "Pad the samples to one size, or pass a collate_fn that handles variable sizes."
        )
        raise DataError(f"{error} (dataset indices {names[0]} and {names[1]}). {fix}") from None
