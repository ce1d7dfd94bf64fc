"""The Trainer: training, logs, plots, checkpoints, exact resume after SIGKILL, corrupt files, NaN detection."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import lamina
from lamina import nn, optim
from lamina.data import DataLoader, TensorDataset
from lamina.train import EarlyStopping, GradientClipping, Trainer, fit, load_latest, summary

HERE = Path(__file__).parent


def digits_loaders(batch_size=64):
    from lamina.datasets import Digits

    def loader(train):
        data = Digits(train=train)
        x = lamina.tensor(data.images.reshape(len(data), -1).astype(np.float32) / 16)
        return DataLoader(TensorDataset(x, lamina.tensor(data.labels)), batch_size=batch_size, shuffle=train, seed=0)

    return loader(True), loader(False)


def test_fit_trains_logs_plots_and_checkpoints(tmp_path):
    lamina.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    train, val = digits_loaders()
    history = fit(
        model,
        train,
        val,
        optimizer=optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
        epochs=4,
        out_dir=tmp_path,
        progress=False,
        callbacks=[GradientClipping(5.0)],
        metrics=("accuracy", "top5", "confusion"),
    )
    assert history[-1]["train_loss"] < history[0]["train_loss"] and history[-1]["val_accuracy"] > 0.9
    assert history[-1]["val_top5"] >= history[-1]["val_accuracy"]
    rows = (tmp_path / "log.csv").read_text().splitlines()
    assert rows[0].startswith("epoch,step,train_loss") and len(rows) == 5
    assert json.loads((tmp_path / "log.jsonl").read_text().splitlines()[-1])["epoch"] == 4
    for name in ("loss", "accuracy", "lr", "grad_norm"):
        assert (tmp_path / f"{name}.png").stat().st_size > 1000
    assert {p.name for p in tmp_path.glob("*.safetensors")} == {
        "last.safetensors",
        "best.safetensors",
        "epoch-0003.safetensors",
        "epoch-0004.safetensors",
    }
    confusion = np.array(json.loads((tmp_path / "confusion.json").read_text()))
    assert confusion.shape == (10, 10) and confusion.sum() == 359 and np.trace(confusion) / 359 > 0.9
    manifest = json.loads((tmp_path / "last.json").read_text())
    assert manifest["epoch"] == 4 and len(manifest["sha256"]) == 64


def run_script(out_dir, *args):
    return subprocess.run(
        [sys.executable, str(HERE / "run_training.py"), str(out_dir), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_killed_run_resumes_bit_identical(tmp_path):
    straight, killed = tmp_path / "straight", tmp_path / "killed"
    assert run_script(straight).returncode == 0
    crashed = run_script(killed, "--kill-at-step", "17")  # in epoch 3 (6 batches per epoch)
    assert crashed.returncode == -9 and (killed / "last.safetensors").exists()
    resumed = run_script(killed, "--resume")
    assert resumed.returncode == 0 and "resumed from" in resumed.stdout
    a, b = lamina.load(straight / "final.safetensors"), lamina.load(killed / "final.safetensors")
    for key in a:
        assert np.array_equal(a[key].numpy(), b[key].numpy()), key


def test_ctrl_c_saves_the_exact_position_and_resumes_bit_identical(tmp_path):
    straight, interrupted = tmp_path / "straight", tmp_path / "interrupted"
    assert run_script(straight).returncode == 0
    stopped = run_script(interrupted, "--interrupt-at-step", "15")  # mid epoch 3
    assert stopped.returncode == 0 and "interrupted; saved" in stopped.stdout
    assert not (interrupted / "final.safetensors").exists()
    state = lamina.train.load_checkpoint(interrupted / "last.safetensors")
    assert state["mid_epoch"] is True and state["step"] == 15 and state["loader"]["batches_done"] == 3
    assert run_script(interrupted, "--resume").returncode == 0
    a, b = lamina.load(straight / "final.safetensors"), lamina.load(interrupted / "final.safetensors")
    for key in a:
        assert np.array_equal(a[key].numpy(), b[key].numpy()), key


def test_corrupt_last_checkpoint_falls_back_to_the_previous_good_one(tmp_path):
    assert run_script(tmp_path).returncode == 0
    last = tmp_path / "last.safetensors"
    last.write_bytes(last.read_bytes()[:-100])
    warnings = []
    state, path = load_latest(tmp_path, warn=warnings.append)
    assert path.name == "epoch-0005.safetensors" and state["epoch"] == 5
    assert "expected" in warnings[0] and "bytes (manifest)" in warnings[0]
    (tmp_path / "empty.safetensors").write_bytes(b"")
    with pytest.raises(lamina.CheckpointError, match=r"file is empty \(0 bytes\)"):
        lamina.train.load_checkpoint(tmp_path / "empty.safetensors")
    with pytest.raises(lamina.CheckpointError, match="truncated"):
        load_latest(tmp_path, fallback=False)


class Exploding(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 2)

    def forward(self, x):
        return self.linear(x).log()  # log of negative logits: nan


def test_non_finite_loss_names_the_op_or_skips():
    x = lamina.tensor(-np.ones((8, 4), dtype=np.float32))
    loader = DataLoader(TensorDataset(x, lamina.zeros(8, dtype=lamina.int64)), batch_size=4)
    lamina.manual_seed(0)
    model = Exploding()
    with lamina.no_grad():
        model.linear.weight.fill_(1.0)
    trainer = Trainer(model, optim.SGD(model.parameters(), lr=0.1), loader, progress=False)
    with pytest.raises(lamina.AnomalyError, match="Function 'Log' returned nan values in its forward output"):
        trainer.fit()
    skipping = Trainer(model, optim.SGD(model.parameters(), lr=0.1), loader, progress=False, non_finite="skip")
    skipping.fit()
    assert skipping.skipped == 2


def test_early_stopping_and_summary():
    lamina.manual_seed(0)
    model = nn.Linear(64, 10)
    train, val = digits_loaders()
    trainer = Trainer(
        model,
        optim.SGD(model.parameters(), lr=0.0),
        train,
        val_loader=val,
        epochs=20,
        progress=False,
        callbacks=[EarlyStopping("val_loss", patience=2)],
    )
    assert len(trainer.fit()) == 3  # lr 0: no improvement after the first epoch
    table = summary(
        nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten(), nn.Linear(4 * 6 * 6, 2)), (1, 1, 8, 8), print_table=False
    )
    # conv: 2 * (1 * 3 * 3) * (4 * 6 * 6) = 2,592; linear: 2 * 144 * 2 = 576
    assert "Conv2d   (1, 4, 6, 6)          40  2,592" in table and "total: 330 parameters, 3,168 FLOPs" in table
