"""DataLoader and friends: order, seeds, workers, failures (rows 16, 31-33), streams, resume."""

import os
import signal
import time

import numpy as np
import pytest

import lamina
from lamina import data
from lamina.data import DataLoader, Dataset, IterableDataset, TensorDataset

WORKER_SETUPS = [(0, "thread"), (2, "thread"), (2, "process")]


class Augmented(Dataset):
    """Sample i is (i, a random draw from the pipeline's generator): shows which draws a batch got."""

    def __len__(self):
        return 20

    def __getitem__(self, index):
        return np.float32(index), np.float32(data.rng().random())


def batches(loader):
    return [[t.tolist() for t in batch] for batch in loader]


@pytest.mark.parametrize("workers,kind", WORKER_SETUPS)
def test_same_seed_same_batches_whatever_the_workers(workers, kind):
    reference = batches(DataLoader(Augmented(), batch_size=4, shuffle=True, seed=3))
    loader = DataLoader(Augmented(), batch_size=4, shuffle=True, seed=3, num_workers=workers, worker_type=kind)
    first_epoch = batches(loader)
    assert first_epoch == reference
    second_epoch = batches(loader)
    assert second_epoch != first_epoch  # a new shuffle and new augmentations each epoch
    assert sorted(i for b in second_epoch for i in b[0]) == list(range(20))
    draws = [d for b in first_epoch for d in b[1]]
    assert len(set(draws)) == 20  # every sample got its own draw: workers do not repeat each other


def test_seed_none_follows_manual_seed():
    lamina.manual_seed(11)
    a = batches(DataLoader(Augmented(), batch_size=5, shuffle=True))
    lamina.manual_seed(11)
    assert batches(DataLoader(Augmented(), batch_size=5, shuffle=True)) == a


