"""The second bad-input round (issue 23), one test per family and entry point: never a wrong answer,
a hang or lost data; a builtin-family error naming the op, layer or file and what it got."""

import io
import json
import os
import subprocess
import sys
import threading

import numpy as np
import pytest
from helpers import torch

import lamina
from lamina import nn, optim
from lamina.backend import NumpyBackend, register_device
from lamina.data import DataLoader
from lamina.train.checkpoint import load_checkpoint, save_checkpoint


@pytest.fixture(scope="module")
def other():
    register_device("other", NumpyBackend())
    return "other"


# --- 1: a good checkpoint is never replaced by one that cannot load ---
def test_a_reserved_key_is_refused_before_the_good_file_is_touched(tmp_path):
    path = tmp_path / "good.safetensors"
    lamina.save({"w": lamina.ones(2)}, path)
    with pytest.raises(ValueError, match="'__metadata__' is reserved.*Nothing was written"):
        lamina.save({"__metadata__": lamina.zeros(1)}, path)
    assert lamina.load(path)["w"].tolist() == [1.0, 1.0]


# --- 2, 3, 4: data loaders ---
def test_collate_refuses_samples_whose_keys_differ():
    with pytest.raises(
        lamina.DataError, match=r"entry 0 has keys \['a'\] and entry 1 has \['a', 'b'\].*indices 0 and 1"
    ):
        next(iter(DataLoader([{"a": 1}, {"a": 1, "b": 2}], batch_size=2)))
    with pytest.raises(lamina.DataError, match="different structures"):
        next(iter(DataLoader([{"a": 1, "b": 2}, {"a": 1}], batch_size=2)))


class Exits:
    def __len__(self):
        return 4

    def __getitem__(self, index):
        sys.exit(1)


class Locked:
    def __len__(self):
        return 4

    def __getitem__(self, index):
        return threading.Lock()


def run_bounded(function, seconds=60):
    """Run function in a thread; fail (rather than hang the suite) if it does not return in time."""
    outcome = {}

    def target():
        try:
            outcome["value"] = function()
        except BaseException as error:  # noqa: BLE001 - the test inspects whatever came out
            outcome["error"] = error

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"hung for {seconds} s"
    return outcome


def test_a_thread_worker_that_exits_is_an_error_not_a_hang():
    outcome = run_bounded(lambda: list(DataLoader(Exits(), batch_size=2, num_workers=2)))
    assert isinstance(outcome.get("error"), lamina.WorkerError)
    assert "SystemExit" in str(outcome["error"]) and "sample 0" in str(outcome["error"])


def test_an_unpicklable_sample_from_a_process_worker_is_named():
    loader = DataLoader(Locked(), batch_size=2, num_workers=1, worker_type="process", collate_fn=list)
    outcome = run_bounded(lambda: list(loader))
    assert isinstance(outcome.get("error"), lamina.DataError)
    assert "pickling it failed" in str(outcome["error"]) and "[0, 1]" in str(outcome["error"])


# --- 5: masks ---
def test_a_transposed_key_padding_mask_is_refused_not_misread():
    attention = nn.MultiheadAttention(8, 2, batch_first=True)
    x = lamina.randn(3, 5, 8)
    with pytest.raises(lamina.ShapeError, match=r"key_padding_mask must have shape \(N, S\) = \(3, 5\).*transposed"):
        attention(x, x, x, key_padding_mask=lamina.zeros(5, 3, dtype=lamina.bool))
    with pytest.raises(lamina.ShapeError, match=r"key_padding_mask must have shape.*got \(3, 4\)"):
        attention(x, x, x, key_padding_mask=lamina.zeros(3, 4, dtype=lamina.bool))
    with pytest.raises(lamina.ShapeError, match="attn_mask must have shape"):
        attention(x, x, x, attn_mask=lamina.zeros(4, 5, dtype=lamina.bool))


