"""matmul in all of PyTorch's forms, and einsum."""

import pytest
from helpers import check_op

import lamina


@pytest.mark.parametrize(
    "shapes",
    [
        [(2, 3), (3, 4)],
        [(3,), (3,)],
        [(3,), (3, 4)],
        [(2, 3), (3,)],
        [(5, 2, 3), (3, 4)],
        [(2, 1, 2, 3), (4, 3, 2)],  # broadcast batch dims
        [(0, 3), (3, 2)],
        [(2, 0), (0, 3)],
    ],
)
def test_matmul(shapes):
    check_op(lambda lib, x, y: x @ y, shapes, gradgrad=shapes == [(2, 3), (3, 4)])


def test_matmul_noncontiguous_and_function_form():
    check_op(lambda lib, x, y: lib.matmul(x, y.t()), [(3, 4), (5, 4)], noncontiguous=True)


@pytest.mark.parametrize(
    "equation,shapes",
    [
        ("ij,jk->ik", [(2, 3), (3, 4)]),
        ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
        ("i,i->", [(3,), (3,)]),
        ("ij->ji", [(2, 3)]),
        ("ij->", [(2, 3)]),
        ("ij,kj", [(2, 3), (4, 3)]),  # implicit output: ik
        ("bhqd,bhkd->bhqk", [(1, 2, 3, 4), (1, 2, 5, 4)]),
        ("...ij,...jk->...ik", [(2, 2, 3), (1, 3, 4)]),  # ellipsis with broadcasting
        ("i,j->ij", [(3,), (2,)]),
        ("ijk->j", [(2, 3, 4)]),
    ],
)
def test_einsum(equation, shapes):
    check_op(lambda lib, *xs: lib.einsum(equation, *xs), shapes, gradgrad=equation == "ij,jk->ik")


def test_matmul_errors_name_both_shapes():
    with pytest.raises(lamina.ShapeError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) cannot be multiplied"):
        lamina.zeros(2, 3) @ lamina.zeros(4, 5)
    with pytest.raises(lamina.ShapeError, match="at least 1D"):
        lamina.zeros(()) @ lamina.zeros(3)
    with pytest.raises(lamina.ShapeError, match="subscript 'j' has size 3 in one operand and 4"):
        lamina.einsum("ij,jk->ik", lamina.zeros(2, 3), lamina.zeros(4, 5))
    with pytest.raises(lamina.ShapeError, match="repeated subscript"):
        lamina.einsum("ii->i", lamina.zeros(3, 3))
