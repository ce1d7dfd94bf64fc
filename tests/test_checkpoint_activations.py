"""lamina.utils.checkpoint (issue 17): the same outputs and gradients as without it (dropout's mask too),
the function really run twice and without a graph the first time, checkpoint_sequential like torch's."""

import numpy as np
import pytest

import lamina
from lamina.utils.checkpoint import checkpoint, checkpoint_sequential

torch = pytest.importorskip("torch")


def _model():
    lamina.manual_seed(0)
    return lamina.nn.Sequential(
        lamina.nn.Linear(4, 8), lamina.nn.Dropout(0.5), lamina.nn.Tanh(), lamina.nn.Linear(8, 3), lamina.nn.Tanh(),
        lamina.nn.Linear(3, 1),
    )  # fmt: skip


def _gradients(model, run):
    model.zero_grad()
    x = lamina.tensor(np.random.default_rng(0).standard_normal((5, 4)), dtype=lamina.float32, requires_grad=True)
    lamina.manual_seed(7)
    out = run(model, x)
    (out * out).sum().backward()
    return [out.detach().numpy(), x.grad.numpy()] + [p.grad.numpy().copy() for p in model.parameters()]


@pytest.mark.parametrize(
    "run",
    [
        lambda m, x: checkpoint(m, x, use_reentrant=False),
        lambda m, x: checkpoint_sequential(m, 2, x),
        lambda m, x: checkpoint(lambda a, scale: m(a) * scale, x, 2.0) / 2.0,
    ],
)
def test_checkpointing_changes_nothing_but_memory(run):
    model = _model()
    plain = _gradients(model, lambda m, x: m(x))
    for ours, theirs in zip(_gradients(model, run), plain):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)


def test_the_function_runs_without_a_graph_then_again_in_the_backward():
    calls = []

    def function(x):
        calls.append(lamina.is_grad_enabled())
        return (x * 3).sin()

    x = lamina.randn(4, requires_grad=True)
    y = checkpoint(function, x)
    assert calls == [False] and y.requires_grad
    y.sum().backward()
    assert calls == [False, True]
    np.testing.assert_allclose(x.grad.numpy(), 3 * np.cos(3 * x.detach().numpy()), rtol=1e-5)


def test_checkpoint_sequential_refuses_bad_segments():
    with pytest.raises(ValueError, match="segments must be between 1 and 6"):
        checkpoint_sequential(_model(), 7, lamina.randn(2, 4))