# --- devices ---
def test_every_entry_point_names_both_devices(other):
    logits = lamina.randn(4, 3, requires_grad=True)
    with pytest.raises(lamina.DeviceError, match="cross_entropy.*input is on cpu and target on other"):
        nn.functional.cross_entropy(logits, lamina.zeros(4, dtype=lamina.int64, device=other))
    with pytest.raises(lamina.DeviceError, match="nll_loss.*on other"):
        nn.functional.nll_loss(logits, lamina.zeros(4, dtype=lamina.int64, device=other))
    with pytest.raises(lamina.DeviceError, match="mse_loss"):
        nn.functional.mse_loss(logits, lamina.zeros(4, 3, device=other))
    with pytest.raises(lamina.DeviceError, match=r"backward: grad_output\[0\] is on other but output\[0\] is on cpu"):
        (logits * 2).backward(lamina.ones(4, 3, device=other))
    weight = nn.Parameter(lamina.ones(2))
    weight.grad = lamina.ones(2, device=other)
    with pytest.raises(lamina.DeviceError, match="SGD.step: a parameter on cpu .* has a .grad on other"):
        optim.SGD([weight], lr=0.1).step()


# --- float16 accumulates in float32 ---
def test_half_precision_reductions_and_norms_do_not_overflow_or_vanish():
    tens = lamina.full((10000,), 10.0, dtype=lamina.float16)
    assert tens.mean().item() == 10.0 and tens.var().item() == 0.0 and tens.std().item() == 0.0
    assert tens.mean().dtype is lamina.float16
    near = lamina.tensor(np.linspace(999, 1001, 8).reshape(2, 4), dtype=lamina.float16)
    normed = nn.functional.layer_norm(near, (4,))
    assert abs(normed[0, 0].item() + 1.414) < 0.01 and normed.dtype is lamina.float16


# --- empty tensors and dims ---
def test_empty_tensors_reduce_as_torch():
    empty = lamina.zeros(0, 3)
    values, indices = empty.max(1)
    assert values.shape == (0,) and indices.shape == (0,) and empty.argmin(1).shape == (0,)
    assert lamina.logsumexp(lamina.zeros(0), 0).item() == float("-inf")
    assert empty.logsumexp(0).tolist() == [float("-inf")] * 3
    with pytest.raises(lamina.ShapeError, match="max: cannot reduce over dimension 0 of size 0"):
        empty.max(0)
    with pytest.raises(lamina.ShapeError, match="dim 0 appears multiple times"):
        lamina.ones(2, 3).sum(dim=(0, 0))
    with pytest.raises(IndexError, match="stack: dimension out of range"):
        lamina.stack([lamina.ones(2)], dim=4)


# --- optimizers and schedules ---
def test_optimizer_arguments_and_foreign_state_are_refused():
    w = nn.Parameter(lamina.ones(2))
    with pytest.raises(ValueError, match="appears more than once"):
        optim.SGD([w, w], lr=0.1)
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match="Invalid learning rate"):
            optim.SGD([w], lr=bad)
    adam = optim.Adam([w], lr=0.1)
    w.grad = lamina.ones(2)
    adam.step()
    with pytest.raises(ValueError, match=r"hyper-parameters \['amsgrad', 'betas'.*saved from another optimizer"):
        optim.SGD([w], lr=0.1).load_state_dict(adam.state_dict())
    saved = adam.state_dict()
    saved["param_groups"][0].update(foreach=None, fused=None, capturable=False, differentiable=False)
    optim.Adam([w], lr=0.1).load_state_dict(saved)  # PyTorch's implementation flags change no value
    saved["param_groups"][0]["decoupled_weight_decay"] = True  # torch's Adam turned AdamW: not lamina's Adam
    with pytest.raises(ValueError, match=r"hyper-parameters \['decoupled_weight_decay'\]"):
        optim.Adam([w], lr=0.1).load_state_dict(saved)


