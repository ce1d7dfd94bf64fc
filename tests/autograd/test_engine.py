"""The backward engine: accumulation, graph lifetime, higher order, hooks, grad modes, in-place."""

import threading

import numpy as np
import pytest
from helpers import torch

import lamina
from lamina.autograd import Function


def test_long_chain_needs_no_recursion():
    x = lamina.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_fan_out_accumulates_and_leaf_grads_add_up_across_calls():
    x = lamina.tensor([1.0, 2.0], requires_grad=True)
    y = x * x + x * 3  # x used three times
    y.sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]
    (x * 2).sum().backward()
    assert x.grad.tolist() == [7.0, 9.0]


def test_shared_gradient_arrays_are_not_aliased_between_leaves():
    a = lamina.ones(2, requires_grad=True)
    b = lamina.ones(2, requires_grad=True)
    (a + b).sum().backward()
    with lamina.no_grad():
        a.grad.mul_(5)
    assert b.grad.tolist() == [1.0, 1.0]


def test_backward_twice_needs_retain_graph():
    x = lamina.tensor([1.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0]
    with pytest.raises(lamina.AutogradError, match="backward through the graph a second time.*retain_graph=True"):
        y.backward()


def test_second_derivatives():
    x = lamina.tensor([1.0, 2.0], dtype=lamina.float64, requires_grad=True)
    (g,) = lamina.autograd.grad((x**3).sum(), x, create_graph=True)
    assert g.tolist() == [3.0, 12.0]
    (h,) = lamina.autograd.grad(g.sum(), x)
    assert h.tolist() == [6.0, 12.0]


def test_hessian_vector_product():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 3))
    a = a + a.T
    x = lamina.tensor(rng.standard_normal(3), requires_grad=True)
    v = lamina.tensor(rng.standard_normal(3))
    matrix = lamina.tensor(a)
    f = 0.5 * (x @ (matrix @ x)) + x.sin().sum()  # Hessian: A - diag(sin x)
    (g,) = lamina.autograd.grad(f, x, create_graph=True)
    (hv,) = lamina.autograd.grad((g * v).sum(), x)
    expected = (a - np.diag(np.sin(x.numpy()))) @ v.numpy()
    np.testing.assert_allclose(hv.numpy(), expected, rtol=1e-10)


def test_gradient_penalty_trains_through_the_gradient():
    w = lamina.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=lamina.float64, requires_grad=True)
    x = lamina.tensor([[0.3, -0.7]], dtype=lamina.float64, requires_grad=True)
    out = (x @ w).tanh().sum()
    (grad_x,) = lamina.autograd.grad(out, x, create_graph=True)
    penalty = (grad_x * grad_x).sum()
    penalty.backward()
    if torch is not None:
        tw = torch.tensor(w.detach().numpy(), requires_grad=True)
        tx = torch.tensor(x.detach().numpy(), requires_grad=True)
        (tg,) = torch.autograd.grad((tx @ tw).tanh().sum(), tx, create_graph=True)
        (tg * tg).sum().backward()
        np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-10)
    assert w.grad is not None and np.abs(w.grad.numpy()).sum() > 0


def test_autograd_grad_does_not_touch_dot_grad_and_checks_unused():
    x = lamina.tensor([1.0], requires_grad=True)
    unused = lamina.tensor([1.0], requires_grad=True)
    y = x * 2
    (gx, gu) = lamina.autograd.grad(y.sum(), [x, unused], allow_unused=True, retain_graph=True)
    assert gx.tolist() == [2.0] and gu is None and x.grad is None
    with pytest.raises(lamina.AutogradError, match="not have been used in the graph"):
        lamina.autograd.grad(y.sum(), [x, unused])


def test_grad_with_respect_to_intermediate_and_backward_inputs():
    x = lamina.tensor([3.0], requires_grad=True)
    h = x * x
    z = (h * 5).sum()
    (gh,) = lamina.autograd.grad(z, h, retain_graph=True)
    assert gh.tolist() == [5.0]
    w = lamina.tensor([1.0], requires_grad=True)
    (z + (w * 1).sum()).backward(inputs=[w])
    assert w.grad.tolist() == [1.0] and x.grad is None


def test_grad_modes():
    x = lamina.ones(2, requires_grad=True)
    with lamina.no_grad():
        y = x * 2
        with lamina.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.grad_fn is None and z.requires_grad
    with lamina.set_grad_enabled(False):
        assert not lamina.is_grad_enabled()
    assert lamina.is_grad_enabled()

    @lamina.no_grad()
    def evaluate():
        return x * 3

    assert not evaluate().requires_grad and lamina.is_grad_enabled()


