"""small.c, the kernels for small float arrays, against NumPy (the definition they replace).

Reductions must give NumPy's shape and dtype, its value to rounding (sums add in float64), NaN where
any element is NaN, and NumPy's own result for anything they are not written for (which they hand to
NumPy). The product must give ndarray.dot's result to rounding for every layout, and None (the
caller's NumPy product) for anything else.
"""

import numpy as np
import pytest

from lamina import native

if native.extension is None:  # (tests/test_native_builds.py fails where a compiler was there and it was not built)
    pytest.skip("the native layer is not built, or LAMINA_NATIVE=0", allow_module_level=True)
small = native.extension

REDUCTIONS = {"sum_all": np.sum, "max_all": np.max, "min_all": np.min}
TOLERANCE = {np.float64: dict(rtol=1e-12, atol=1e-12), np.float32: dict(rtol=1e-6, atol=1e-5)}


def layouts(x):
    """x and views of it whose elements are not in memory order: each must give the same answer."""
    if x.ndim == 0:
        return [x]
    views = [x, x[::-1]]
    if x.ndim >= 2:
        views += [x.swapaxes(0, -1), x[:, ::2], np.asfortranarray(x)]
    return views


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (1,), (7,), (4, 4), (3, 5, 2), (2, 3, 4, 5), (32, 32)])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions_match_numpy(dtype, shape, keepdim, name):
    x = np.asarray(np.random.default_rng(0).standard_normal(shape) * 100, dtype)  # (a 0-d array, not a scalar)
    for view in layouts(x):
        got, want = getattr(small, name)(view, keepdim), np.asarray(REDUCTIONS[name](view, keepdims=keepdim))
        assert isinstance(got, np.ndarray) and got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, **TOLERANCE[dtype])


@pytest.mark.parametrize("position", [0, 5, -1])
def test_nan_wins_wherever_it_is(position):
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    x.flat[position] = np.nan
    for name in REDUCTIONS:
        assert np.isnan(getattr(small, name)(x, False)), name
        assert np.isnan(getattr(small, name)(x.T, False)), name
    x.flat[position] = np.inf
    assert small.max_all(x, False) == np.inf and small.sum_all(x, False) == np.inf


def test_sums_add_in_float64():
    x = np.array([1e8, 1.0, -1e8, 1.0] * 4, dtype=np.float32)
    assert small.sum_all(x, False) == 8.0  # float32 additions in order would give 0 or 4


@pytest.mark.parametrize(
    "x",
    [
        np.arange(12).reshape(3, 4),  # integers: NumPy's (an int64 sum)
        np.arange(6, dtype=np.float16),  # float16: NumPy's
        np.linspace(-1, 1, 5000, dtype=np.float32),  # above SMALL_REDUCTION_ELEMENTS: NumPy's
        np.arange(8, dtype=np.float32).view(type("Sub", (np.ndarray,), {})),  # a subclass: its own methods
        np.array([True, False, True]),
    ],
    ids=["int", "float16", "large", "subclass", "bool"],
)
@pytest.mark.parametrize("keepdim", [False, True])
def test_what_it_is_not_for_goes_to_numpy(x, keepdim):
    for name, numpy_function in REDUCTIONS.items():
        got, want = getattr(small, name)(x, keepdim), numpy_function(x, keepdims=keepdim)
        assert type(got) is type(want) and np.shape(got) == np.shape(want) and np.asarray(got).dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_an_empty_array_goes_to_numpy_and_its_error():
    assert small.sum_all(np.zeros((0, 3), np.float32), False) == 0.0
    with pytest.raises(ValueError):  # NumPy's: the ops raise lamina's ShapeError before reaching here
        small.max_all(np.zeros((0, 3), np.float32), False)


def test_bad_arguments_raise():
    with pytest.raises(TypeError):
        small.sum_all(np.ones(3, np.float32))
    with pytest.raises(TypeError):
        small.product(np.ones((2, 2)))
    with pytest.raises(AttributeError):  # not an array: NumPy's method is looked up on it
        small.max_all([1.0, 2.0], False)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(7,), (4, 4), (3, 5, 2), (2, 3, 4, 5), (32, 32)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_sums_over_dims_match_numpy(dtype, shape, keepdim):
    x = np.asarray(np.random.default_rng(1).standard_normal(shape) * 100, dtype)
    every_set_of_dims = [tuple(d for d in range(x.ndim) if mask >> d & 1) for mask in range(2**x.ndim)]
    for view in layouts(x):
        for dims in every_set_of_dims:
            got, want = small.sum_dims(view, dims, keepdim), view.sum(axis=dims, keepdims=keepdim)
            assert isinstance(got, np.ndarray) and got.shape == want.shape and got.dtype == want.dtype, dims
            np.testing.assert_allclose(got, want, **TOLERANCE[dtype])