def test_schedules_check_arguments_and_refuse_to_alternate():
    w = nn.Parameter(lamina.ones(1))
    sgd = optim.SGD([w], lr=1.0)
    for make in (
        lambda: optim.lr_scheduler.StepLR(sgd, step_size=0),
        lambda: optim.lr_scheduler.CosineAnnealingLR(sgd, T_max=0),
        lambda: optim.lr_scheduler.ExponentialLR(sgd, gamma=-1),
    ):
        with pytest.raises(ValueError, match="must be a positive"):
            make()
    first = optim.lr_scheduler.StepLR(sgd, step_size=1, gamma=0.9)
    second = optim.lr_scheduler.StepLR(sgd, step_size=1, gamma=0.1)
    first.step()
    second.step()
    with pytest.raises(ValueError, match="another scheduler .* steps the same optimizer.*SequentialLR"):
        first.step()
    # a scheduler that replaces another (the old one never steps again) is fine
    fresh = optim.SGD([w], lr=1.0)
    optim.lr_scheduler.StepLR(fresh, step_size=1).step()
    replacement = optim.lr_scheduler.ExponentialLR(fresh, gamma=0.5)
    replacement.step()
    replacement.step()
    # SequentialLR's children never count as a second scheduler
    chained = optim.SGD([w], lr=1.0)
    warmup = optim.lr_scheduler.LinearLR(chained, start_factor=0.5, total_iters=2)
    decay = optim.lr_scheduler.ExponentialLR(chained, gamma=0.9)
    sequence = optim.lr_scheduler.SequentialLR(chained, [warmup, decay], milestones=[2])
    for _ in range(5):
        sequence.step()


# --- checkpoints and logs ---
def test_bfloat16_and_float8_safetensors_files(tmp_path):
    if torch is None:
        pytest.skip("writes its bfloat16 file with torch, which is not installed")
    from safetensors.torch import save_file

    values = torch.randn(3, 2)
    save_file({"w": values.to(torch.bfloat16)}, str(tmp_path / "b.safetensors"))
    loaded = lamina.load(tmp_path / "b.safetensors")["w"]
    assert loaded.dtype is lamina.float32
    np.testing.assert_array_equal(loaded.numpy(), values.to(torch.bfloat16).float().numpy())
    save_file({"w": values.to(torch.float8_e4m3fn)}, str(tmp_path / "f8.safetensors"))
    with pytest.raises(lamina.CheckpointError, match="f8.safetensors: tensor 'w' has dtype F8_E4M3"):
        lamina.load(tmp_path / "f8.safetensors")


def test_a_deeply_nested_header_is_a_checkpoint_error(tmp_path):
    header = ("[" * 100000 + "]" * 100000).encode()
    path = tmp_path / "deep.safetensors"
    path.write_bytes(len(header).to_bytes(8, "little") + header)
    with pytest.raises(lamina.CheckpointError, match="deep.safetensors"):
        lamina.load(path)