def test_batching_rules():
    ds = TensorDataset(lamina.arange(10), lamina.arange(10) * 2)
    assert [b[0].tolist() for b in DataLoader(ds, batch_size=4)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert len(DataLoader(ds, batch_size=4, drop_last=True)) == 2
    with pytest.raises(lamina.DataError, match="yields no batch"):
        list(DataLoader(TensorDataset(lamina.zeros(0)), batch_size=2))
    with pytest.raises(lamina.DataError, match="yields no batch"):
        list(DataLoader(ds, batch_size=20, drop_last=True))


class Ragged(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, index):
        return np.zeros(2 if index != 2 else 3, dtype=np.float32)


@pytest.mark.parametrize("workers,kind", WORKER_SETUPS)
def test_row_16_ragged_samples_name_their_indices(workers, kind):
    loader = DataLoader(Ragged(), batch_size=4, num_workers=workers, worker_type=kind)
    with pytest.raises(
        lamina.DataError,
        match=r"stack expects each sample to be equal size, but got \[2\] at entry 0 "
        r"and \[3\] at entry 2.*dataset indices 0 and 2",
    ):
        list(loader)


class Failing(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, index):
        if index == 5:
            raise ValueError("bad record")
        return np.float32(index)


@pytest.mark.parametrize("workers,kind", WORKER_SETUPS)
def test_row_31_worker_exception_reraised_with_worker_and_sample(workers, kind):
    loader = DataLoader(Failing(), batch_size=2, num_workers=workers, worker_type=kind)
    where = "DataLoader worker 0" if workers else "the main process"
    with pytest.raises(ValueError, match=f"Caught ValueError in {where} while loading sample 5: bad record"):
        list(loader)


class Killer(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, index):
        if index == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        return np.float32(index)


def test_row_32_dead_worker_process_is_reported_with_a_hint():
    loader = DataLoader(Killer(), batch_size=2, num_workers=2, worker_type="process")
    with pytest.raises(
        lamina.WorkerError,
        match=r"worker 1 \(pid \d+\) exited unexpectedly: it was killed by signal "
        r"SIGKILL. Hint: .*memory",
    ):
        list(loader)


class Slow(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, index):
        time.sleep(3)
        return np.float32(index)


@pytest.mark.parametrize("kind", ["thread", "process"])
def test_row_33_timeout(kind):
    loader = DataLoader(Slow(), batch_size=1, num_workers=1, worker_type=kind, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.3 seconds"):
        list(loader)
    assert time.monotonic() - started < 2.5


class Numbers(IterableDataset):
    """A stream of 0..n-1 that shards itself over workers and ranks."""

    def __init__(self, n, rank=0, world_size=1):
        self.n, self.rank, self.world_size = n, rank, world_size

    def __iter__(self):
        return self.shard(range(self.n), self.rank, self.world_size)


@pytest.mark.parametrize("workers,kind", WORKER_SETUPS)
def test_streams_see_every_sample_exactly_once(workers, kind):
    seen = [x for b in DataLoader(Numbers(23), batch_size=4, num_workers=workers, worker_type=kind) for x in b.tolist()]
    assert sorted(seen) == list(range(23))
    per_rank = [
        [
            x
            for b in DataLoader(Numbers(23, rank, 3), batch_size=4, num_workers=workers, worker_type=kind)
            for x in b.tolist()
        ]
        for rank in range(3)
    ]
    assert sorted(sum(per_rank, [])) == list(range(23))


def test_resume_mid_epoch_continues_without_repeats():
    ds = TensorDataset(lamina.arange(12))
    loader = DataLoader(ds, batch_size=3, shuffle=True, seed=5)
    full = [b[0].tolist() for b in loader]
    loader = DataLoader(ds, batch_size=3, shuffle=True, seed=5)
    iterator = iter(loader)
    first_two = [next(iterator)[0].tolist() for _ in range(2)]
    state = loader.state_dict()
    resumed = DataLoader(ds, batch_size=3, shuffle=True)
    resumed.load_state_dict(state)
    assert first_two + [b[0].tolist() for b in resumed] == full
    assert resumed.epoch == 1


def test_worker_info_and_init_fn():
    started = []

    class WhoAmI(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, index):
            info = data.get_worker_info()
            return np.int64(info.id if info else -1)

    ids = [b.tolist() for b in DataLoader(WhoAmI(), batch_size=1, num_workers=2, worker_init_fn=started.append)]
    assert ids == [[0], [1], [0], [1]] and sorted(started) == [0, 1]
    assert data.get_worker_info() is None


def test_samplers():
    ds = TensorDataset(lamina.arange(10))
    ranks = [list(data.DistributedSampler(ds, num_replicas=3, rank=r, seed=1)) for r in range(3)]
    assert [len(r) for r in ranks] == [4, 4, 4]  # padded to equal shares, as PyTorch
    assert set(sum(ranks, [])) == set(range(10)) and len(sum(ranks, [])) == 12
    trimmed = [list(data.DistributedSampler(ds, num_replicas=3, rank=r, drop_last=True)) for r in range(3)]
    assert [len(r) for r in trimmed] == [3, 3, 3] and len(set(sum(trimmed, []))) == 9
    weighted = list(data.WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 400, seed=0))
    assert set(weighted) == {1, 3} and 0.65 < weighted.count(3) / 400 < 0.85
    assert sorted(data.RandomSampler(ds, seed=0)) == list(range(10))
    assert len(list(data.RandomSampler(ds, replacement=True, num_samples=25, seed=0))) == 25


def test_dataset_combinators():
    a = TensorDataset(lamina.arange(3))
    b = TensorDataset(lamina.arange(10, 14))
    both = a + b
    assert len(both) == 7 and both[3][0].item() == 10 and both[-1][0].item() == 13
    train, test = data.random_split(both, [5, 2], seed=0)
    assert sorted(train.indices + test.indices) == list(range(7))
    again, _ = data.random_split(both, [5, 2], seed=0)
    assert again.indices == train.indices
    parts = data.random_split(both, [0.5, 0.5], seed=1)
    assert [len(p) for p in parts] == [4, 3]
    with pytest.raises(lamina.DataError, match="same first dim"):
        TensorDataset(lamina.zeros(3), lamina.zeros(4))


def test_collate_structures():
    batch = data.default_collate(
        [{"x": np.ones(2), "label": 1, "name": "a"}, {"x": np.zeros(2), "label": 0, "name": "b"}]
    )
    assert batch["x"].shape == (2, 2) and batch["label"].tolist() == [1, 0] and batch["name"] == ["a", "b"]
