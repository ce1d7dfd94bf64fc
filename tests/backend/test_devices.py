"""Training on a device that is not the CPU: the strict fake device here, the GPU in test_cuda.py.

The op, layer and optimizer suites already run on the strict device (check_op, compare_layer and the
optimizer tests compare it with the CPU); these tests hold what only a whole program shows: a training
step reads nothing back from the device, checks of device values report at the next read, the Trainer,
checkpoints and random state work there.
"""

import io

import numpy as np
import pytest
import strict_device
from strict_device import HostLeak, counting_syncs

import lamina
from lamina import nn, optim
from lamina.backend import deferred
from lamina.backend.counter_random import CounterStream
from lamina.nn import functional as F


@pytest.fixture(autouse=True)
def strict():
    yield strict_device.register()
    deferred.pending.clear()  # a test that failed before a read must not hand its checks to the next


# --- the checker itself must be able to fail ---
def test_the_strict_device_refuses_numpy_and_counts_host_reads():
    x = lamina.arange(6.0, device="strict").reshape(2, 3)
    with pytest.raises(HostLeak, match="implicit conversion"):
        np.asarray(x.array)
    with pytest.raises(HostLeak, match="np.exp was called on a device array"):
        np.exp(x.array)
    with pytest.raises(HostLeak, match="np.concatenate"):
        np.concatenate([x.array, x.array])
    with pytest.raises(HostLeak, match="host \\(NumPy\\) array"):
        x.array + np.ones(3)
    assert not isinstance(x.array, np.ndarray)  # as a CuPy array: isinstance checks take the NumPy path wrongly
    with counting_syncs() as syncs:
        y = (x * 2).sum()
        assert syncs() == 0
        assert y.item() == 30.0
    assert syncs.final == 1 and "item" in syncs.where[0] or "to_numpy" in syncs.where[0]


def _models():
    return {
        "mlp-adam": (lambda: nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3)), optim.Adam,
                     lambda rng: (rng.standard_normal((4, 8)), rng.integers(0, 3, 4))),
        "cnn-batchnorm-sgd": (
            lambda: nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4, momentum=None), nn.ReLU(),
                                  nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 3)),
            lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
            lambda rng: (rng.standard_normal((4, 1, 8, 8)), rng.integers(0, 3, 4))),
        "embedding-gru-adamw": (lambda: _Recurrent(), optim.AdamW,
                                lambda rng: (rng.integers(0, 10, (3, 5)), rng.integers(0, 10, (3, 5)))),
        "transformer-rmsprop": (lambda: _Attention(), optim.RMSprop,
                                lambda rng: (rng.integers(0, 10, (2, 6)), rng.integers(0, 10, (2, 6)))),
    }  # fmt: skip


class _Recurrent(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed, self.rnn, self.head = nn.Embedding(10, 6), nn.GRU(6, 5, batch_first=True), nn.Linear(5, 10)

    def forward(self, tokens):
        return self.head(self.rnn(self.embed(tokens))[0])


class _Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(10, 8)
        self.block = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True, norm_first=True)
        self.head = nn.Linear(8, 10)

    def forward(self, tokens):
        mask = nn.Transformer.generate_square_subsequent_mask(tokens.shape[1], device=tokens.device)
        return self.head(F.gelu(self.block(self.embed(tokens), src_mask=mask, is_causal=True)))


def _train(name, device, steps=3):
    make_model, make_optimizer, make_batch = _models()[name]
    lamina.manual_seed(0)
    model = make_model().double().to(device)
    optimizer = make_optimizer(model.parameters())
    rng = np.random.default_rng(0)
    inputs, targets = make_batch(rng)
    x = lamina.tensor(inputs, dtype=lamina.float64 if inputs.dtype.kind == "f" else None, device=device)
    y = lamina.tensor(targets, device=device)
    reads = []
    for _ in range(steps):
        with counting_syncs() as syncs:
            optimizer.zero_grad()
            logits = model(x)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
        reads.append(syncs.final)
    return reads, [p.numpy() for p in model.parameters()] + [b.numpy() for b in model.buffers()]


