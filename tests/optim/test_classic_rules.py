"""The pre-backprop learning rules: perceptron, Hebb/Oja, Widrow-Hoff."""

import numpy as np
import pytest

import lamina
from lamina import nn, optim


def test_perceptron_converges_on_separable_data_and_never_on_xor():
    rng = np.random.default_rng(0)
    points = rng.standard_normal((100, 2))
    labels = (points @ np.array([2.0, -1.0]) + 0.3 > 0).astype(np.float32)
    layer = nn.Linear(2, 1)
    rule = optim.PerceptronRule(layer.parameters(), lr=1.0)
    mistakes = [
        rule.step(lamina.tensor(points[i : i + 1].astype(np.float32)), lamina.tensor(labels[i : i + 1]))
        for _ in range(50)
        for i in range(100)
    ]
    assert sum(mistakes[-100:]) == 0  # a full pass without mistakes: converged
    xor_in = lamina.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    xor_out = lamina.tensor([0.0, 1.0, 1.0, 0.0])
    xor_rule = optim.PerceptronRule(nn.Linear(2, 1).parameters())
    assert all(sum(xor_rule.step(xor_in[i : i + 1], xor_out[i : i + 1]) for i in range(4)) > 0 for _ in range(200))


def test_oja_finds_the_first_principal_component():
    rng = np.random.default_rng(1)
    data = rng.standard_normal((2000, 3)) @ np.diag([3.0, 1.0, 0.5]) @ np.linalg.qr(rng.standard_normal((3, 3)))[0]
    layer = nn.Linear(3, 1, bias=False)
    rule = optim.HebbianRule(layer.parameters(), lr=0.01, rule="oja")
    for start in range(0, 2000, 10):
        rule.step(lamina.tensor(data[start : start + 10].astype(np.float32)))
    w = layer.weight.numpy()[0]
    first_pc = np.linalg.svd(data - data.mean(0), full_matrices=False)[2][0]
    assert abs(abs(w @ first_pc) / np.linalg.norm(w) - 1) < 0.01 and abs(np.linalg.norm(w) - 1) < 0.05


def test_plain_hebb_grows_without_bound():
    layer = nn.Linear(2, 1, bias=False)
    rule = optim.HebbianRule(layer.parameters(), lr=0.1, rule="hebb")
    x = lamina.tensor([[1.0, 1.0]])
    norms = []
    for _ in range(50):
        rule.step(x)
        norms.append(float(np.linalg.norm(layer.weight.numpy())))
    assert norms[-1] > 10 * norms[0]


def test_widrow_hoff_fits_a_linear_map():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((200, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]]) + 0.7).astype(np.float32)
    layer = nn.Linear(3, 1)
    rule = optim.WidrowHoff(layer.parameters(), lr=0.1)
    for _ in range(300):
        error = rule.step(lamina.tensor(x), lamina.tensor(y))
    assert error < 1e-6
    np.testing.assert_allclose(layer.weight.numpy(), [[1.0, -2.0, 0.5]], atol=1e-3)
    with pytest.raises(ValueError, match="one linear layer"):
        optim.WidrowHoff(nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2)).parameters())
