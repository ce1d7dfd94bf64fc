"""lamina.nn.functional against finite differences and torch.nn.functional (same call, `lib.nn.functional`)."""

import numpy as np
import pytest
from helpers import check_op, compare_with_torch, torch

import lamina


def F(lib):
    return lib.nn.functional


@pytest.mark.parametrize(
    "kwargs,shapes",
    [
        ({}, [(2, 3, 5, 5), (4, 3, 3, 3), (4,)]),
        ({"stride": 2, "padding": 1}, [(1, 2, 6, 5), (3, 2, 3, 2), (3,)]),
        ({"padding": "same", "dilation": 2}, [(1, 2, 6, 6), (2, 2, 3, 3), (2,)]),
        ({"groups": 2, "padding": (1, 0)}, [(1, 4, 5, 4), (6, 2, 3, 2), (6,)]),
        ({"padding": "valid", "stride": (1, 2)}, [(2, 1, 4, 6), (2, 1, 2, 3), (2,)]),
    ],
    ids=["plain", "strided", "same-dilated", "groups", "valid"],
)
def test_conv2d(kwargs, shapes):
    check_op(lambda lib, x, w, b: F(lib).conv2d(x, w, b, **kwargs), shapes, gradgrad=not kwargs)


def test_conv1d_and_transpose():
    check_op(lambda lib, x, w, b: F(lib).conv1d(x, w, b, stride=2, padding=1), [(2, 3, 7), (4, 3, 3), (4,)])
    check_op(
        lambda lib, x, w, b: F(lib).conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
        [(1, 2, 3, 3), (2, 3, 3, 3), (3,)],
        gradgrad=True,
    )
    check_op(lambda lib, x, w: F(lib).conv_transpose2d(x, w, groups=2, dilation=2), [(1, 4, 3, 2), (4, 1, 2, 2)])
    check_op(
        lambda lib, x, w, b: F(lib).conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1),
        [(2, 3, 5), (3, 2, 3), (2,)],
    )
    check_op(lambda lib, x, w: F(lib).conv_transpose1d(x, w, groups=2, dilation=2), [(4, 5), (4, 1, 3)])  # unbatched


def test_conv_transpose1d_layer_matches_torch():
    ours = lamina.nn.ConvTranspose1d(3, 4, 3, stride=2, padding=1, output_padding=1)
    theirs = torch.nn.ConvTranspose1d(3, 4, 3, stride=2, padding=1, output_padding=1)
    assert ours.weight.shape == tuple(theirs.weight.shape)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.weight.detach().numpy()))
        theirs.bias.copy_(torch.from_numpy(ours.bias.detach().numpy()))
    x = np.random.default_rng(0).standard_normal((2, 3, 6)).astype(np.float32)
    np.testing.assert_allclose(
        ours(lamina.tensor(x)).detach().numpy(), theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )
    with pytest.raises(lamina.ShapeError, match="ConvTranspose1d: expected a 3-D"):
        ours(lamina.ones(1, 3, 4, 4))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": 2},
        {"kernel_size": 3, "stride": 2, "padding": 1},
        {"kernel_size": (2, 3), "dilation": 2},
        {"kernel_size": 3, "stride": 2, "ceil_mode": True},
        {"kernel_size": 2, "ceil_mode": True},  # the non-overlapping fast path, with a ragged edge
        {"kernel_size": (3, 2), "padding": 1},  # non-overlapping and padded
    ],
    ids=["2x2", "3x3-s2-p1", "dilated", "ceil", "2x2-ceil", "3x2-padded"],
)
def test_max_pool2d(kwargs):
    check_op(lambda lib, x: F(lib).max_pool2d(x, **kwargs), [(2, 2, 7, 7)], gradgrad=kwargs == {"kernel_size": 2})


def test_max_pool_indices_and_1d():
    check_op(lambda lib, x: F(lib).max_pool2d(x, 2, return_indices=True)[1].to(lib.float64), [(1, 2, 4, 6)], grad=False)
    check_op(lambda lib, x: F(lib).max_pool1d(x, 3, stride=2, padding=1), [(2, 3, 9)])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": 2},
        {"kernel_size": 3, "stride": 2, "padding": 1},
        {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
        {"kernel_size": 3, "stride": 2, "ceil_mode": True},
        {"kernel_size": 2, "divisor_override": 3},
    ],
)
def test_avg_pool2d(kwargs):
    check_op(lambda lib, x: F(lib).avg_pool2d(x, **kwargs), [(2, 2, 7, 6)])