def test_sums_over_dims_leave_the_rest_and_bad_dims_to_numpy():
    for x in (np.arange(12).reshape(3, 4), np.ones((64, 64), np.float32), np.asarray(2.0, np.float32)):
        got, want = small.sum_dims(x, (0,) if x.ndim else (), True), x.sum(axis=(0,) if x.ndim else (), keepdims=True)
        assert got.dtype == want.dtype and got.shape == want.shape and (got == want).all()
    x = np.ones((3, 4), np.float32)
    with pytest.raises(ValueError, match="duplicate"):
        small.sum_dims(x, (0, 0), False)
    with pytest.raises(np.exceptions.AxisError):
        small.sum_dims(x, (2,), False)
    with pytest.raises(TypeError):
        small.sum_dims(x, (0,))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (1,), (4, 4), (3, 5, 7), (64, 64)])
def test_relu_matches_numpy_and_keeps_nan(dtype, shape):
    x = np.asarray(np.random.default_rng(2).standard_normal(shape), dtype)
    if x.size >= 4:
        x.flat[:4] = np.nan, -0.0, np.inf, -np.inf
    got = small.relu(x)
    assert got.shape == x.shape and got.dtype == x.dtype and got is not x
    np.testing.assert_array_equal(got, np.maximum(x, dtype(0)))  # NaN where NaN (assert_array_equal: NaN == NaN)
    assert not np.signbit(got).any()  # -0.0 -> 0.0, as NumPy's maximum


def test_relu_leaves_the_rest_to_numpy():
    x = np.ones((8, 8), np.float32)
    for other in (x.T[::2], np.ones((3, 3), np.int64), np.ones(small.SMALL_RELU_ELEMENTS + 1, np.float32), [1.0]):
        assert small.relu(other) is None


@pytest.mark.parametrize("dtype", [np.int64, np.int32])
@pytest.mark.parametrize(
    "labels",
    [[0, 1, 2, 1], [0, -100, 2, -100], [0, 3, 1, -1], [-100, -100], [], [[0, 5], [-2, 1]], 7, -100],
    ids=["valid", "ignored", "bad", "all-ignored", "empty", "2-d", "0-d", "0-d-ignored"],
)
def test_class_targets_count_and_find_as_numpy(dtype, labels):
    from lamina.backend.kernels import reference

    labels = np.asarray(labels, dtype)
    got = small.class_targets(labels, 3, -100)
    assert got == reference.class_targets(labels, 3, -100)
    assert type(got[0]) is int and type(got[1]) is int


def test_class_targets_leave_other_labels_to_numpy():
    for labels in (np.arange(6)[::2], np.arange(3, dtype=np.uint8), np.ones(3, np.float32), [0, 1]):
        assert small.class_targets(labels, 3, -100) is None


# --- product ---

SHAPES = [(1, 1, 1), (4, 4, 4), (8, 8, 8), (2, 16, 16), (16, 2, 16), (32, 16, 1), (32, 8, 2), (64, 4, 2), (1, 512, 1)]


def operand_layouts(m, k, n, dtype, rng):
    a, b = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)
    yield a, b
    yield np.asfortranarray(a), np.asfortranarray(b)  # transposed views' layout (W.T, y^T in a backward)
    yield a[::-1], b[:, ::-1]  # negative strides
    wide_a, wide_b = rng.standard_normal((m, 2 * k)).astype(dtype), rng.standard_normal((k, 3 * n)).astype(dtype)
    yield wide_a[:, ::2], wide_b[:, ::3]  # strided rows
    yield np.broadcast_to(a[:1], (m, k)), b  # a zero stride


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m, k, n", SHAPES)
def test_product_matches_numpy(dtype, m, k, n):
    rng = np.random.default_rng(m * 100 + k * 10 + n)
    for a, b in operand_layouts(m, k, n, dtype, rng):
        got = small.product(a, b)
        assert got is not None and got.shape == (m, n) and got.dtype == dtype and got.flags.c_contiguous
        np.testing.assert_allclose(got, a.dot(b), **TOLERANCE[dtype])


