"""The compiled kernels against the reference (NumPy) kernels, and the fused primitives' gradients.

Every fast kernel must compute what the reference kernels (reference/) define: each is run on the same inputs by
both sets, in float64 (to 1e-10) and float32 (to float32 rounding), on shapes with odd sizes,
padding, strides and dilation. The fused primitives are gradient-checked in float64 (and
second derivatives where the composite had them) with each kernel set in turn, and compared
with torch by check_op.
"""

import numpy as np
import pytest
from helpers import check_op

import lamina
from lamina import native
from lamina.backend import kernels
from lamina.backend.kernels import choices, reference
from lamina.nn import functional as F

compiled = pytest.importorskip("lamina.backend.kernels.compiled", reason="numba is not installed")


@pytest.fixture(autouse=True, params=["split when large", "always split"])
def splitting(request, monkeypatch):
    """Run every test twice: with the real threshold, and with every kernel split over the threads."""
    from lamina.backend.kernels import threads

    if request.param == "always split":
        monkeypatch.setattr(threads, "MIN_SPLIT_ELEMENTS", 0)
    return request.param


TOLERANCE = {np.float64: dict(rtol=1e-10, atol=1e-10), np.float32: dict(rtol=2e-5, atol=2e-5)}
DTYPES = [np.float64, np.float32]


def close(fast, slow, dtype):
    fast, slow = (fast,) if isinstance(fast, np.ndarray) else fast, (slow,) if isinstance(slow, np.ndarray) else slow
    for a, b in zip(fast, slow):
        assert a.dtype == b.dtype, (a.dtype, b.dtype)
        np.testing.assert_allclose(a, b, **TOLERANCE[dtype])


