"""nn.Module: registration, traversal, modes, hooks, repr, state_dict and its errors (row 27)."""

import copy

import numpy as np
import pytest

import lamina
from lamina import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3, 4)
        self.norm = nn.BatchNorm1d(4)
        self.scale = nn.Parameter(lamina.ones(1))
        self.register_buffer("steps", lamina.zeros((), dtype=lamina.int64))
        self.register_buffer("scratch", lamina.zeros(2), persistent=False)
        self.note = "plain attribute"

    def forward(self, x):
        return self.norm(self.linear(x)) * self.scale


def test_registration_and_traversal():
    block = Block()
    assert [n for n, _ in block.named_parameters()] == [
        "scale",
        "linear.weight",
        "linear.bias",
        "norm.weight",
        "norm.bias",
    ]
    assert [n for n, _ in block.named_buffers()] == [
        "steps",
        "scratch",
        "norm.running_mean",
        "norm.running_var",
        "norm.num_batches_tracked",
    ]
    assert [n for n, _ in block.named_modules()] == ["", "linear", "norm"]
    assert [type(c).__name__ for c in block.children()] == ["Linear", "BatchNorm1d"]
    assert list(block.state_dict()) == [
        "scale",
        "steps",
        "linear.weight",
        "linear.bias",
        "norm.weight",
        "norm.bias",
        "norm.running_mean",
        "norm.running_var",
        "norm.num_batches_tracked",
    ]
    assert block.note == "plain attribute" and "scratch" not in block.state_dict()
    shared = nn.Linear(2, 2)
    assert len(list(nn.Sequential(shared, shared).parameters())) == 2  # a shared layer counts once


def test_train_eval_zero_grad_requires_grad_apply_to():
    block = Block()
    block.eval()
    assert not block.training and not block.norm.training
    block.train()
    block(lamina.randn(5, 3)).sum().backward()
    assert block.linear.weight.grad is not None
    block.zero_grad()
    assert block.linear.weight.grad is None
    block.requires_grad_(False)
    assert not any(p.requires_grad for p in block.parameters())
    seen = []
    block.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "BatchNorm1d", "Block"]
    block.double()
    assert block.linear.weight.dtype is lamina.float64 and block.steps.dtype is lamina.int64  # ints stay
    with pytest.raises(TypeError, match="cannot assign Tensor as parameter 'scale'"):
        block.scale = lamina.ones(1)


def test_forward_hooks():
    layer = nn.Linear(2, 2)
    calls = []
    handle = layer.register_forward_hook(lambda module, inputs, output: calls.append(output.shape) or output * 0)
    pre = layer.register_forward_pre_hook(lambda module, inputs: (inputs[0] * 2,))
    out = layer(lamina.ones(1, 2))
    assert calls == [(1, 2)] and out.tolist() == [[0.0, 0.0]]
    handle.remove()
    pre.remove()
    assert layer(lamina.ones(1, 2)).abs().sum().item() > 0


def test_repr_tree():
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(8, 2, bias=False))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n"
        "  (1): ReLU()\n"
        "  (2): Flatten(start_dim=1, end_dim=-1)\n"
        "  (3): Linear(in_features=8, out_features=2, bias=False)\n"
        ")"
    )


def test_containers():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    layers.append(nn.ReLU())
    assert len(layers) == 4 and len(list(layers.parameters())) == 6 and isinstance(layers[-1], nn.ReLU)
    heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Linear(2, 3)})
    assert set(heads.keys()) == {"a", "b"} and "a" in heads and heads["b"].out_features == 3
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    assert len(model) == 3 and isinstance(model[1], nn.Tanh) and len(model[:2]) == 2


def test_load_state_dict_round_trip_keeps_identity():
    a, b = Block(), Block()
    weight = b.linear.weight
    b.load_state_dict(a.state_dict())
    assert b.linear.weight is weight
    np.testing.assert_array_equal(b.linear.weight.numpy(), a.linear.weight.numpy())


def test_row_27_every_mismatch_in_one_error():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    other = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2), nn.Linear(2, 2))
    state = other.state_dict()
    state["2.bias"] = state["2.bias"].double()
    with pytest.raises(lamina.ShapeError) as error:
        model.load_state_dict(state)
    message = str(error.value)
    assert (
        "size mismatch for 0.weight: copying a param with shape (5, 4) from checkpoint, the shape in current model "
        "is (3, 4)" in message
    )
    assert "size mismatch for 0.bias" in message and "size mismatch for 2.weight" in message
    assert "dtype mismatch for 2.bias" in message
    assert 'Unexpected key(s) in state_dict: "3.weight", "3.bias".' in message
    partial = {k: v for k, v in model.state_dict().items() if k != "2.bias"}
    partial["extra"] = lamina.zeros(1)
    report = model.load_state_dict(partial, strict=False)
    assert report.missing_keys == ["2.bias"] and report.unexpected_keys == ["extra"]
    with pytest.raises(lamina.ShapeError, match='Missing key\\(s\\) in state_dict: "2.bias"'):
        model.load_state_dict({k: v for k, v in model.state_dict().items() if k != "2.bias"})


def test_deepcopy_gives_independent_parameters():
    model = Block()
    clone = copy.deepcopy(model)
    with lamina.no_grad():
        clone.linear.weight.add_(1)
    assert not np.allclose(clone.linear.weight.numpy(), model.linear.weight.numpy())
    assert isinstance(clone.linear.weight, nn.Parameter) and clone.linear.weight.device is model.linear.weight.device


def test_parameter():
    data = lamina.ones(2)
    p = nn.Parameter(data)
    assert p.requires_grad and p.is_leaf and p.array is data.array  # shares memory, as torch
    assert repr(p).startswith("Parameter containing:\ntensor([1., 1.], requires_grad=True)")
    assert type(p * 2) is lamina.Tensor


def test_replacing_a_submodule_or_parameter_keeps_its_place():
    """As torch: `model.conv1 = Conv2d(1, ...)` (a new first layer) stays first in children() and state_dict."""
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    model.__setattr__("0", nn.Linear(5, 4))
    assert [type(c).__name__ for c in model.children()] == ["Linear", "ReLU", "Linear"]
    assert model[0].in_features == 5 and list(model.state_dict())[:2] == ["0.weight", "0.bias"]
    layer = nn.Linear(2, 2)
    layer.weight = nn.Parameter(lamina.zeros(2, 2))
    assert list(dict(layer.named_parameters())) == ["weight", "bias"]