@pytest.mark.parametrize(
    "a, b",
    [
        (np.ones((16, 16), np.float32), np.ones((16, 16), np.float32)),  # above SMALL_PRODUCT_MULTIPLY_ADDS
        (np.ones((4, 4), np.float32), np.ones((4, 4), np.float64)),  # two dtypes: NumPy promotes
        (np.ones((4, 4), np.int64), np.ones((4, 4), np.int64)),
        (np.ones((2, 4, 4), np.float32), np.ones((4, 4), np.float32)),  # a stack
        (np.ones(4, np.float32), np.ones((4, 4), np.float32)),  # a vector
        (np.ones((4, 3), np.float32), np.ones((4, 4), np.float32)),  # sizes that do not match: NumPy's error
        (np.ones((4, 0), np.float32), np.ones((0, 4), np.float32)),  # empty
        (np.ones((4, 4), np.float32).tolist(), np.ones((4, 4), np.float32)),  # not an array
    ],
    ids=["large", "mixed-dtypes", "int", "stack", "vector", "mismatch", "empty", "list"],
)
def test_product_leaves_the_rest_to_numpy(a, b):
    assert small.product(a, b) is None


# --- optimizer updates (in place) ---

OPTIONS = [(0.0, 0.0, False), (0.01, 0.0, True), (0.01, 0.1, False)]  # weight_decay, dampening, nesterov


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weight_decay, dampening, nesterov", OPTIONS)
def test_sgd_momentum_step_is_the_reference_update(dtype, weight_decay, dampening, nesterov):
    from lamina.backend.kernels import reference

    rng = np.random.default_rng(3)
    p, grad, buffer = (rng.standard_normal((7, 5)).astype(dtype) for _ in range(3))
    p_ref, buffer_ref = p.copy(), buffer.copy()
    assert small.sgd_momentum_step(p, grad, buffer, 0.1, 0.9, dampening, weight_decay, nesterov) is True
    reference.sgd_momentum_step(p_ref, grad, buffer_ref, 0.1, 0.9, dampening, weight_decay, nesterov)
    np.testing.assert_allclose(p, p_ref, **TOLERANCE[dtype])
    np.testing.assert_allclose(buffer, buffer_ref, **TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weight_decay, decoupled", [(0.0, False), (0.01, False), (0.01, True)])
@pytest.mark.parametrize("step", [1, 10])
def test_adam_step_is_the_reference_update(dtype, weight_decay, decoupled, step):
    from lamina.backend.kernels import reference

    rng = np.random.default_rng(4)
    p, grad, exp_avg, exp_avg_sq = (rng.standard_normal(33).astype(dtype) for _ in range(4))
    exp_avg_sq = np.abs(exp_avg_sq)
    mine, theirs = [p, exp_avg, exp_avg_sq], [p.copy(), exp_avg.copy(), exp_avg_sq.copy()]
    assert small.adam_step(p, grad, exp_avg, exp_avg_sq, 1e-3, 0.9, 0.999, 1e-8, weight_decay, decoupled, step)
    reference.adam_step(theirs[0], grad, theirs[1], theirs[2], 1e-3, 0.9, 0.999, 1e-8, weight_decay, decoupled, step)
    for a, b in zip(mine, theirs):
        np.testing.assert_allclose(a, b, **TOLERANCE[dtype])


def test_optimizer_updates_leave_other_layouts_to_the_caller():
    ones = np.ones((4, 4), np.float32)
    readonly = ones.copy()
    readonly.flags.writeable = False
    big = np.ones(small.SMALL_UPDATE_ELEMENTS + 1, np.float32)
    cases = [
        (ones.T, ones, ones),  # not C-contiguous
        (ones, ones.astype(np.float64), ones),  # two dtypes
        (ones, ones, np.ones(15, np.float32)),  # two sizes
        (np.ones((4, 4), np.int64), np.ones((4, 4), np.int64), np.ones((4, 4), np.int64)),
        (readonly, ones, ones),
        (big, big.copy(), big.copy()),  # large: numba's AVX-512 loop is faster there
    ]
    for p, grad, buffer in cases:
        assert small.sgd_momentum_step(p, grad, buffer, 0.1, 0.9, 0.0, 0.0, False) is False
        assert small.adam_step(p, grad, buffer, buffer, 0.1, 0.9, 0.999, 1e-8, 0.0, False, 1) is False
        np.testing.assert_array_equal(np.asarray(p, np.float32), 1.0)  # untouched
    with pytest.raises(TypeError):
        small.sgd_momentum_step(ones, ones, ones, 0.1)
    with pytest.raises(TypeError):
        small.sgd_momentum_step(ones.copy(), ones, ones.copy(), "fast", 0.9, 0.0, 0.0, False)