def test_a_full_disk_names_the_file_and_keeps_the_old_one(tmp_path):
    """RLIMIT_FSIZE in a child process stands in for a full disk: the write fails with EFBIG/ENOSPC."""
    path = tmp_path / "model.safetensors"
    lamina.save({"w": lamina.ones(2)}, path)
    script = f"""
import resource, signal, lamina
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
try:
    lamina.save({{"w": lamina.ones(100000)}}, {str(path)!r})
except lamina.CheckpointError as error:
    print("CheckpointError:", error)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert f"lamina.save: writing {path}" in done.stdout and "unchanged" in done.stdout, done.stdout + done.stderr
    assert lamina.load(path)["w"].tolist() == [1.0, 1.0]
    assert [p.name for p in tmp_path.iterdir()] == ["model.safetensors"]  # no temporary file left behind


def test_a_checkpoint_read_while_another_process_rewrites_it(tmp_path):
    path = tmp_path / "last.safetensors"
    save_checkpoint({"w": lamina.zeros(50000), "epoch": 0}, path)
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import lamina\nfrom lamina.train.checkpoint import save_checkpoint\n"
            f"for i in range(60): save_checkpoint({{'w': lamina.full((50000,), float(i)), 'epoch': i}}, {str(path)!r})",
        ]
    )
    try:
        reads = 0
        while writer.poll() is None:
            state = load_checkpoint(path)  # never a checksum failure: a pair caught mid-replace is read again
            assert state["w"][0].item() == state["epoch"]
            reads += 1
    finally:
        writer.wait(timeout=120)
    assert reads > 0


def test_logs_do_not_repeat_an_epoch_after_a_kill_between_log_and_checkpoint(tmp_path):
    from lamina.train import Trainer

    data = lamina.data.TensorDataset(lamina.randn(16, 4), lamina.randint(0, 2, (16,)))

    def trainer(epochs):
        model = nn.Linear(4, 2)
        return Trainer(
            model,
            optim.SGD(model.parameters(), lr=0.1),
            DataLoader(data, batch_size=8, seed=0),
            epochs=epochs,
            out_dir=tmp_path,
            progress=False,
            plot=False,
        )

    trainer(2).fit()
    # as a run killed after logging epoch 3 but before its checkpoint leaves it: one row too many
    with open(tmp_path / "log.jsonl", "a") as file:
        file.write(json.dumps({"epoch": 3, "train_loss": 0.0}) + "\n")
    trainer(4).fit(resume=True)
    epochs = [json.loads(line)["epoch"] for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert epochs == [1, 2, 3, 4]
    rows = (tmp_path / "log.csv").read_text().splitlines()[1:]
    assert [row.split(",")[0] for row in rows] == ["1", "2", "3", "4"]


# --- dataset files ---
def write_idx(path, type_code, dims, payload):
    header = bytes([0, 0, type_code, len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims)
    path.write_bytes(header + payload)


def test_idx_files_with_overflowing_dims_truncated_gzip_or_float_labels(tmp_path):
    import gzip

    from lamina.datasets.mnist import MNIST, read_idx

    huge = tmp_path / "huge-idx3-ubyte"
    write_idx(huge, 0x08, [2**31, 2**31, 2**31], b"")
    with pytest.raises(lamina.DataError, match="huge-idx3-ubyte: the header promises"):
        read_idx(huge)
    packed = tmp_path / "t.gz"
    packed.write_bytes(gzip.compress(b"\0" * 1000)[:20])
    with pytest.raises(lamina.DataError, match=r"t.gz: the gzip stream is truncated or corrupt"):
        read_idx(packed)
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    write_idx(raw / "t10k-images-idx3-ubyte", 0x08, [2, 28, 28], b"\0" * (2 * 28 * 28))
    write_idx(raw / "t10k-labels-idx1-ubyte", 0x0D, [2], np.array([1.7, 2.2], ">f4").tobytes())
    with pytest.raises(lamina.DataError, match="label file holds float32 values"):
        MNIST(root=tmp_path, train=False)


# --- the CLI: one line, exit 2, never a traceback ---
@pytest.mark.parametrize(
    "config, message",
    [
        ("lr = [\n", "is not valid TOML"),
        ("lr = -1\n", "config key 'lr'.*must be a positive number, got -1"),
        ("epochs = -2\n", "config key 'epochs'.*must be a positive integer, got -2"),
        ("learning_rate = 0.1\n", "unknown config key 'learning_rate'.*known keys: batch_size"),
        (None, "config file .* does not exist"),
    ],
)
def test_cli_config_problems_are_one_line(tmp_path, config, message):
    path = tmp_path / "run.toml"
    if config is not None:
        path.write_text(config)
    done = subprocess.run(
        [sys.executable, "-m", "lamina.cli.main", "train", "lenet5", "--config", str(path), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    import re

    assert re.search(message, done.stderr), done.stderr


def test_cli_bad_checkpoints_and_inputs_are_one_line(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a checkpoint")
    folder = tmp_path / "folder"
    folder.mkdir()
    corrupt = tmp_path / "run"
    corrupt.mkdir()
    (corrupt / "last.safetensors").write_bytes(b"\0" * 64)
    (corrupt / "last.json").write_text(json.dumps({"format": "lamina.checkpoint/1", "bytes": 64, "sha256": "0"}))
    for command in (
        ["eval", str(text)],
        ["predict", str(folder), str(text)],
        ["train", "lenet5", "--out", str(corrupt), "--resume", "--epochs", "1", "--quiet"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "lamina.cli.main", *command], capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 2 and "Traceback" not in done.stderr, (command, done.stderr)
        assert done.stderr.startswith("lamina: "), done.stderr


def test_save_to_a_file_object_and_a_missing_folder_is_named(tmp_path):
    buffer = io.BytesIO()
    lamina.save({"x": lamina.ones(1)}, buffer)
    assert buffer.getvalue()[:8] != b"\0" * 8
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(lamina.CheckpointError, match="cannot write"):
        lamina.save({"x": lamina.ones(1)}, blocker / "sub" / "model.safetensors")
    assert os.path.exists(blocker)
