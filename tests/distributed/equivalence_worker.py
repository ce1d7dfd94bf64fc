"""Run under mpiexec: train a model with DistributedDataParallel on this rank's half of each batch and
write the final parameters (rank 0) to the .npz path given; see test_distributed.py. A fourth argument,
`strict`, trains on the strict fake device (tests/strict_device.py), whose collectives are staged through the
host as a GPU's are."""

import sys
from pathlib import Path

import numpy as np

import lamina
from lamina import distributed, nn, optim


def build(kind, sync):
    lamina.manual_seed(0)
    if kind == "mlp":
        return nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3))
    if kind == "cnn":
        norm = nn.SyncBatchNorm(4) if sync else nn.BatchNorm2d(4)
        return nn.Sequential(nn.Conv2d(1, 4, 3), norm, nn.ReLU(), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))
    return LSTMClassifier()


class LSTMClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(6, 5, batch_first=True)
        self.head = nn.Linear(5, 3)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


def data(kind, step, batch, device):
    rng = np.random.default_rng(100 + step)
    shape = {"mlp": (batch, 6), "cnn": (batch, 1, 6, 6), "lstm": (batch, 4, 6)}[kind]
    return lamina.tensor(rng.standard_normal(shape), device=device), lamina.tensor(
        rng.integers(0, 3, batch), device=device
    )


def main(kind, mode, out, device="cpu", world_batch=64, steps=5):
    ranks = distributed.get_world_size() if distributed.is_initialized() else 1
    rank = distributed.get_rank() if distributed.is_initialized() else 0
    sync = mode == "sync"
    model = build(kind, sync).double().to(device)
    if ranks > 1:
        model = nn.parallel.DistributedDataParallel(model, broadcast_buffers=False)
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    share = world_batch // ranks
    accumulate = 2 if mode == "no_sync" else 1
    for step in range(steps):
        optimizer.zero_grad()
        for micro in range(accumulate):
            x, y = data(kind, step * accumulate + micro, world_batch, device)
            if mode == "per_rank" and ranks == 1:  # the reference for per-rank BatchNorm: each half on its own
                halves = [(x[i * 32 : (i + 1) * 32], y[i * 32 : (i + 1) * 32]) for i in range(2)]
                loss = sum(nn.functional.cross_entropy(model(a), b) for a, b in halves) / 2
                loss.backward()
                continue
            x, y = x[rank * share : (rank + 1) * share], y[rank * share : (rank + 1) * share]
            loss = nn.functional.cross_entropy(model(x), y) / accumulate
            if ranks > 1 and micro < accumulate - 1:
                with model.no_sync():
                    loss.backward()
            else:
                loss.backward()
        optimizer.step()
    if rank == 0:
        inner = model.module if ranks > 1 else model
        np.savez(out, **{name: t.numpy() for name, t in inner.named_parameters()})


if __name__ == "__main__":
    lamina.distributed.init_process_group()
    device = "cpu"
    if len(sys.argv) > 4 and sys.argv[4] == "strict":
        sys.path.insert(0, str(Path(__file__).parents[1]))
        import strict_device

        device = strict_device.register()
    main(sys.argv[1], sys.argv[2], sys.argv[3], device)
