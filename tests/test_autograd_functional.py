"""lamina.autograd.functional (issue 17: the tutorials' jacobian/hessian): every function against
torch.autograd.functional, single and tuple inputs and outputs, create_graph, unused inputs, strict."""

import numpy as np
import pytest

import lamina

torch = pytest.importorskip("torch")

X = np.random.default_rng(0).standard_normal((3,))
Y = np.random.default_rng(1).standard_normal((2, 3))
V_OUT = np.random.default_rng(2).standard_normal((2,))
V_IN = np.random.default_rng(3).standard_normal((3,))


def _f(x):  # R^3 -> R^2
    return (x.exp() * x.sin()).reshape(3)[:2] * x.sum()


def _g(x, y):  # two inputs, two outputs
    return (y @ x).tanh(), (x * x).sum() + y.sum()


def _scalar(x, y):
    return (y @ x.sin()).pow(2).sum() + (y * y).sum() * x.sum()


def _numpy(result):
    if isinstance(result, (tuple, list)):
        return [_numpy(r) for r in result]
    return result.detach().numpy()


def _same(ours, theirs):
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b)
        return
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def _both(name, fn, inputs, *args, **kwargs):
    results = []
    for lib in (lamina, torch):
        tensors = tuple(lib.tensor(a) for a in inputs)
        extra = [tuple(lib.tensor(a) for a in arg) if isinstance(arg, tuple) else lib.tensor(arg) for arg in args]
        call = getattr(lib.autograd.functional, name)
        results.append(_numpy(call(fn, tensors if len(tensors) > 1 else tensors[0], *extra, **kwargs)))
    _same(*results)


def test_jacobian_single_and_tuples():
    _both("jacobian", _f, (X,))
    _both("jacobian", _g, (X, Y))
    _both("jacobian", _g, (X, Y), create_graph=True)


def test_hessian():
    _both("hessian", lambda x: (x.exp() * x).sum(), (X,))
    _both("hessian", _scalar, (X, Y))


def test_vector_products():
    _both("vjp", _f, (X,), V_OUT)
    _both("jvp", _f, (X,), V_IN)
    _both("vhp", lambda x: (x.exp() * x).sum(), (X,), V_IN)
    _both("hvp", lambda x: (x.exp() * x).sum(), (X,), V_IN)
    _both("vjp", _scalar, (X, Y))  # a one-element output: v may be omitted


def test_create_graph_keeps_the_results_differentiable():
    x = lamina.tensor(X, requires_grad=True)
    jacobian = lamina.autograd.functional.jacobian(_f, x, create_graph=True)
    jacobian.sum().backward()
    theirs = torch.tensor(X, requires_grad=True)
    torch.autograd.functional.jacobian(_f, theirs, create_graph=True).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), theirs.grad.numpy(), rtol=1e-10)


def test_unused_inputs_give_zeros_or_a_strict_error():
    def uses_x_only(x, y):
        return x * 2

    jacobian = lamina.autograd.functional.jacobian(uses_x_only, (lamina.tensor(X), lamina.tensor(Y)))
    assert jacobian[1].shape == (3, 2, 3) and not jacobian[1].numpy().any()
    with pytest.raises(lamina.AutogradError, match="does not depend on input 1"):
        lamina.autograd.functional.jacobian(uses_x_only, (lamina.tensor(X), lamina.tensor(Y)), strict=True)
    with pytest.raises(lamina.ShapeError, match="v has shapes"):
        lamina.autograd.functional.vjp(_f, lamina.tensor(X), lamina.ones(3))
    with pytest.raises(lamina.AutogradError, match="single Tensor with one element"):
        lamina.autograd.functional.hessian(lambda x: x * 2, lamina.tensor(X))
