"""Elementwise primitives: gradcheck, torch comparison, kink rules, promotion."""

import numpy as np
import pytest
from helpers import check_op, torch

import lamina

BINARY_SHAPES = [
    [(2, 3), (2, 3)],
    [(2, 3), (3,)],  # broadcasting a row
    [(4, 1, 3), (2, 1)],  # broadcasting both ways
    [(), (2, 2)],  # 0-d with a matrix
    [(0, 3), (3,)],  # size 0
]


@pytest.mark.parametrize("shapes", BINARY_SHAPES)
@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, x, y: x + y,
        lambda lib, x, y: x - y,
        lambda lib, x, y: x * y,
        lambda lib, x, y: x / y,
        lambda lib, x, y: lib.maximum(x, y),
        lambda lib, x, y: lib.minimum(x, y),
    ],
    ids=["add", "sub", "mul", "div", "maximum", "minimum"],
)
def test_binary(fn, shapes):
    check_op(fn, shapes, gradgrad=shapes[0] == (2, 3))


def test_pow_tensor_tensor():
    check_op(lambda lib, x, y: x**y, [(2, 3), (3,)], positive=True, gradgrad=True)


@pytest.mark.parametrize("exponent", [2, 3, 0.5, -1.5, 0, 1])
def test_pow_scalar(exponent):
    check_op(lambda lib, x: x**exponent, [(3, 2)], positive=True, gradgrad=True)


def test_rpow_and_reflected_ops():
    check_op(lambda lib, x: 2.0**x + (1 - x) * 3 / (x + 4) - 2 / (x + 5), [(3,)], positive=True, gradgrad=True)


@pytest.mark.parametrize(
    "fn,positive",
    [
        (lambda lib, x: x.exp(), False),
        (lambda lib, x: x.log(), True),
        (lambda lib, x: x.sqrt(), True),
        (lambda lib, x: x.rsqrt(), True),
        (lambda lib, x: x.sin(), False),
        (lambda lib, x: x.cos(), False),
        (lambda lib, x: x.tanh(), False),
        (lambda lib, x: x.sigmoid(), False),
        (lambda lib, x: -x, False),
        (lambda lib, x: x.abs(), False),
        (lambda lib, x: x.relu(), False),
        (lambda lib, x: x.clamp(-0.5, 0.7), False),
        (lambda lib, x: x.clamp(min=0.1), False),
        (lambda lib, x: lib.exp(x) + lib.tanh(x) + lib.sigmoid(x), False),
    ],
    ids=[
        "exp",
        "log",
        "sqrt",
        "rsqrt",
        "sin",
        "cos",
        "tanh",
        "sigmoid",
        "neg",
        "abs",
        "relu",
        "clamp",
        "clamp_min",
        "functions",
    ],
)
@pytest.mark.parametrize("shape", [(), (3, 4), (0, 2)])
def test_unary(fn, positive, shape):
    # kinks (abs, relu at 0; clamp bounds) are kept away from by the random values; pinned below
    check_op(fn, [shape], positive=positive, away_from=0.0 if not positive else None, gradgrad=shape == (3, 4))


def test_unary_noncontiguous():
    check_op(lambda lib, x: x.exp() * x.sin(), [(3, 4)], noncontiguous=True)


def test_where():
    condition = np.array([[True, False, True], [False, False, True]])
    x, y = np.random.default_rng(1).standard_normal((2, 2, 3))
    check_op(lambda lib, c, a, b: lib.where(c, a, b), arrays=[condition, x, y[0]], gradgrad=True)


def test_where_with_scalar():
    check_op(lambda lib, x: lib.where(x > 0, x, 0.0), [(3, 3)], away_from=0.0)


def test_kink_rules_match_torch_conventions():
    x = lamina.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    x.relu().sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0]  # relu'(0) = 0
    x.grad = None
    x.abs().sum().backward()
    assert x.grad.tolist() == [-1.0, 0.0, 1.0]  # abs'(0) = 0
    x.grad = None
    x.clamp(0.0, 2.0).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0]  # bounds included
    a = lamina.tensor([1.0, 2.0], requires_grad=True)
    b = lamina.tensor([1.0, 3.0], requires_grad=True)
    lamina.maximum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 0.0] and b.grad.tolist() == [0.5, 1.0]  # ties share


def test_kinks_against_torch():
    if torch is None:
        pytest.skip("torch not installed: the conventions are pinned by test_kink_rules_match_torch_conventions")
    values = np.array([-1.0, 0.0, 0.0, 2.0])
    for fn in (
        lambda lib, x: x.relu(),
        lambda lib, x: x.abs(),
        lambda lib, x: x.clamp(0.0, 2.0),
        lambda lib, x: lib.maximum(x, lib.zeros_like(x)),
    ):
        check_op(fn, arrays=[values], grad=False)
        from helpers import compare_with_torch

        compare_with_torch(fn, [values])


