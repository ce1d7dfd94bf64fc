"""Reductions: every dim/keepdim form, gradcheck, torch, ties and empty inputs."""

import numpy as np
import pytest
from helpers import check_op

import lamina

DIM_KEEPDIM = [(None, False)] + [(dim, keepdim) for dim in (0, 1, -1, (0, 2)) for keepdim in (False, True)]


@pytest.mark.parametrize("dim,keepdim", DIM_KEEPDIM)
@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "prod", "amax", "amin", "logsumexp"])
def test_reduction(name, dim, keepdim):
    if name == "logsumexp" and dim is None:
        dim = (0, 1, 2)  # torch's logsumexp needs a dim

    def fn(lib, x):
        return getattr(x, name)(dim=dim, keepdim=keepdim) if dim is not None else getattr(x, name)()

    if name == "prod" and isinstance(dim, tuple):  # torch's prod takes one dim: gradcheck only
        x = lamina.randn(2, 3, 4, dtype=lamina.float64, requires_grad=True)
        assert lamina.autograd.gradcheck(lambda x: fn(lamina, x), [x])
        return
    check_op(fn, [(2, 3, 4)], gradgrad=name in ("sum", "mean", "prod", "var", "logsumexp") and dim == 1)


def test_reductions_on_0d_and_noncontiguous():
    for name in ("sum", "mean", "prod", "amax"):
        check_op(lambda lib, x, n=name: getattr(x, n)(), [()])
        check_op(lambda lib, x, n=name: getattr(x, n)(0), [(3, 4)], noncontiguous=True)


def test_var_correction_forms():
    check_op(lambda lib, x: x.var(1, unbiased=False), [(3, 5)])
    check_op(lambda lib, x: x.var(1, correction=0) + x.std(1, correction=2), [(4, 5)])


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_with_dim_give_values_and_indices(dim, keepdim):
    check_op(lambda lib, x: x.max(dim, keepdim)[0] + x.min(dim, keepdim).values, [(3, 4)])
    x = lamina.tensor([[1.0, 5.0, 5.0], [7.0, 0.0, 7.0]])
    values, indices = x.max(1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]  # first of the ties


def test_prod_with_zeros():
    one_zero = np.array([[2.0, 0.0, 3.0], [1.0, 2.0, 3.0]])
    two_zeros = np.array([[0.0, 0.0, 3.0], [0.0, 2.0, 3.0]])
    for values in (one_zero, two_zeros):
        check_op(lambda lib, x: x.prod(1), arrays=[values], gradgrad=True)
        check_op(lambda lib, x: x.prod(), arrays=[values])


def test_ties_share_the_gradient_of_amax_and_full_max():
    x = lamina.tensor([3.0, 1.0, 3.0], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [0.5, 0.0, 0.5]
    y = lamina.tensor([[3.0, 3.0]], requires_grad=True)
    y.max(1).values.sum().backward()
    assert y.grad.tolist() == [[1.0, 0.0]]  # max(dim): the gradient goes to the returned index


def test_argmax_argmin():
    x = lamina.tensor([[1.0, 9.0, 3.0], [8.0, 2.0, 8.0]])
    assert x.argmax().item() == 1 and x.argmin().item() == 0
    assert x.argmax(1).tolist() == [1, 0] and x.argmin(dim=0, keepdim=True).tolist() == [[0, 1, 0]]
    assert x.argmax(1).dtype is lamina.int64


def test_logsumexp_is_stable():
    x = lamina.tensor([[1000.0, 1000.0], [-1000.0, -1000.0], [-float("inf"), -float("inf")]])
    result = x.logsumexp(1).tolist()
    assert result[0] == pytest.approx(1000 + np.log(2)) and result[1] == pytest.approx(-1000 + np.log(2))
    assert result[2] == -float("inf")


def test_empty_reductions():
    empty = lamina.zeros(0, 3)
    assert empty.sum().item() == 0 and empty.sum(0).tolist() == [0.0, 0.0, 0.0]
    assert np.isnan(empty.mean().item())  # as torch; the losses refuse empty batches instead
    assert empty.amax(1).shape == (0,)
    with pytest.raises(lamina.ShapeError, match="size 0"):
        empty.max()
    with pytest.raises(lamina.ShapeError, match="empty"):
        empty.argmax()


def test_integer_reductions():
    x = lamina.tensor([[1, 2], [3, 4]], dtype=lamina.int32)
    assert x.sum().dtype is lamina.int64 and x.sum().item() == 10
    assert x.prod().item() == 24
    with pytest.raises(lamina.DTypeError, match="mean"):
        x.mean()
    b = lamina.tensor([True, False, True])
    assert b.sum().item() == 2 and b.any().item() and not b.all().item()
