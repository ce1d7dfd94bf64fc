"""register_post_accumulate_grad_hook: PyTorch's hook on a leaf's finished .grad, run as soon as the leaf is
done, while the backward goes on (the order of events is the same as torch's)."""

import numpy as np
import pytest

import lamina

torch = pytest.importorskip("torch")


def _events(lib):
    lib.manual_seed(0)
    w1 = lib.tensor([[0.5, -0.2], [0.1, 0.3]], requires_grad=True)
    w2 = lib.tensor([[1.0, -1.0]], requires_grad=True)
    events = []
    w2.register_post_accumulate_grad_hook(lambda t: events.append(("w2 done", t.grad.tolist())))
    w1.register_post_accumulate_grad_hook(lambda t: events.append(("w1 done", t.grad.tolist())))
    hidden = (w1 @ lib.tensor([[1.0], [2.0]])).tanh()
    hidden.register_hook(lambda g: events.append(("hidden grad", None)))
    (w2 @ hidden).sum().backward(retain_graph=True)
    (w2 @ hidden).sum().backward()  # a second backward: the hook sees the summed .grad
    return events


def test_the_hooks_run_when_each_leaf_is_done_in_torchs_order():
    ours, theirs = _events(lamina), _events(torch)
    assert [name for name, _ in ours] == [name for name, _ in theirs]
    assert ours[0][0] == "w2 done"  # before the gradient even reaches the first layer
    for (_, a), (_, b) in zip(ours, theirs):
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-6)


def test_shared_gradient_arrays_are_not_aliased_between_leaves():
    a = lamina.tensor([1.0, 2.0], requires_grad=True)
    b = lamina.tensor([3.0, 4.0], requires_grad=True)
    a.register_post_accumulate_grad_hook(lambda t: None)
    (a + b).sum().backward()  # Add hands the same gradient to both
    a.grad.array[0] = 100.0
    assert b.grad.tolist() == [1.0, 1.0]


def test_only_leaves_that_require_grad():
    with pytest.raises(lamina.errors.AutogradError, match="only leaf tensors"):
        (lamina.ones(2, requires_grad=True) * 2).register_post_accumulate_grad_hook(lambda t: None)
    with pytest.raises(lamina.errors.AutogradError, match="only leaf tensors"):
        lamina.ones(2).register_post_accumulate_grad_hook(lambda t: None)
    leaf = lamina.ones(2, requires_grad=True)
    calls = []
    handle = leaf.register_post_accumulate_grad_hook(lambda t: calls.append(1))
    (leaf * 3).sum().backward()
    handle.remove()
    (leaf * 3).sum().backward()
    assert calls == [1] and leaf.grad.tolist() == [6.0, 6.0]
