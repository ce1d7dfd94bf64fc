"""DataLoader throughput: an in-memory MNIST-sized array, batch 128, lamina vs torch's DataLoader.

Each sample is (float32 image (1, 28, 28) scaled to [0, 1], int label), produced by the same
Python __getitem__ for both loaders; we time whole passes over 60,000 samples and report samples/s.
"""

import time

import numpy as np

from lamina.data import DataLoader, Dataset


class InMemoryDigits(Dataset):
    def __init__(self, n=60000, seed=0):
        rng = np.random.default_rng(seed)
        self.images = rng.integers(0, 256, (n, 1, 28, 28), dtype=np.uint8)
        self.labels = rng.integers(0, 10, n)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return self.images[index].astype(np.float32) / 255, int(self.labels[index])


def samples_per_second(loader, repeats=2):
    rates = []
    for _ in range(repeats):
        start, count = time.perf_counter(), 0
        for images, _ in loader:
            count += images.shape[0]
        rates.append(count / (time.perf_counter() - start))
    return max(rates)


def main():
    dataset = InMemoryDigits()
    setups = [
        ("lamina, main thread", DataLoader(dataset, batch_size=128, shuffle=True, seed=0)),
        ("lamina, 2 threads", DataLoader(dataset, batch_size=128, shuffle=True, seed=0, num_workers=2)),
        (
            "lamina, 2 processes",
            DataLoader(
                dataset,
                batch_size=128,
                shuffle=True,
                seed=0,
                num_workers=2,
                worker_type="process",
                persistent_workers=True,
            ),
        ),
    ]
    try:
        import torch
        from torch.utils.data import DataLoader as TorchLoader

        torch.manual_seed(0)
        setups += [
            ("torch, main process", TorchLoader(dataset, batch_size=128, shuffle=True)),
            (
                "torch, 2 processes",
                TorchLoader(dataset, batch_size=128, shuffle=True, num_workers=2, persistent_workers=True),
            ),
        ]
    except ImportError:
        print("torch not installed: lamina numbers only")
    lines = ["DataLoader over 60,000 in-memory 28x28 samples, batch 128 (samples/s, best of 2 epochs)"]
    for name, loader in setups:
        lines.append(f"  {name:>22}: {samples_per_second(loader):10.0f} samples/s")
        print(lines[-1], flush=True)
    return lines


if __name__ == "__main__":
    main()