CONVS = [  # (N, C, H, W), (O, kh, kw), stride, ((top, bottom), (left, right)), dilation
    ((2, 3, 7, 9), (4, 3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),
    ((3, 2, 10, 8), (5, 5, 5), (1, 1), ((2, 2), (2, 2)), (1, 1)),
    ((2, 4, 11, 11), (3, 3, 3), (2, 2), ((1, 1), (1, 1)), (1, 1)),
    ((2, 3, 9, 12), (2, 3, 2), (2, 3), ((0, 1), (2, 0)), (2, 1)),
    ((5, 6, 6, 6), (7, 1, 1), (2, 2), ((0, 0), (0, 0)), (1, 1)),
    ((70, 1, 5, 5), (2, 3, 3), (1, 1), ((0, 0), (0, 0)), (1, 1)),  # many samples per im2col slice
    ((3, 1, 12, 11), (6, 5, 5), (1, 1), ((2, 2), (2, 2)), (1, 1)),  # direct (few inputs per output)
    ((2, 5, 9, 10), (3, 2, 4), (1, 1), ((1, 0), (2, 1)), (1, 1)),  # whole rows, even kernel widths
    ((2, 7, 6, 9), (4, 3, 2), (1, 1), ((0, 0), (1, 0)), (1, 1)),
    ((3, 4, 8, 8), (20, 5, 5), (1, 1), ((2, 2), (2, 2)), (1, 1)),  # direct weight gradient, im2col forward
    ((3, 16, 9, 7), (16, 3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),  # Winograd F(4,3): 3x3, stride 1, >= 16 channels
    ((2, 32, 8, 8), (16, 3, 3), (1, 1), ((0, 0), (0, 0)), (1, 1)),  # Winograd, no padding
    ((2, 16, 11, 13), (32, 3, 3), (1, 1), ((2, 1), (0, 2)), (1, 1)),  # Winograd, uneven padding, partial tiles
]


def close_conv(fast, slow, dtype):
    """Convolutions: Winograd F(4x4, 3x3)'s float32 rounding is ~1e-5 of the output's scale (F(2x2, 3x3)'s and
    im2col's <1e-6; test_winograd_switch.py holds those to torch's)."""
    if dtype == np.float64:
        return close(fast, slow, dtype)
    assert fast.dtype == slow.dtype
    assert np.abs(fast - slow).max() <= 1e-4 * np.abs(slow).max()


@pytest.mark.parametrize("precision", ["highest", "high"])  # float32 3x3: Winograd F(2x2) or F(4x4)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x_shape,w_shape,stride,padding,dilation", CONVS)
def test_convolution_kernels_match_the_reference(dtype, x_shape, w_shape, stride, padding, dilation, precision,
                                                 monkeypatch):  # fmt: skip
    monkeypatch.setattr(choices.float32_precision, "level", precision)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal((w_shape[0], x_shape[1]) + w_shape[1:]).astype(dtype)
    geometry = (stride, padding, dilation, 1)
    y = reference.conv2d_forward(x, w, *geometry)
    close_conv(compiled.conv2d_forward(x, w, *geometry), y, dtype)
    grad = rng.standard_normal(y.shape).astype(dtype)
    close_conv(
        compiled.conv2d_weight_grad(x, grad, w.shape, *geometry),
        reference.conv2d_weight_grad(x, grad, w.shape, *geometry),
        dtype,
    )
    close_conv(
        compiled.conv2d_input_grad(grad, w, x.shape, *geometry),
        np.ascontiguousarray(reference.conv2d_input_grad(grad, w, x.shape, *geometry)),
        dtype,
    )


def test_grouped_and_integer_convolutions_go_to_the_reference():
    x = np.arange(2 * 4 * 5 * 5, dtype=np.float64).reshape(2, 4, 5, 5)
    w = np.ones((6, 2, 3, 3))
    geometry = ((1, 1), ((1, 1), (1, 1)), (1, 1), 2)
    np.testing.assert_array_equal(compiled.conv2d_forward(x, w, *geometry), reference.conv2d_forward(x, w, *geometry))


POOLS = [  # input shape, kernel, stride, dilation
    ((2, 3, 8, 8), (2, 2), (2, 2), (1, 1)),
    ((2, 3, 9, 7), (2, 2), (2, 2), (1, 1)),  # a row and a column no window covers
    ((2, 2, 9, 9), (3, 3), (3, 3), (1, 1)),  # non-overlapping windows other than 2x2
    ((2, 2, 9, 7), (3, 3), (2, 2), (1, 1)),
    ((1, 2, 10, 10), (3, 2), (1, 2), (2, 1)),
    ((64, 16, 10, 10), (2, 2), (2, 2), (1, 1)),  # large enough to split over threads
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,kernel,stride,dilation", POOLS)
def test_max_pool_kernels_match_the_reference(dtype, shape, kernel, stride, dilation):
    rng = np.random.default_rng(1)
    x = rng.integers(-3, 4, shape).astype(dtype)  # many ties: the first maximum must win in both
    x[0, 0, 0, 0] = np.nan  # a NaN counts as the maximum of its windows
    out = tuple((n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(shape[2:], kernel, stride, dilation))
    values, positions = reference.max_pool2d(x, kernel, stride, dilation, out)
    fast_values, fast_positions = compiled.max_pool2d(x, kernel, stride, dilation, out)
    np.testing.assert_array_equal(fast_values, values)
    np.testing.assert_array_equal(fast_positions, positions)
    np.testing.assert_array_equal(compiled.max_pool2d_values(x, kernel, stride, dilation, out), values)
    grad = rng.standard_normal(values.shape).astype(dtype)
    close(
        compiled.max_pool2d_grad(grad, x, values, kernel, stride, dilation),
        reference.max_pool2d_grad(grad, x, values, kernel, stride, dilation),
        dtype,
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 3, 5, 5), (8, 16, 16, 16), (6, 5), (3, 2, 7)])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_kernels_match_the_reference(dtype, shape, affine):
    rng = np.random.default_rng(2)
    x = (rng.standard_normal(shape) * 3 + 1).astype(dtype)
    weight = rng.standard_normal(shape[1]).astype(dtype) if affine else None
    bias = rng.standard_normal(shape[1]).astype(dtype) if affine else None
    slow = reference.batch_norm_train(x, weight, bias, 1e-5)
    close(compiled.batch_norm_train(x, weight, bias, 1e-5), slow, dtype)
    grad = rng.standard_normal(shape).astype(dtype)
    _, mean, _, invstd = slow
    close(
        compiled.batch_norm_train_backward(grad, x, weight, mean, invstd),
        reference.batch_norm_train_backward(grad, x, weight, mean, invstd),
        dtype,
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5, 7), (300, 128)])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_kernels_match_the_reference(dtype, shape, affine):
    rng = np.random.default_rng(3)
    x = (rng.standard_normal(shape) * 2 - 1).astype(dtype)
    weight = rng.standard_normal(shape[1]).astype(dtype) if affine else None
    bias = rng.standard_normal(shape[1]).astype(dtype) if affine else None
    slow = reference.layer_norm(x, weight, bias, 1e-5)
    close(compiled.layer_norm(x, weight, bias, 1e-5), slow, dtype)
    grad = rng.standard_normal(shape).astype(dtype)
    _, mean, invstd = slow
    close(
        compiled.layer_norm_backward(grad, x, weight, mean, invstd),
        reference.layer_norm_backward(grad, x, weight, mean, invstd),
        dtype,
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3, 5), (16, 16), (17, 16), (4096, 64)])  # small ones in one call; (17, 16): not
def test_softmax_gelu_and_cross_entropy_kernels_match_the_reference(dtype, shape):
    rng = np.random.default_rng(4)
    x = (rng.standard_normal(shape) * 4).astype(dtype)
    x[0, 1] = -np.inf  # a masked entry (attention's causal mask)
    grad = rng.standard_normal(shape).astype(dtype)
    y = reference.softmax(x)
    close(compiled.softmax(x), y, dtype)
    close(compiled.softmax_backward(grad, y), reference.softmax_backward(grad, y), dtype)
    finite = np.where(np.isinf(x), 0, x).astype(dtype)
    y, tanh = reference.gelu_tanh(finite)
    close(compiled.gelu_tanh(finite), (y, tanh), dtype)
    relu = np.maximum(finite, 0)
    close(compiled.relu(finite), relu, dtype)
    close(compiled.relu_backward(grad, relu), reference.relu_backward(grad, relu), dtype)
    close(compiled.gelu_tanh_backward(grad, finite, tanh), reference.gelu_tanh_backward(grad, finite, tanh), dtype)
    target = rng.integers(0, shape[1], shape[0])
    target[-1] = -100  # ignored
    losses, lse = reference.cross_entropy(finite, target, -100)
    close(compiled.cross_entropy(finite, target, -100), (losses, lse), dtype)
    grad_losses = rng.standard_normal(shape[0]).astype(dtype)
    close(
        compiled.cross_entropy_backward(grad_losses, finite, target, -100, lse),
        reference.cross_entropy_backward(grad_losses, finite, target, -100, lse),
        dtype,
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3, 5), (16, 16), (17, 16)])
def test_softmax_kernel_keeps_nan_rows_and_masked_rows_as_the_reference(dtype, shape):
    x = np.random.default_rng(7).standard_normal(shape).astype(dtype)
    x[0, 2], x[1, :] = np.nan, -np.inf  # a NaN row, a fully masked row: both NaN (as PyTorch)
    x[2, 0] = -np.inf
    with np.errstate(invalid="ignore"):  # -inf - -inf in the masked row: NaN is the point
        np.testing.assert_allclose(compiled.softmax(x), reference.softmax(x), **TOLERANCE[dtype])
        assert np.isnan(compiled.softmax(x)[:2]).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_kernel_keeps_nan_and_zeroes_negative_zero_on_large_inputs(dtype):
    large = 3 * (native.extension.SMALL_RELU_ELEMENTS if native.extension is not None else 4096)  # beyond small.c
    x = np.random.default_rng(5).standard_normal(large).astype(dtype)
    x[[7, 8, 9]] = np.nan, -0.0, -np.inf
    y = compiled.relu(x[::-1])  # a reversed view: made contiguous first
    np.testing.assert_array_equal(y, reference.relu(x[::-1]))
    assert y.dtype == x.dtype and not np.signbit(y).any()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (1,), (4, 4), (3, 5, 2), (16, 16), (33, 32)])  # (33, 32): NumPy's size
