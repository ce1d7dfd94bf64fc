"""Indexing: basic and advanced getitem, gather, scatter_add, index_select, masked_fill, setitem."""

import numpy as np
import pytest
from helpers import check_op

import lamina


@pytest.mark.parametrize(
    "index",
    [
        (0,),
        (slice(1, 3),),
        (slice(None), 1),
        (Ellipsis, slice(None, None, 2)),
        (None, 1, slice(0, 2)),
        (-1, -2),
        (slice(2, 0, -1),),
    ],
    ids=["int", "slice", "column", "ellipsis-step", "newaxis", "negative", "reverse-slice"],
)
def test_basic_indexing(index):
    if any(isinstance(i, slice) and i.step is not None and i.step < 0 for i in index):
        # torch refuses negative steps; the gradient is still checked against finite differences
        x = lamina.randn(4, 5, dtype=lamina.float64, requires_grad=True)
        assert lamina.autograd.gradcheck(lambda x: x[index], [x])
        return
    check_op(lambda lib, x: x[index], [(4, 5)], gradgrad=True)


def test_advanced_indexing_with_repeats_adds_gradients():
    rows = np.array([0, 2, 0, 3])
    check_op(lambda lib, x, i: x[i], arrays=[np.random.default_rng(0).standard_normal((4, 3)), rows], gradgrad=True)
    check_op(lambda lib, x, i: x[:, i[:2]], arrays=[np.random.default_rng(0).standard_normal((3, 4)), rows])
    x = lamina.zeros(3, requires_grad=True)
    x[lamina.tensor([0, 0, 2])].sum().backward()
    assert x.grad.tolist() == [2.0, 0.0, 1.0]


def test_boolean_mask_indexing():
    mask = np.array([[True, False, True], [False, True, True]])
    check_op(lambda lib, x, m: x[m], arrays=[np.random.default_rng(0).standard_normal((2, 3)), mask])
    check_op(lambda lib, x: x[x > 0], [(3, 4)], away_from=0.0)


def test_list_index():
    x = lamina.arange(10)
    assert x[[1, 3, 3]].tolist() == [1, 3, 3]


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather(dim):
    index = np.random.default_rng(3).integers(0, 3, size=(3, 3))
    check_op(
        lambda lib, x, i: x.gather(dim, i),
        arrays=[np.random.default_rng(0).standard_normal((3, 3)), index],
        gradgrad=True,
    )


def test_gather_with_smaller_index():
    index = np.array([[0, 3], [1, 1]])
    check_op(lambda lib, x, i: lib.gather(x, 1, i), arrays=[np.random.default_rng(0).standard_normal((3, 4)), index])


@pytest.mark.parametrize("dim", [0, 1])
def test_scatter_add(dim):
    index = np.array([[0, 1, 0], [2, 0, 0]])
    rng = np.random.default_rng(0)
    check_op(
        lambda lib, x, i, s: x.scatter_add(dim, i, s),
        arrays=[rng.standard_normal((3, 3)), index, rng.standard_normal((2, 3))],
        gradgrad=True,
    )


def test_index_select_and_masked_fill():
    index = np.array([2, 0, 2])
    check_op(lambda lib, x, i: x.index_select(1, i), arrays=[np.random.default_rng(0).standard_normal((2, 3)), index])
    check_op(lambda lib, x: x.masked_fill(x > 0.5, -1.0), [(3, 4)], away_from=0.5)


def test_index_errors():
    x = lamina.zeros(3, 4)
    with pytest.raises(IndexError, match="index 4 is out of bounds for dimension 1 with size 4"):
        x.gather(1, lamina.tensor([[4]]))
    with pytest.raises(IndexError, match="out of bounds"):
        x.gather(1, lamina.tensor([[-1]]))  # never wrapped silently
    with pytest.raises(lamina.DTypeError, match="integer"):
        x.gather(1, lamina.tensor([[0.0]]))
    with pytest.raises(lamina.DTypeError, match="bool"):
        x.masked_fill(lamina.ones(3, 4), 0.0)
    with pytest.raises(IndexError):
        x[5]
    with pytest.raises(IndexError, match="index_select"):
        x.index_select(0, lamina.tensor([3]))


def test_setitem_without_grad_and_version():
    x = lamina.zeros(2, 3)
    x[0] = 1.0
    x[1, lamina.tensor([0, 2])] = lamina.tensor([5.0, 6.0])
    x[x > 5] = -1.0
    assert x.tolist() == [[1.0, 1.0, 1.0], [5.0, 0.0, -1.0]]
    assert x._version[0] == 3


def test_setitem_is_differentiable():
    def fn(lib, x, v):
        y = x * 1
        y[1:, 0] = v * 2
        return y

    check_op(fn, [(3, 2), (2,)], gradgrad=True)