@pytest.mark.parametrize("size", [1, (2, 3), (3, 3), (4, None)])
def test_adaptive_pools(size):
    check_op(lambda lib, x: F(lib).adaptive_avg_pool2d(x, size), [(2, 3, 7, 6)])
    check_op(lambda lib, x: F(lib).adaptive_max_pool2d(x, size), [(2, 3, 7, 6)])


def test_normalisations():
    check_op(lambda lib, x, w, b: F(lib).layer_norm(x, (4,), w, b), [(3, 2, 4), (4,), (4,)], gradgrad=True)
    check_op(lambda lib, x, w, b: F(lib).group_norm(x, 2, w, b), [(2, 4, 3, 3), (4,), (4,)])
    check_op(lambda lib, x: F(lib).local_response_norm(x, 3, alpha=0.1), [(2, 5, 3, 3)])
    check_op(lambda lib, x, w, b: F(lib).batch_norm(x, None, None, w, b, training=True), [(4, 3, 2, 2), (3,), (3,)])


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("relu", {}),
        ("leaky_relu", {"negative_slope": 0.2}),
        ("elu", {"alpha": 1.5}),
        ("gelu", {}),
        ("gelu", {"approximate": "tanh"}),
        ("silu", {}),
        ("softplus", {"beta": 2.0}),
        ("hardtanh", {}),
        ("relu6", {}),
        ("sigmoid", {}),
        ("tanh", {}),
    ],
)
def test_activations(name, kwargs):
    check_op(
        lambda lib, x: getattr(F(lib), name)(x * 3, **kwargs),
        [(4, 5)],
        away_from=0.0,
        gradgrad=name in ("gelu", "elu", "softplus"),
    )


def test_softplus_threshold_and_elu_large_inputs():
    check_op(lambda lib, x: F(lib).softplus(x * 30), [(3, 3)])
    x = lamina.tensor([-1000.0, 1000.0])
    assert np.isfinite(F(lamina).elu(x).numpy()).all()


def test_linear_bilinear_embedding():
    check_op(lambda lib, x, w, b: F(lib).linear(x, w, b), [(2, 3, 4), (5, 4), (5,)], gradgrad=True)
    check_op(lambda lib, a, b, w, c: F(lib).bilinear(a, b, w, c), [(3, 2), (3, 4), (5, 2, 4), (5,)])
    indices = np.array([[0, 2], [2, 1]])
    weights = np.random.default_rng(0).standard_normal((3, 4))
    check_op(lambda lib, w, i: F(lib).embedding(i, w), arrays=[weights, indices])
    # the padding row is used but gets no gradient by design, so only torch can judge that gradient
    w = lamina.tensor(weights, requires_grad=True)
    F(lamina).embedding(lamina.tensor(indices), w, padding_idx=2).sum().backward()
    assert w.grad.tolist()[2] == [0.0] * 4 and w.grad.tolist()[0] == [1.0] * 4
    if torch is not None:
        compare_with_torch(lambda lib, w, i: F(lib).embedding(i, w, padding_idx=2), [weights, indices])


def test_scaled_dot_product_attention():
    check_op(
        lambda lib, q, k, v: F(lib).scaled_dot_product_attention(q, k, v),
        [(2, 3, 4), (2, 5, 4), (2, 5, 6)],
        gradgrad=True,
    )
    check_op(
        lambda lib, q, k, v: F(lib).scaled_dot_product_attention(q, k, v, is_causal=True),
        [(1, 2, 4, 3), (1, 2, 4, 3), (1, 2, 4, 3)],
    )
    mask = np.array([[True, False, True], [True, True, False]])
    rng = np.random.default_rng(0)
    check_op(
        lambda lib, q, k, v, m: F(lib).scaled_dot_product_attention(q, k, v, attn_mask=m),
        arrays=[rng.standard_normal((2, 4)), rng.standard_normal((3, 4)), rng.standard_normal((3, 2)), mask],
    )


def test_dropout_statistics_and_seed():
    lamina.manual_seed(0)
    x = lamina.ones(200, 100)
    y = F(lamina).dropout(x, 0.3)
    kept = (y.numpy() != 0).mean()
    assert abs(kept - 0.7) < 0.02 and np.allclose(y.numpy()[y.numpy() != 0], 1 / 0.7)
    assert F(lamina).dropout(x, 0.3, training=False) is x
    channels = F(lamina).dropout2d(lamina.ones(4, 50, 3, 3), 0.5).numpy()
    assert all(len(np.unique(channels[n, c])) == 1 for n in range(4) for c in range(50))
    with pytest.raises(ValueError, match="between 0 and 1"):
        F(lamina).dropout(x, 1.5)