@pytest.mark.parametrize("name", list(_models()))
def test_a_training_step_reads_nothing_back_and_matches_the_cpu(name):
    reads, state = _train(name, "strict")
    assert reads == [0, 0, 0], f"host reads per step on the strict device: {reads}"
    _, expected = _train(name, "cpu")
    for got, want in zip(state, expected):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


# --- checks of device values: at once on the CPU, at the next read on a device ---
def test_a_bad_label_is_reported_at_the_next_read_naming_the_loss():
    logits = lamina.randn(4, 3, device="strict")
    labels = lamina.tensor([0, 2, 7, 1], device="strict")
    loss = F.cross_entropy(logits, labels)  # no read here: the check waits on the device
    with pytest.raises(IndexError, match=r"cross_entropy: Target 7 is out of bounds.*batch position 2.*checked on"):
        loss.item()
    assert lamina.tensor(1.0, device="strict").item() == 1.0  # reported once, then the queue is clear
    with pytest.raises(IndexError, match="cross_entropy: Target 7 is out of bounds.*batch position 2"):
        F.cross_entropy(logits.cpu(), labels.cpu())  # on the CPU: at once


@pytest.mark.parametrize(
    "op, match",
    [
        (lambda w, i: F.embedding(i, w), "embedding: index 9 is out of range .*num_embeddings=4"),
        (lambda w, i: w.gather(0, i.reshape(-1, 1).expand(-1, 2)), "gather: index 9 is out of bounds for dim"),
        (lambda w, i: w.index_select(0, i), "index_select: index 9 out of range"),
    ],
)
def test_index_checks_wait_for_the_next_read(op, match):
    weight, index = lamina.randn(4, 2, device="strict"), lamina.tensor([1, 9, 0], device="strict")
    with counting_syncs() as syncs:
        out = op(weight, index)
        assert syncs() == 0
    with pytest.raises(IndexError, match=match):
        out.numpy()
    with pytest.raises(IndexError, match=match):
        op(weight.cpu(), index.cpu())
    lamina.cuda.synchronize()  # nothing pending: a no-op, on a machine with or without a GPU


def test_clip_grad_norm_error_if_nonfinite_reports_lazily():
    p = lamina.tensor([1.0, 2.0], device="strict", requires_grad=True)
    (p * float("inf")).sum().backward()
    norm = nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError, match="clip_grad_norm_: the total norm of the gradients is inf"):
        norm.item()


# --- the Trainer, checkpoints and random state ---
def _loader(seed=0, size=64):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((size, 6)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    data = lamina.data.TensorDataset(lamina.tensor(x), lamina.tensor(y))
    return lamina.data.DataLoader(data, batch_size=8, shuffle=True, seed=seed)


def _fit(device, out_dir=None, epochs=2, dropout=0.2, size=64, **options):
    lamina.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Dropout(dropout), nn.Linear(8, 2))
    trainer = lamina.train.Trainer(
        model, optim.SGD(model.parameters(), lr=0.1), _loader(0, size), val_loader=_loader(1, size), epochs=epochs,
        device=device, progress=False, plot=False, out_dir=out_dir, **options,
    )  # fmt: skip
    with counting_syncs() as syncs:
        history = trainer.fit()
    return trainer, history, syncs.final


def test_the_trainer_runs_on_a_device_reading_it_only_at_check_points():
    trainer, history, reads = _fit("strict", dropout=0.0)  # dropout draws differ by device (its own stream)
    assert trainer.device == "strict" and all(p.device == "strict" for p in trainer.model.parameters())
    assert trainer.check_every == 50
    # per epoch a few reads (the means of the loss, accuracy and norm, the finiteness flags, the evaluation's
    # sums), however many steps: four times the data (32 steps and 32 evaluation batches an epoch), as many
    # (with no check point inside the epochs; every 50 steps, there are two reads more at each)
    assert (
        _fit("strict", dropout=0.0, check_every=1000)[2] == _fit("strict", dropout=0.0, size=256, check_every=1000)[2]
    )
    assert reads <= 2 * 10, reads
    _, on_cpu, _ = _fit("cpu", dropout=0.0)
    for ours, cpu in zip(history, on_cpu):
        for key in ("train_loss", "train_accuracy", "val_loss", "val_accuracy", "grad_norm"):
            assert ours[key] == pytest.approx(cpu[key], rel=1e-5), key