@pytest.mark.parametrize("keepdim", [False, True])
def test_whole_tensor_reductions_match_the_reference(dtype, shape, keepdim):
    rng = np.random.default_rng(6)
    x = (rng.standard_normal(shape) * 100).astype(dtype)
    views = [x, x.T[::-1]] if x.ndim == 2 else [x]  # and a reversed transposed view
    for name in ("sum_all", "max_all", "min_all"):
        for view in views:
            fast, slow = getattr(compiled, name)(view, keepdim), getattr(reference, name)(view, keepdim)
            fast, slow = np.asarray(fast), np.asarray(slow)  # NumPy gives a scalar (Function.apply wraps it)
            assert fast.shape == slow.shape and fast.dtype == x.dtype, name
            close(fast, slow, dtype)
    if x.size > 1:
        x.flat[1], x.flat[-1] = np.nan, np.inf
        for name in ("sum_all", "max_all", "min_all"):
            assert np.isnan(getattr(compiled, name)(x, keepdim)), name  # NaN wins, as in PyTorch
        x.flat[1] = -np.inf
        assert compiled.max_all(x, keepdim) == np.inf and compiled.min_all(x, keepdim) == -np.inf


# --- the fused primitives, with each kernel set: gradcheck in float64, and torch where installed ---


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("pool_busy", [False, True])
@pytest.mark.parametrize("a_shape,b_shape", [((300, 200), (200, 300)), ((70, 90), (90, 40)), ((4, 60, 70), (70, 80))])
def test_matmul_kernel_matches_the_reference(monkeypatch, dtype, pool_busy, a_shape, b_shape):
    """Through the backend: products go to BLAS as they are, or (while lamina's threads are busy) to the
    compiled kernel, on one BLAS thread and split."""
    from lamina.backend import cpu
    from lamina.backend.kernels import threads

    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(a_shape).astype(dtype), rng.standard_normal(b_shape).astype(dtype)
    from lamina.backend.kernels.compiled import linalg

    monkeypatch.setattr(linalg, "SPLIT_PRODUCT_MIN", 1_000_000)  # the first shape splits, the others not
    monkeypatch.setattr(threads, "BLAS_SPIN_SECONDS", 1e9 if pool_busy else 0.0)
    monkeypatch.setattr(threads, "_last_split", 0.0)
    with kernels.use("numba"):
        close(cpu.backend.matmul(a, b), reference.matmul(a, b), dtype)
        b_transposed_view = np.ascontiguousarray(np.swapaxes(b, -1, -2)).swapaxes(-1, -2)  # as Linear passes W^T
        close(cpu.backend.matmul(a, b_transposed_view), reference.matmul(a, b), dtype)


