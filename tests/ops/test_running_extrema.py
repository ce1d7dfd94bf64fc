"""cummax, cummin and logcumsumexp (issue 17): gradchecked and compared with torch (check_op), ties, NaNs and
the extreme values that the naive formulas get wrong."""

import numpy as np
import pytest
from helpers import check_op

import lamina

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cummax_and_cummin_values_carry_gradients(dim):
    check_op(lambda lib, x: lib.cummax(x, dim).values, [(4, 5)])
    check_op(lambda lib, x: x.cummin(dim)[0] * 2, [(3, 6)])


@pytest.mark.parametrize("op", ["cummax", "cummin"])
def test_running_extremum_indices_match_torch_with_ties_and_nans(op):
    values = [[1.0, 3.0, 3.0, 2.0, np.nan, 5.0, np.nan, 1.0], [2.0, 2.0, 1.0, 1.0, 0.0, 4.0, 4.0, -1.0]]
    ours = getattr(lamina, op)(lamina.tensor(values), 1)
    theirs = getattr(torch, op)(torch.tensor(values), 1)
    np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    assert ours.indices.dtype is lamina.int64
    integers = [[3, 1, 1, 4, 1, 5, 9, 2, 6]]
    ours = getattr(lamina.tensor(integers), op)(-1)
    theirs = getattr(torch.tensor(integers), op)(-1)
    assert ours.values.tolist() == theirs.values.tolist() and ours.indices.tolist() == theirs.indices.tolist()


def test_running_extremum_of_a_scalar_and_a_bad_dim():
    values, indices = lamina.cummax(lamina.tensor(2.5), 0)
    assert values.item() == 2.5 and indices.item() == 0
    with pytest.raises(IndexError, match="cummin"):
        lamina.cummin(lamina.ones(2, 3), 2)


@pytest.mark.parametrize("dim", [0, 1])
def test_logcumsumexp(dim):
    check_op(lambda lib, x: lib.logcumsumexp(x, dim), [(4, 5)], gradgrad=True)
    check_op(lambda lib, x: x.logcumsumexp(dim) * lib.tensor([1.0, -2.0, 0.5, 3.0, -1.0], device=x.device), [(4, 5)])


def test_logcumsumexp_neither_overflows_nor_loses_small_entries():
    values = [[-1000.0, 0.0, 1000.0, 1000.0], [float("-inf"), -5.0, float("-inf"), 3.0]]
    ours = lamina.tensor(values, requires_grad=True)
    theirs = torch.tensor(values, requires_grad=True)
    np.testing.assert_allclose(ours.logcumsumexp(1).numpy(), theirs.logcumsumexp(1).detach().numpy(), rtol=1e-6)
    weights = [[1.0, -2.0, 0.5, 3.0], [1.0, 1.0, -1.0, 2.0]]
    (ours.logcumsumexp(1) * lamina.tensor(weights)).sum().backward()
    (theirs.logcumsumexp(1) * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6, atol=1e-30)


def test_logcumsumexp_refuses_integers():
    with pytest.raises(lamina.DTypeError, match="logcumsumexp.*float"):
        lamina.logcumsumexp(lamina.arange(4), 0)