def test_grad_mode_is_per_thread():
    seen = []
    with lamina.no_grad():
        worker = threading.Thread(target=lambda: seen.append(lamina.is_grad_enabled()))
        worker.start()
        worker.join()
    assert seen == [True]


def test_detach_and_requires_grad():
    x = lamina.ones(2, requires_grad=True)
    y = (x * 2).detach()
    assert not y.requires_grad and y.grad_fn is None
    assert x.is_leaf and not (x * 2).is_leaf
    with pytest.raises(lamina.AutogradError, match="detach"):
        (x * 2).requires_grad_(False)


def test_hooks_and_retain_grad():
    x = lamina.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()))
    y = x * 3
    y.retain_grad()
    handle = y.register_hook(lambda g: g * 10)  # replaces y's gradient
    y.sum().backward()
    assert y.grad.tolist() == [10.0, 10.0]
    assert seen == [[30.0, 30.0]] and x.grad.tolist() == [30.0, 30.0]
    handle.remove()
    x.grad = None
    z = x * 3
    z.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_custom_function_and_wrong_gradient_is_named():
    class Double(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad_out):
            return grad_out * 2

    class Broken(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad_out):
            return grad_out.sum()  # wrong shape

    x = lamina.ones(3, requires_grad=True)
    Double.apply(x).sum().backward()
    assert x.grad.tolist() == [2.0] * 3
    with pytest.raises(
        lamina.ShapeError, match=r"Broken backward: returned a gradient of shape \(\) for input 0, expected \(3,\)"
    ):
        Broken.apply(x).sum().backward()


def test_inplace_on_saved_tensor_is_detected():
    x = lamina.ones(3, requires_grad=True)
    y = x.sigmoid()
    z = y * y
    y.add_(1)
    with pytest.raises(
        lamina.AutogradError,
        match=r"modified by an inplace operation.*output 0 of Sigmoid, is at version 1; expected version 0",
    ):
        z.sum().backward()


def test_inplace_on_non_leaf_is_differentiable():
    def fn(lib, x, w):
        y = x * 1
        y.mul_(w)
        y.add_(w * 2)
        y += 1
        y.clamp_(-1.0, 1.0)
        return y * x

    from helpers import check_op

    check_op(fn, [(2, 3), (3,)], away_from=1.0)


def test_inplace_on_leaf_requiring_grad_is_refused_unless_no_grad():
    w = lamina.ones(2, requires_grad=True)
    with pytest.raises(lamina.AutogradError, match="leaf tensor that requires grad is being used in an in-place"):
        w.add_(1)
    with pytest.raises(lamina.AutogradError, match="leaf tensor that requires grad"):
        w[0] = 3.0
    with pytest.raises(lamina.AutogradError, match="view of a leaf"):
        w[0].mul_(3.0)
    with lamina.no_grad():
        w.sub_(0.5)
        w[1] = 7.0
    assert w.tolist() == [0.5, 7.0] and w.requires_grad


def test_inplace_on_view_while_recording_is_refused():
    x = lamina.ones(2, 2, requires_grad=True) * 1
    with pytest.raises(lamina.AutogradError, match="view"):
        x[0].mul_(2)


def test_inplace_ops_without_graph():
    x = lamina.zeros(3)
    x.add_(1).mul_(3).sub_(lamina.tensor([1.0, 0.0, 0.0])).div_(2)
    assert x.tolist() == [1.0, 1.5, 1.5]
    x.zero_()
    x.fill_(4.0)
    x.copy_(lamina.tensor([1, 2, 3]))
    x.masked_fill_(x > 2, 0.0)
    x.clamp_(max=1.5)
    assert x.tolist() == [1.0, 1.5, 0.0] and x._version[0] == 9  # one bump per in-place op
    i = lamina.zeros(2, dtype=lamina.int64)
    with pytest.raises(lamina.DTypeError, match="can't be cast"):
        i.add_(0.5)
    with pytest.raises(lamina.ShapeError, match="cannot be broadcast to the shape"):
        x.add_(lamina.ones(2, 3))


def test_anomaly_mode_names_the_op_in_backward_and_forward():
    x = lamina.zeros(2, requires_grad=True)
    with lamina.autograd.detect_anomaly():
        y = x.sqrt().sum()  # forward fine: sqrt(0) = 0; backward 1 / (2 * 0) = inf
        with pytest.raises(
            lamina.AnomalyError,
            match=r"Function 'SqrtBackward' returned inf values in its 0th output(.|\n)*test_engine.py",
        ):
            y.backward()
        with pytest.raises(lamina.AnomalyError, match="Function 'Div' returned nan values in its forward output"):
            x / x
    (x / x).sum()  # outside anomaly mode: silent, like NumPy and torch