@pytest.fixture(params=kernels.available())
def kernel_set(request):
    with kernels.use(request.param):
        yield request.param


def test_max_pool_primitive(kernel_set):
    check_op(lambda lib, x: lib.nn.functional.max_pool2d(x, 2), [(2, 3, 6, 6)], gradgrad=True)
    check_op(lambda lib, x: lib.nn.functional.max_pool2d(x, 3, 2, 1), [(2, 2, 7, 7)])


def test_convolution_primitive(kernel_set):
    check_op(lambda lib, x, w: lib.nn.functional.conv2d(x, w, stride=2, padding=1), [(2, 3, 7, 7), (4, 3, 3, 3)])
    check_op(lambda lib, x, w: lib.nn.functional.conv2d(x, w, padding=1), [(2, 16, 5, 6), (16, 16, 3, 3)])
    check_op(
        lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, padding=2),
        [(2, 2, 6, 6), (3, 2, 5, 5), (3,)],
        gradgrad=True,
    )
    check_op(lambda lib, x, w: lib.nn.functional.conv2d(x, w, dilation=2), [(2, 2, 8, 8), (3, 2, 2, 3)], gradgrad=True)


def test_batch_norm_primitive(kernel_set):
    def train_norm(lib, x, w, b):
        return lib.nn.functional.batch_norm(x, None, None, w, b, training=True)

    check_op(train_norm, [(4, 3, 2, 2), (3,), (3,)], gradgrad=True)
    check_op(lambda lib, x: lib.nn.functional.batch_norm(x, None, None, training=True), [(5, 2)])


