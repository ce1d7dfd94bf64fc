"""DataLoader(pin_memory=True) (issue 18): without a GPU, PyTorch's warning and the batches unchanged; with
one, every tensor of a batch (in tuples, lists, dicts, namedtuples) pinned (the real pinning runs in
tests/backend/test_cuda.py on a GPU; here a stand-in for the GPU backend records what was pinned)."""

import importlib
from collections import namedtuple

import numpy as np
import pytest

import lamina
from lamina.data import DataLoader, Dataset

tensor_module = importlib.import_module("lamina.tensor")  # the module (lamina.tensor is the function)


class _Samples(Dataset):
    Pair = namedtuple("Pair", ["image", "label"])

    def __len__(self):
        return 6

    def __getitem__(self, index):
        return {"pair": self.Pair(lamina.full((2,), float(index)), index), "names": [lamina.tensor(index)]}


def test_without_a_gpu_the_loader_warns_once_and_pins_nothing(monkeypatch):
    monkeypatch.setattr(lamina.cuda, "is_available", lambda: False)
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no accelerator is found"):
        loader = DataLoader(_Samples(), batch_size=3, pin_memory=True)
    batches = list(loader)
    assert len(batches) == 2 and batches[0]["pair"].image.shape == (3, 2)
    assert not batches[0]["pair"].image.is_pinned()
    assert lamina.ones(2).pin_memory().is_pinned() is False


class _PinningStandIn:
    """What the CuPy backend offers for pinning, recording the arrays it copied."""

    def __init__(self):
        self.pinned = []

    def pin(self, array):
        copy = np.array(array)
        self.pinned.append(copy)
        return copy

    def is_pinned(self, array):
        return any(array is p for p in self.pinned)


@pytest.mark.parametrize("num_workers", [0, 2])
def test_with_a_gpu_every_tensor_of_every_batch_is_pinned(monkeypatch, num_workers):
    stand_in = _PinningStandIn()

    class _Cuda:
        backend = stand_in

    real_get_device = tensor_module.get_device
    monkeypatch.setattr(lamina.cuda, "is_available", lambda: True)
    monkeypatch.setattr(
        tensor_module, "get_device", lambda name=None: _Cuda if name == "cuda" else real_get_device(name)
    )
    loader = DataLoader(_Samples(), batch_size=4, pin_memory=True, num_workers=num_workers)
    for batch in loader:
        image, label = batch["pair"]
        assert type(batch["pair"]).__name__ == "Pair"
        for tensor in (image, label, batch["names"][0]):
            assert tensor.is_pinned()
    assert len(stand_in.pinned) == 2 * 3  # two batches, three tensors each
    np.testing.assert_array_equal(stand_in.pinned[0], np.repeat(np.arange(4.0), 2).reshape(4, 2).astype(np.float32))
    with pytest.raises(lamina.DeviceError, match="only CPU tensors can be pinned"):
        lamina.Tensor.pin_memory(type("T", (), {"device": type("D", (), {"type": "cuda"})()})())
