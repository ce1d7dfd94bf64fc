"""inv, det, solve (lamina.linalg): gradchecked in float64 (and twice), compared with torch; singular and
non-square matrices are errors naming the op."""

import numpy as np
import pytest

import lamina
from tests.helpers import check_op


def _well_conditioned(shape, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    return a + 3 * np.eye(shape[-1])  # away from singular: central differences stay accurate


def test_inverse():
    check_op(lambda lib, a: lib.linalg.inv(a), arrays=[_well_conditioned((3, 3))], gradgrad=True)
    check_op(lambda lib, a: lib.linalg.inv(a), arrays=[_well_conditioned((2, 4, 4), 1)])


def test_determinant():
    check_op(lambda lib, a: lib.linalg.det(a), arrays=[_well_conditioned((3, 3))], gradgrad=True)
    check_op(lambda lib, a: lib.det(a), arrays=[_well_conditioned((2, 3, 3), 2)])


def test_solve_matrices_and_vectors():
    rng = np.random.default_rng(3)
    check_op(lambda lib, a, b: lib.linalg.solve(a, b), arrays=[_well_conditioned((3, 3)), rng.standard_normal((3, 2))])
    check_op(lambda lib, a, b: lib.linalg.solve(a, b), arrays=[_well_conditioned((3, 3), 4), rng.standard_normal(3)])


def test_norms_follow_torch():
    check_op(lambda lib, x: lib.linalg.vector_norm(x, dim=1), [(3, 4)])
    check_op(lambda lib, x: lib.linalg.matrix_norm(x), [(2, 3, 4)])
    check_op(lambda lib, x: lib.linalg.norm(x), [(3, 4)])


def test_bad_matrices_are_named():
    with pytest.raises(ValueError, match="inv: the matrix is singular"):
        lamina.linalg.inv(lamina.ones(2, 2))
    with pytest.raises(
        lamina.errors.ShapeError, match=r"det: expects square matrices \(\.\.\., n, n\); got shape \(2, 3\)"
    ):
        lamina.linalg.det(lamina.ones(2, 3))
    with pytest.raises(lamina.errors.ShapeError, match="B needs 2 rows"):
        lamina.linalg.solve(lamina.eye(2), lamina.ones(3, 1))
