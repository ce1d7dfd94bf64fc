"""TensorBoard event files from lamina's own writer, read back with TensorBoard's EventAccumulator (issue 22)."""

import subprocess
import sys

import numpy as np
import pytest

import lamina
from lamina import nn, optim
from lamina.data import DataLoader, TensorDataset
from lamina.train.tensorboard import SummaryWriter, crc32c

event_accumulator = pytest.importorskip(
    "tensorboard.backend.event_processing.event_accumulator", reason="reads the files with TensorBoard itself"
)


def accumulate(folder):
    reader = event_accumulator.EventAccumulator(str(folder), size_guidance={"scalars": 0, "histograms": 0})
    reader.Reload()
    return reader


def test_crc32c_matches_the_standard_check_value():
    assert crc32c(b"123456789") == 0xE3069283  # CRC-32C's published check value


def test_scalars_and_histograms_read_back(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        for step in range(5):
            writer.add_scalar("loss", 1.0 / (step + 1), step)
        writer.add_scalars("lr", {"group0": 0.1, "group1": 0.01}, 3)
        writer.add_histogram("weights", np.arange(100.0), 2)
    reader = accumulate(tmp_path)
    assert sorted(reader.Tags()["scalars"]) == ["loss", "lr/group0", "lr/group1"]
    losses = reader.Scalars("loss")
    assert [e.step for e in losses] == [0, 1, 2, 3, 4]
    np.testing.assert_allclose([e.value for e in losses], [1, 1 / 2, 1 / 3, 1 / 4, 1 / 5], rtol=1e-6)
    histogram = reader.Histograms("weights")[0]
    assert histogram.step == 2 and histogram.histogram_value.num == 100 and histogram.histogram_value.max == 99.0
    assert sum(histogram.histogram_value.bucket) == 100


def test_trainer_writes_every_epoch_to_tensorboard(tmp_path):
    data = TensorDataset(lamina.randn(32, 4), lamina.randint(0, 3, (32,)))
    model = nn.Linear(4, 3)
    trainer = lamina.train.Trainer(
        model,
        optim.SGD(model.parameters(), lr=0.1),
        DataLoader(data, batch_size=8, seed=0),
        val_loader=DataLoader(data, batch_size=8),
        epochs=3,
        out_dir=tmp_path,
        progress=False,
        plot=False,
        log="tensorboard",
    )
    history = trainer.fit()
    reader = accumulate(tmp_path / "tensorboard")
    assert {"train/loss", "val/loss", "val/accuracy", "optim/lr", "optim/grad_norm"} <= set(reader.Tags()["scalars"])
    assert [e.step for e in reader.Scalars("val/loss")] == [1, 2, 3]
    np.testing.assert_allclose(
        [e.value for e in reader.Scalars("val/loss")], [r["val_loss"] for r in history], rtol=1e-6
    )
    assert set(reader.Tags()["histograms"]) == {"weights/weight", "weights/bias"}
    graph = reader.Graph()  # the model's graph, from the first batch
    assert [(n.name, n.op) for n in graph.node] == [
        ("input_0", "Placeholder"), ("weight", "VariableV2"), ("bias", "VariableV2"), ("Linear_0", "Linear")
    ]  # fmt: skip
    assert list(graph.node[-1].input) == ["input_0", "weight", "bias"]


def test_add_graph_groups_nodes_by_layer_and_leaves_the_model_as_it_was(tmp_path):
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 36, 2))
    model.train()
    statistics = model[1].running_mean.clone()
    with SummaryWriter(tmp_path) as writer:
        writer.add_graph(model, lamina.randn(2, 1, 8, 8))
    assert model.training and lamina.equal(model[1].running_mean, statistics)
    graph = accumulate(tmp_path).Graph()
    ops = {n.name.split("/")[0]: n.op for n in graph.node if "/" in n.name and "Const" not in n.name}
    assert ops["0"] == "Conv" and ops["4"] == "Linear"  # each primitive named under its layer's path
    assert all(source in {n.name for n in graph.node} for n in graph.node for source in n.input)


def test_lamina_train_tensorboard_flag(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "lamina.cli.main", "train", "lenet5", "--epochs", "1", "--quiet", "--tensorboard",
         "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "val/accuracy" in accumulate(tmp_path / "tensorboard").Tags()["scalars"]