def test_a_non_finite_step_on_a_device_is_reported_by_its_step():
    lamina.manual_seed(0)
    model = nn.Linear(6, 2)
    calls = []

    def loss(logits, targets):  # NaN from the third batch on
        calls.append(1)
        return F.cross_entropy(logits, targets) * (float("nan") if len(calls) >= 3 else 1.0)

    trainer = lamina.train.Trainer(
        model, optim.SGD(model.parameters(), lr=0.1), _loader(), loss=loss, epochs=1, device="strict",
        progress=False, plot=False, check_every=4,
    )  # fmt: skip
    with pytest.raises(lamina.AnomalyError, match=r"non-finite loss or gradients at epoch 1, step 3 \(found at step 4"):
        trainer.fit()


def test_a_device_run_checkpoints_and_resumes_exactly_and_loads_on_the_cpu(tmp_path):
    _, whole, _ = _fit("strict", tmp_path / "whole", epochs=2)
    _fit("strict", tmp_path / "split", epochs=1)
    trainer, resumed, _ = _fit("strict", tmp_path / "split", epochs=2, check_every=1)
    trainer.fit(resume=True)
    assert [r["train_loss"] for r in trainer.history] == pytest.approx([r["train_loss"] for r in whole], rel=1e-12)
    state = lamina.load(tmp_path / "whole" / "last.safetensors")  # saved from the device, read on the CPU
    assert all(t.device == "cpu" for t in state.values() if isinstance(t, lamina.Tensor))
    on_device = lamina.load(tmp_path / "whole" / "last.safetensors", map_location="strict")
    assert all(t.device == "strict" for t in on_device.values() if isinstance(t, lamina.Tensor))


def test_device_random_state_round_trips_and_permutations_are_permutations():
    lamina.manual_seed(5)
    backend = lamina.device("strict").backend
    state = backend.get_state()
    first = lamina.rand(5, device="strict").tolist()
    backend.set_state(state)
    assert lamina.rand(5, device="strict").tolist() == first
    lamina.manual_seed(5)
    assert lamina.rand(5, device="strict").tolist() == first  # manual_seed seeds every device
    assert sorted(lamina.randperm(50, device="strict").tolist()) == list(range(50))
    stream = CounterStream(np.random.default_rng, 1)
    draws = [stream.uniform((3,), np.float64) for _ in range(2)]
    assert not np.array_equal(draws[0], draws[1]) and stream.get_state() == {"seed": 1, "draws": 2}
    with pytest.raises(ValueError, match="set_rng_state: expected a device generator's state"):
        stream.set_state({"bit_generator": "PCG64"})


def test_a_device_checkpoint_in_memory_loads_anywhere():
    model = nn.Linear(3, 2).to("strict")
    buffer = io.BytesIO()
    lamina.save(model.state_dict(), buffer)
    buffer.seek(0)
    copy = nn.Linear(3, 2)
    copy.load_state_dict(lamina.load(buffer))
    assert copy.weight.device == "cpu"
    np.testing.assert_array_equal(copy.weight.numpy(), model.weight.numpy())


def test_the_history_milestones_for_any_device_train_there_as_on_the_cpu():
    from lamina.backend import kernels
    from lamina.history import ANY_DEVICE, alexnet

    assert ANY_DEVICE == {"alexnet"}  # each one listed is exercised below
    x, y = alexnet.scattered_digits(n=200)

    def errors(device):
        lamina.set_default_device(device)
        try:
            return alexnet.training_errors(nn.ReLU, x, y, 0.01, 0, 2 * alexnet.CHECK_EVERY, alexnet.TARGET)
        finally:
            lamina.set_default_device(None)

    with kernels.use("numpy"):  # the strict device runs the reference kernels: the CPU side too, for equality
        on_cpu = errors("cpu")
    assert errors("strict") == pytest.approx(on_cpu, abs=1e-12)