def test_layer_norm_primitive(kernel_set):
    check_op(
        lambda lib, x, w, b: lib.nn.functional.layer_norm(x, (2, 3), w, b), [(4, 2, 3), (2, 3), (2, 3)], gradgrad=True
    )


def test_gelu_softmax_and_cross_entropy_primitives(kernel_set):
    check_op(lambda lib, x: lib.nn.functional.gelu(x, approximate="tanh"), [(3, 4)], gradgrad=True)
    check_op(lambda lib, x: x.softmax(-1), [(2, 3, 5)], gradgrad=True)
    target = np.array([1, 0, 4, -100])
    check_op(
        lambda lib, x: lib.nn.functional.cross_entropy(x, lib.tensor(target, device=x.device)), [(4, 5)], gradgrad=True
    )
    check_op(
        lambda lib, x: lib.nn.functional.cross_entropy(x, lib.tensor(target, device=x.device), reduction="sum"),
        [(4, 5)],
    )


def test_linear_primitive(kernel_set):
    check_op(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), [(2, 3, 4), (5, 4), (5,)], gradgrad=True)
    check_op(lambda lib, x, w: lib.nn.functional.linear(x, w), [(3, 4), (5, 4)])


def test_running_statistics_are_updated_by_the_fused_batch_norm(kernel_set):
    rng = np.random.default_rng(5)
    x = lamina.tensor(rng.standard_normal((6, 2, 3)))
    mean, var = lamina.zeros(2, dtype=lamina.float64), lamina.ones(2, dtype=lamina.float64)
    F.batch_norm(x, mean, var, training=True, momentum=0.1)
    data = x.numpy()
    np.testing.assert_allclose(mean.numpy(), 0.1 * data.mean(axis=(0, 2)), rtol=1e-12)
    np.testing.assert_allclose(var.numpy(), 0.9 + 0.1 * data.var(axis=(0, 2), ddof=1), rtol=1e-12)


def test_the_kernel_set_can_be_chosen():
    with kernels.use("numpy"):
        assert kernels.active() is reference
        assert "reference" in kernels.describe()
    with pytest.raises(ValueError, match="one of"):
        kernels.use("fortran")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("causal_offset", [None, 0, 2])
def test_attention_weight_kernel_matches_the_reference(dtype, causal_offset):
    rng = np.random.default_rng(6)
    queries = 5
    scores = rng.standard_normal((3 * queries, 7)).astype(dtype)
    close(
        compiled.attention_weights(scores, queries, 0.3, causal_offset),
        reference.attention_weights(scores, queries, 0.3, causal_offset),
        dtype,
    )


