"""nn and optim names PyTorch programs use (issue 17), compared with torch over several steps."""

import io

import numpy as np
import pytest
from helpers import torch

import lamina
from lamina import nn

needs_torch = pytest.mark.skipif(torch is None, reason="compares with torch, which is not installed")


@needs_torch
@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_packed_sequences_through_recurrent_layers_equal_torch_with_gradients(kind):
    rng = np.random.default_rng(0)
    sequences = [rng.standard_normal((n, 3)) for n in (2, 5, 3)]
    torch.manual_seed(0)
    theirs = getattr(torch.nn, kind)(3, 4, num_layers=2, bidirectional=True, dtype=torch.float64)
    ours = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=True, dtype=lamina.float64)
    ours.load_state_dict({k: lamina.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    their_inputs = [torch.tensor(s, requires_grad=True) for s in sequences]
    our_inputs = [lamina.tensor(s, requires_grad=True) for s in sequences]
    their_out, their_hidden = theirs(torch.nn.utils.rnn.pack_sequence(their_inputs, enforce_sorted=False))
    our_out, our_hidden = ours(nn.utils.rnn.pack_sequence(our_inputs, enforce_sorted=False))
    assert our_out.batch_sizes.tolist() == their_out.batch_sizes.tolist()
    np.testing.assert_allclose(our_out.data.numpy(), their_out.data.detach().numpy(), atol=1e-12)
    their_h = their_hidden[0] if kind == "LSTM" else their_hidden
    our_h = our_hidden[0] if kind == "LSTM" else our_hidden
    np.testing.assert_allclose(our_h.numpy(), their_h.detach().numpy(), atol=1e-12)
    padded, lengths = nn.utils.rnn.pad_packed_sequence(our_out, batch_first=True)
    their_padded, their_lengths = torch.nn.utils.rnn.pad_packed_sequence(their_out, batch_first=True)
    assert lengths.tolist() == their_lengths.tolist() == [2, 5, 3]
    (padded.sum() + our_h.sum()).backward()
    (their_padded.sum() + their_h.sum()).backward()
    for mine, reference in zip(our_inputs, their_inputs):
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), atol=1e-12)


def test_pack_padded_sequence_refuses_unsorted_lengths_when_asked_to_enforce():
    with pytest.raises(ValueError, match="sorted in decreasing order"):
        nn.utils.rnn.pack_padded_sequence(lamina.zeros(4, 2, 1), [2, 3])
    padded = nn.utils.rnn.pad_sequence([lamina.ones(2), lamina.ones(4)], batch_first=True, padding_value=-1)
    assert padded.tolist() == [[1, 1, -1, -1], [1, 1, 1, 1]]


def test_full_backward_hooks_see_grad_input_and_grad_output_and_may_replace_grad_input():
    layer = nn.Linear(3, 2)
    seen = []

    def hook(module, grad_input, grad_output):
        seen.append((grad_input[0].shape, grad_output[0].shape))
        return (grad_input[0] * 0,)

    handle = layer.register_full_backward_hook(hook)
    x = lamina.randn(4, 3, requires_grad=True)
    layer(x).sum().backward()
    assert seen == [((4, 3), (4, 2))] and x.grad.abs().sum().item() == 0
    handle.remove()
    x.grad = None
    layer(x).sum().backward()
    assert x.grad.abs().sum().item() > 0 and len(seen) == 1


@needs_torch
def test_lbfgs_equals_torch_over_steps():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((20, 5)), rng.standard_normal(20)

    def run(lib):
        w = lib.zeros(5, dtype=lib.float64, requires_grad=True)
        matrix, target = lib.tensor(a), lib.tensor(b)
        optimizer = lib.optim.LBFGS([w], lr=0.5, max_iter=10, history_size=5)

        def closure():
            optimizer.zero_grad()
            loss = ((matrix @ w - target) ** 2).sum() + (w**4).sum()
            loss.backward()
            return loss

        for _ in range(3):
            optimizer.step(closure)
        return w.detach().numpy()

    np.testing.assert_allclose(run(lamina), run(torch), atol=1e-12)


@needs_torch
def test_cosine_annealing_warm_restarts_equals_torch():
    theirs = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    ours = lamina.optim.SGD([lamina.zeros(1, requires_grad=True)], lr=1.0)
    schedules = [
        torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(theirs, 3, 2, 0.01),
        lamina.optim.lr_scheduler.CosineAnnealingWarmRestarts(ours, 3, 2, 0.01),
    ]
    for _ in range(25):
        theirs.step(), ours.step()
        for schedule in schedules:
            schedule.step()
        assert ours.param_groups[0]["lr"] == pytest.approx(theirs.param_groups[0]["lr"], abs=1e-12)


def test_paths_programs_import_from():
    assert lamina.utils.data.DataLoader is lamina.data.DataLoader
    assert nn.init._calculate_fan_in_and_fan_out(lamina.empty(4, 3, 2, 2)) == (12, 16)
    wrapped = nn.parallel.DataParallel(nn.Linear(2, 2))
    assert list(wrapped.state_dict())[0].startswith("module.") and wrapped(lamina.ones(1, 2)).shape == (1, 2)
    with pytest.raises(RuntimeError, match="DistributedDataParallel: call lamina.distributed.init_process_group"):
        nn.parallel.DistributedDataParallel(nn.Linear(2, 2))  # outside a process group: says what to do
    vector = nn.utils.parameters_to_vector(nn.Linear(2, 2).parameters())
    assert vector.shape == (6,)


def test_save_and_load_take_file_objects_and_torchs_keywords(tmp_path):
    buffer = io.BytesIO()
    lamina.save({"w": lamina.ones(2), "step": 3}, buffer)
    buffer.seek(0)
    loaded = lamina.load(buffer, map_location="cpu", weights_only=True)
    assert loaded["w"].tolist() == [1.0, 1.0] and loaded["step"] == 3
    path = tmp_path / "model.safetensors"
    with open(path, "wb") as file:
        lamina.save({"w": lamina.ones(1)}, file)
    with open(path, "rb") as file:
        assert lamina.load(file, map_location={"cuda:0": "cpu"})["w"].tolist() == [1.0]


def test_legacy_constructors_and_to_keywords_as_pytorch():
    assert lamina.Tensor(2, 3).shape == (2, 3) and lamina.Tensor(2, 3).dtype is lamina.float32
    assert lamina.Tensor([1, 2]).dtype is lamina.float32 and lamina.Tensor((2, 2)).tolist() == [2.0, 2.0]
    assert lamina.FloatTensor([1, 2]).dtype is lamina.float32 and lamina.LongTensor(3).dtype is lamina.int64
    assert lamina.tensor([1, 2]).dtype is lamina.int64  # lamina.tensor keeps the data's dtype, as torch.tensor
    x = lamina.ones(2)
    assert x.to("cpu", non_blocking=True) is x and x.to(copy=True) is not x
    assert x.to(copy=True).array is not x.array
    model = nn.Linear(2, 2)
    assert model.to("cpu", non_blocking=True) is model
