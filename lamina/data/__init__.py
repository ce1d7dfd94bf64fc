"""lamina.data: datasets' base classes, the DataLoader, samplers, collation and the pipeline's RNG."""

from lamina.data.collate import default_collate
from lamina.data.dataloader import DataLoader
from lamina.data.dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from lamina.data.rng import rng
from lamina.data.sampler import (
    BatchSampler,
    DistributedSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from lamina.data.worker import WorkerInfo, get_worker_info

__all__ = [
    "DataLoader",
    "Dataset",
    "IterableDataset",
    "TensorDataset",
    "Subset",
    "ConcatDataset",
    "ChainDataset",
    "StackDataset",
    "SubsetRandomSampler",
    "random_split",
    "Sampler",
    "SequentialSampler",
    "RandomSampler",
    "WeightedRandomSampler",
    "DistributedSampler",
    "BatchSampler",
    "default_collate",
    "get_worker_info",
    "WorkerInfo",
    "rng",
]
