"""Composites: softmax and log_softmax (stability), and the top-level function forms."""

import numpy as np
import pytest
from helpers import check_op

import lamina


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_log_softmax(dim):
    check_op(lambda lib, x: lib.softmax(x, dim), [(3, 4)], gradgrad=dim == 1)
    check_op(lambda lib, x: lib.log_softmax(x, dim), [(3, 4)], gradgrad=dim == 1)
    check_op(lambda lib, x: x.softmax(dim) * x.log_softmax(dim), [(2, 3, 4)])


def test_softmax_is_stable_for_large_logits():
    x = lamina.tensor([[1000.0, 0.0], [-1000.0, 1000.0]])
    with np.errstate(over="raise", invalid="raise"):
        np.testing.assert_allclose(x.softmax(1).numpy(), [[1.0, 0.0], [0.0, 1.0]])
        log_probs = x.log_softmax(1).numpy()
    assert np.isfinite(log_probs).all() and log_probs[0, 1] == pytest.approx(-1000.0)


def test_softmax_dtype_float32():
    assert lamina.ones(2, 3).softmax(-1).dtype is lamina.float32


def test_top_level_functions_match_methods():
    x = lamina.randn(3, 4)
    for name in ("exp", "tanh", "sigmoid", "relu", "abs", "sin", "cos", "neg"):
        np.testing.assert_array_equal(getattr(lamina, name)(x).numpy(), getattr(x, name)().numpy())
    np.testing.assert_array_equal(lamina.sum(x, 1).numpy(), x.sum(1).numpy())
    np.testing.assert_array_equal(lamina.transpose(x, 0, 1).numpy(), x.numpy().T)
