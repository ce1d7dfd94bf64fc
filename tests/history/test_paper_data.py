"""`--full` trains on the papers' data where it is cached (here: a small CIFAR-10 written in its binary format)
and says what it used; quick mode never looks for it."""

import numpy as np
import pytest

import lamina
from lamina import nn
from lamina.history import alexnet, resnet


@pytest.fixture
def cached_cifar(tmp_path, monkeypatch):
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    generator = np.random.default_rng(0)
    for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
        records = np.concatenate(
            [generator.integers(0, 10, (20, 1)), generator.integers(0, 256, (20, 3072))], axis=1
        ).astype(np.uint8)
        (folder / name).write_bytes(records.tobytes())
    monkeypatch.setenv("LAMINA_DATA", str(tmp_path))
    return tmp_path


def test_alexnet_full_mode_trains_on_cifar_when_cached(cached_cifar):
    task = alexnet.task_for(quick=False, seed=0)
    assert task.description == "CIFAR-10" and task.marks == (alexnet.EARLY_TARGET,)
    assert task.x.shape == (100, 3, 32, 32) and task.x.dtype == np.float32 and task.y.shape == (100,)
    assert abs(float(task.x.mean())) < 1e-3 and task.x.max() > 50  # 0-255 minus the mean image, as the paper
    model = alexnet.four_layer_cnn(nn.ReLU, channels=3, field=32)
    assert model(lamina.tensor(task.x[:4])).shape == (4, 10)
    errors = alexnet.training_errors(nn.Tanh, task.x, task.y, 0.01, 0, alexnet.CHECK_EVERY, 0.25)
    assert len(errors) == 1 and 0.0 <= errors[0] <= 1.0


def test_resnet_full_mode_trains_on_cifar_when_cached(cached_cifar):
    x, y, data, steps, every = resnet.training_data(quick=False)
    assert data == "CIFAR-10" and x.shape == (100, 3, 32, 32) and abs(float(x.mean())) < 1e-4 and x.max() <= 1.0
    assert steps % every == 0


def test_full_mode_says_when_the_papers_data_is_unavailable(monkeypatch):
    monkeypatch.setattr(alexnet, "paper_data", lambda dataset, download: (None, "no network"))
    monkeypatch.setattr(resnet, "paper_data", lambda dataset, download: (None, "no network"))
    task = alexnet.task_for(quick=False, seed=0)
    assert task.description == "scattered digits (CIFAR-10 unavailable: no network)" and task.x.shape[1:] == (1, 16, 16)
    assert resnet.training_data(quick=False)[2] == "digits (CIFAR-10 unavailable: no network)"


def test_quick_mode_never_looks_for_the_papers_data(monkeypatch):
    def refuse(dataset, download):
        raise AssertionError("quick mode asked for " + dataset.__name__)

    monkeypatch.setattr(alexnet, "paper_data", refuse)
    monkeypatch.setattr(resnet, "paper_data", refuse)
    assert alexnet.task_for(quick=True, seed=0).description == "scattered digits"
    assert resnet.training_data(quick=True)[2] == "digits"


def test_spread_writes_mean_sd_and_count():
    from lamina.history.milestone import spread

    assert spread([1.0, 2.0, 3.0]) == "2.00 ± 1.00 (n=3)"
    assert spread([0.5], "{:.1%}") == "50.0% (n=1)"