def test_attention_primitive(kernel_set):
    def attention(causal):
        return lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal)

    check_op(attention(True), [(2, 3, 4, 5), (2, 3, 4, 5), (2, 3, 4, 6)], gradgrad=True)
    check_op(attention(False), [(2, 4, 5), (2, 6, 5), (2, 6, 3)])
    check_op(attention(True), [(2, 4, 5), (2, 6, 5), (2, 6, 3)])  # L != S: PyTorch's upper-left causal mask


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weight_decay,decoupled", [(0.0, False), (0.1, False), (0.1, True)])
@pytest.mark.parametrize("shape", [(5, 3), (37, 301)])  # the second: the vectorised loop and its remainder
def test_adam_kernel_matches_the_reference(dtype, weight_decay, decoupled, shape):
    rng = np.random.default_rng(7)
    start = [rng.standard_normal(shape).astype(dtype) for _ in range(4)]
    start[3] = np.abs(start[3])  # exp_avg_sq is never negative
    fast, slow = [a.copy() for a in start], [a.copy() for a in start]
    for step in (1, 2, 3):
        compiled.adam_step(*fast, 0.01, 0.9, 0.999, 1e-8, weight_decay, decoupled, step)
        reference.adam_step(*slow, 0.01, 0.9, 0.999, 1e-8, weight_decay, decoupled, step)
    for a, b in zip(fast, slow):
        close(a, b, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weight_decay,dampening,nesterov", [(0.0, 0.0, False), (0.1, 0.2, False), (0.1, 0.0, True)])
def test_sgd_momentum_kernel_matches_the_reference(dtype, weight_decay, dampening, nesterov):
    rng = np.random.default_rng(8)
    start = [rng.standard_normal((4, 6)).astype(dtype) for _ in range(3)]
    fast, slow = [a.copy() for a in start], [a.copy() for a in start]
    for _ in range(3):
        compiled.sgd_momentum_step(*fast, 0.1, 0.9, dampening, weight_decay, nesterov)
        reference.sgd_momentum_step(*slow, 0.1, 0.9, dampening, weight_decay, nesterov)
    for a, b in zip(fast, slow):
        close(a, b, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_index_add_rows_kernel_matches_the_reference(dtype):
    rng = np.random.default_rng(9)
    rows = rng.integers(0, 5, (4, 6))  # repeated rows must add up
    values = rng.standard_normal((4, 6, 3)).astype(dtype)
    fast, slow = np.zeros((5, 3), dtype), np.zeros((5, 3), dtype)
    compiled.index_add_rows(fast, rows, values)
    reference.index_add_rows(slow, rows, values)
    close(fast, slow, dtype)


def test_kernels_split_over_threads_still_work_in_a_forked_child(monkeypatch):
    """A DataLoader process worker is a fork: the parent's thread pool does not exist there."""
    import multiprocessing

    from lamina.backend.kernels import threads

    monkeypatch.setattr(threads, "MIN_SPLIT_ELEMENTS", 0)
    x = np.random.default_rng(10).standard_normal((4, 3, 5, 5))
    expected = compiled.batch_norm_train(x, None, None, 1e-5)[0]  # starts the pool in this process
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        result = pool.apply_async(_batch_norm_in_child, (x,)).get(timeout=60)
    np.testing.assert_allclose(result, expected)


def _batch_norm_in_child(x):
    from lamina.backend.kernels import threads

    threads.MIN_SPLIT_ELEMENTS = 0
    return compiled.batch_norm_train(x, None, None, 1e-5)[0]


# --- the fused kernels index by the input's sizes and never broadcast: mismatched parameters are refused first ---


@pytest.mark.parametrize(
    "call,message",
    [
        (
            lambda: F.conv2d(lamina.randn(2, 3, 8, 8), lamina.randn(4, 3, 3, 3), lamina.randn(5)),
            r"conv2d: .*bias .*\(4,\).*\(5,\)",
        ),
        (lambda: F.linear(lamina.randn(2, 3), lamina.randn(4, 3), lamina.randn(5)), r"linear: .*bias .*\(4,\).*\(5,\)"),
        (
            lambda: F.layer_norm(lamina.randn(2, 4), (4,), lamina.randn(3), lamina.randn(3)),
            r"layer_norm: .*weight .*\(4,\).*\(3,\)",
        ),
        (
            lambda: F.batch_norm(lamina.randn(4, 3), None, None, lamina.randn(5), lamina.randn(5), training=True),
            r"batch_norm: .*weight .*\(3,\).*\(5,\)",
        ),
        (
            lambda: F.batch_norm(lamina.randn(4, 3), lamina.zeros(5), lamina.ones(5), training=True),
            r"batch_norm: .*running_mean .*\(3,\).*\(5,\)",
        ),
    ],
    ids=["conv2d bias", "linear bias", "layer_norm weight", "batch_norm weight", "batch_norm running stats"],
)
def test_parameters_of_the_wrong_shape_are_refused(kernel_set, call, message):
    with pytest.raises(lamina.ShapeError, match=message):
        call()


@pytest.mark.parametrize("optimizer", [lamina.optim.SGD, lamina.optim.Adam])
def test_an_optimizer_refuses_a_gradient_of_the_wrong_shape(kernel_set, optimizer):
    param = lamina.nn.Parameter(lamina.randn(5, 3))
    param.grad = lamina.zeros(3)  # would broadcast in NumPy, and be read past its end by a compiled loop
    with pytest.raises(lamina.ShapeError, match=r"step: a parameter of shape \(5, 3\) has a .grad of shape \(3,\)"):
        optimizer([param], lr=0.1).step()


def test_a_network_without_kernel_threads_multiplies_straight_in_blas():
    """A linear layer's big products go straight to BLAS: the thread policy (lamina's pool, BLAS limited to one
    thread by threadpoolctl) only once lamina's threads ran."""
    import subprocess
    import sys

    code = (
        "import lamina\n"
        "from lamina.backend.kernels import threads\n"
        "layer = lamina.nn.Linear(512, 512)\n"
        "layer(lamina.randn(256, 512)).backward(lamina.ones(256, 512))\n"
        "print(threads._pool is None, threads._blas is None)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "True True", result.stdout + result.stderr


def test_products_keep_blas_to_one_thread_while_the_kernel_threads_are_busy(monkeypatch):
    from lamina.backend.kernels import threads

    seen = []
    real = compiled.matmul

    def spy(a, b):
        seen.append(threads.pool_recently_used())
        return real(a, b)

    monkeypatch.setattr(compiled, "matmul", spy)
    x, w = lamina.randn(256, 512), lamina.randn(256, 512)
    with kernels.use("numba"):
        monkeypatch.setattr(threads, "BLAS_SPIN_SECONDS", 0.0)
        F.linear(x, w)  # lamina's threads idle: BLAS directly
        monkeypatch.setattr(threads, "BLAS_SPIN_SECONDS", 1e9)
        monkeypatch.setattr(threads, "_last_split", 0.0)
        F.linear(x, w)  # busy: through the kernel set's policy
    assert seen == [True]


def test_small_array_paths_do_not_import_numba():
    """A small tensor's sum, max, matrix product, ReLU and optimizer updates are small.c's (or NumPy's, which
    answer the reductions and products where the native layer is off): numba stays unimported."""
    import subprocess
    import sys

    script = (
        "import sys, lamina\n"
        "x = lamina.ones(4, 4, requires_grad=True)\n"
        "(x.sum() + x.max() + x.sum(0).min() + (x @ x).sum()).backward()\n"
        "if lamina.native.extension is not None:\n"
        "    x.relu()\n"
        "    adam, sgd = lamina.optim.Adam([x]), lamina.optim.SGD([x], lr=0.1, momentum=0.9)\n"
        "    for _ in range(2):\n"
        "        adam.step(); sgd.step()\n"
        "print('numba' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "False", done.stderr