def test_pow_zero_base_gradients_are_finite():
    x = lamina.tensor([0.0, 2.0], dtype=lamina.float64, requires_grad=True)
    y = lamina.tensor([2.0, 3.0], dtype=lamina.float64, requires_grad=True)
    (x**y).sum().backward()
    assert np.isfinite(y.grad.numpy()).all() and y.grad.tolist()[0] == 0.0
    z = lamina.tensor([0.0], requires_grad=True)
    (z**0).sum().backward()
    assert z.grad.tolist() == [0.0]


def test_sigmoid_is_stable_for_large_inputs():
    x = lamina.tensor([-1000.0, 0.0, 1000.0])
    with np.errstate(over="raise", invalid="raise"):
        assert x.sigmoid().tolist() == [0.0, 0.5, 1.0]


def test_scalars_never_promote_float32():
    x = lamina.ones(3)
    for result in (x * 2.5, 2.5 * x, x + 1, x / 3, x**2.0, 1 - x, np.float64(2.0) * x, x.maximum(x)):
        assert result.dtype is lamina.float32


def test_promotion_follows_torch():
    f32, f64 = lamina.ones(2), lamina.ones(2, dtype=lamina.float64)
    i64, i32 = lamina.ones(2, dtype=lamina.int64), lamina.ones(2, dtype=lamina.int32)
    b = lamina.ones(2, dtype=lamina.bool)
    assert (f32 + f64).dtype is lamina.float64
    assert (i64 + f32).dtype is lamina.float32  # NumPy would say float64
    assert (i32 + i64).dtype is lamina.int64
    assert (i64 * 0.5).dtype is lamina.float32
    assert (i64 / 2).dtype is lamina.float32
    assert (b + 1).dtype is lamina.int64
    assert (lamina.ones(2, dtype=lamina.float16) * 2.0).dtype is lamina.float16


def test_mixed_dtype_gradients_come_back_in_each_inputs_dtype():
    x = lamina.ones(2, requires_grad=True)
    y = lamina.ones(2, dtype=lamina.float64, requires_grad=True)
    (x * y).sum().backward()
    assert x.grad.dtype is lamina.float32 and y.grad.dtype is lamina.float64


def test_comparisons_give_bool_and_no_graph():
    x = lamina.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result in (x > 2, x >= 2, x < 2, x <= 2, x == 2, x != 2, (x > 1) & (x < 3), (x > 1) | (x < 3), ~(x > 1)):
        assert result.dtype is lamina.bool and result.grad_fn is None and not result.requires_grad
    assert (x == 2).tolist() == [False, True, False]


def test_cast_clone_and_contiguous_are_differentiable():
    # a float32 round trip defeats central differences at eps=1e-6: check the cast's gradient exactly
    x = lamina.tensor([[1.5, -2.0]], dtype=lamina.float64, requires_grad=True)
    (x.float() * 3).sum().backward()
    assert x.grad.dtype is lamina.float64 and x.grad.tolist() == [[3.0, 3.0]]
    if torch is not None:
        from helpers import compare_with_torch

        compare_with_torch(lambda lib, t: (t.to(lib.float32) * 2).to(lib.float64), [np.array([[1.5, -2.0]])])
    check_op(lambda lib, x: x.clone() * x.t().contiguous().t(), [(2, 3)], gradgrad=True)
    x = lamina.ones(2, requires_grad=True)
    y = x.clone()
    assert y.array is not x.array and y.grad_fn is not None


def test_remainder_and_floor_divide():
    check_op(lambda lib, x, y: lib.remainder(x * 5, y + 3), [(3, 4), (4,)], positive=True)
    x = lamina.tensor([7, -7, 5])
    assert (x // 2).tolist() == [3, -4, 2] and (x % 3).tolist() == [1, 2, 2]
    assert (lamina.tensor([7.5]) // 2).tolist() == [3.0]


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "erf", "sin", "cos", "tanh", "sigmoid"])
def test_float_functions_of_integers_are_float32(name):
    """exp(int tensor) and the like give the default float dtype (float32), as in PyTorch, not NumPy's float64."""
    values = [1, 2, 5]
    for x in (lamina.tensor(values), lamina.tensor([True, False, True])):
        result = getattr(x, name)()
        assert result.dtype is lamina.float32, (name, x.dtype)
        expected = getattr(lamina.tensor(x.numpy().astype(np.float32)), name)()
        np.testing.assert_array_equal(result.numpy(), expected.numpy())
        if torch is not None:
            reference = getattr(torch.from_numpy(x.numpy()), name)()
            assert reference.dtype == torch.float32
            np.testing.assert_allclose(result.numpy(), reference.numpy(), rtol=1e-6, atol=1e-7)


def test_sigmoid_saturates_without_overflow_or_nan():
    x = lamina.tensor([-1e4, -100.0, 0.0, 100.0, 1e4, float("nan")], requires_grad=True)
    y = x.sigmoid()
    assert y.numpy()[0] == 0.0 and y.numpy()[2] == 0.5 and y.numpy()[4] == 1.0 and np.isnan(y.numpy()[5])
    assert 0 <= y.numpy()[1] < 1e-40 and y.numpy()[3] == 1.0  # exp(-100) is below float32's normal range
    y[:5].sum().backward()
    assert np.isfinite(x.grad.numpy()[:5]).all() and x.grad.numpy()[2] == 0.25
