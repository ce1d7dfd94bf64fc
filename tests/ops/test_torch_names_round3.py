"""PyTorch names added for issue 17's coverage (third round): Tensor.unfold, index_copy/index_put,
sum_to_size, the conjugate transposes, the in-place forms (methods and torch.* functions), torch.range,
rrelu, alpha dropout. Differentiable ones through check_op (gradcheck, torch, the strict device)."""

import numpy as np
import pytest
from helpers import check_op

import lamina

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dim,size,step", [(0, 2, 1), (1, 3, 2), (-1, 5, 5), (1, 1, 3)])
def test_unfold_windows_and_their_gradient(dim, size, step):
    check_op(lambda lib, x: x.unfold(dim, size, step) * 1.5, [(4, 5)])


def test_unfold_refuses_a_window_larger_than_the_dim():
    with pytest.raises(lamina.ShapeError, match="unfold: size 6 must be between 0 and the size 5"):
        lamina.ones(2, 5).unfold(1, 6, 1)
    with pytest.raises(ValueError, match="step must be a positive integer"):
        lamina.ones(5).unfold(0, 2, 0)


def test_index_copy_and_index_put():
    def index(lib, x):
        return lib.tensor([2, 0], device=x.device)

    check_op(lambda lib, x, s: x.index_copy(0, index(lib, x), s), [(4, 3), (2, 3)])
    check_op(lambda lib, x, s: x.index_copy(1, index(lib, x), s.t()), [(3, 4), (2, 3)])
    check_op(lambda lib, x, v: x.index_put((index(lib, x),), v), [(4, 3), (2, 3)])
    repeated = [np.array([0, 2, 0])]
    check_op(
        lambda lib, x, v: x.index_put((lib.tensor(repeated[0], device=x.device),), v, accumulate=True), [(3, 2), (3, 2)]
    )
    check_op(
        lambda lib, x, v: lib.index_put(
            x, (lib.tensor([0, 1], device=x.device), lib.tensor([2, 2], device=x.device)), v, True
        ),
        [(2, 3), (2,)],
    )
    ours, theirs = lamina.zeros(3), torch.zeros(3)
    ours.index_put_((lamina.tensor([1, 1]),), lamina.tensor(2.0), accumulate=True)
    theirs.index_put_((torch.tensor([1, 1]),), torch.tensor(2.0), accumulate=True)
    assert ours.tolist() == theirs.tolist()
    with pytest.raises(IndexError, match="index_copy: index 4 out of range"):
        lamina.zeros(3, 2).index_copy(0, lamina.tensor([4]), lamina.ones(1, 2))
    with pytest.raises(lamina.ShapeError, match="index_copy: source shape"):
        lamina.zeros(3, 2).index_copy(0, lamina.tensor([1]), lamina.ones(2, 2))


def test_sum_to_size_and_the_transposes():
    check_op(lambda lib, x: x.sum_to_size(1, 3), [(4, 3)])
    check_op(lambda lib, x: x.sum_to_size((2, 1, 1)), [(2, 3, 4)])
    with pytest.raises(lamina.ShapeError, match="sum_to_size: size"):
        lamina.ones(4, 3).sum_to_size(2, 3)
    check_op(lambda lib, x: x.mH * 2 + x.adjoint(), [(2, 3, 4)])
    check_op(lambda lib, x: x.H, [(3, 4)])
    with pytest.raises(lamina.ShapeError, match="Use .mH"):
        _ = lamina.ones(2, 2, 2).H


def test_in_place_methods_and_functions_match_torch():
    x = np.random.default_rng(0).uniform(0.1, 0.9, (3, 4))
    for name in ("arcsin_", "arctanh_", "deg2rad_", "erfc_", "fix_", "logit_", "sinc_", "tril_", "triu_"):
        ours, theirs = lamina.tensor(x), torch.from_numpy(x.copy())
        assert getattr(ours, name)() is ours
        getattr(theirs, name)()
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, err_msg=name)
    for name in ("exp_", "relu_", "sigmoid_", "rad2deg_", "fix_", "zero_", "selu_", "celu_"):
        ours, theirs = lamina.tensor(x - 0.5), torch.from_numpy(x - 0.5)
        assert getattr(lamina, name)(ours) is ours
        getattr(torch, name)(theirs)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, err_msg=name)
    ours, theirs = lamina.tensor(x), torch.from_numpy(x.copy())
    lamina.threshold_(ours, 0.5, -1.0), torch.threshold_(theirs, 0.5, -1.0)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    leaf = lamina.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        lamina.exp_(leaf)  # copy_'s rule: an in-place op on a leaf that requires grad


def test_range_is_deprecated_and_includes_its_end():
    with pytest.warns(UserWarning, match="deprecated"):
        ours = lamina.range(1, 2, 0.25)
    with pytest.warns(UserWarning):
        theirs = torch.range(1, 2, 0.25)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())
    assert ours.dtype is lamina.float32


def test_tensor_flags_and_retains_grad():
    x = lamina.ones(2, requires_grad=True)
    y = x * 2
    assert not y.retains_grad
    y.retain_grad()
    assert y.retains_grad and not x.retains_grad
    assert not x.is_inference() and not x.is_sparse and not x.is_quantized and not x.is_meta and not x.is_nested


def test_rrelu_eval_is_leaky_relu_with_the_mean_slope_and_training_slopes_stay_in_range():
    check_op(lambda lib, x: lib.nn.functional.rrelu(x, 0.1, 0.3), [(3, 5)])
    lamina.manual_seed(0)
    x = -lamina.ones(10_000)
    layer = lamina.nn.RReLU(0.1, 0.3)
    slopes = -layer(x).numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and abs(slopes.mean() - 0.2) < 0.01
    assert len(np.unique(slopes)) > 1000  # a slope per entry
    layer.eval()
    assert np.allclose(-layer(x).numpy(), 0.2)
    with pytest.raises(ValueError, match="lower <= upper"):
        lamina.nn.RReLU(0.5, 0.1)


@pytest.mark.parametrize("p", [0.1, 0.5])
def test_alpha_dropout_keeps_a_standard_normals_mean_and_variance(p):
    lamina.manual_seed(1)
    x = lamina.randn(200_000)
    y = lamina.nn.AlphaDropout(p)(x).numpy()
    # 200k samples: the mean's standard error is ~0.002, the variance's ~0.004
    assert abs(y.mean()) < 0.01 and abs(y.var() - 1) < 0.02
    saturated = -1.0507009873554805 * 1.6732632423543772
    a = ((1 - p) * (1 + p * saturated**2)) ** -0.5
    dropped = np.isclose(y, a * saturated - a * saturated * p)
    assert abs(dropped.mean() - p) < 0.01
    layer = lamina.nn.AlphaDropout(p).eval()
    assert layer(x) is x
    channels = lamina.nn.FeatureAlphaDropout(0.5)(lamina.randn(8, 16, 5, 5)).numpy()
    per_channel = np.isclose(channels, channels[..., :1, :1]).all(axis=(2, 3))  # dropped channels are constant
    assert 0 < per_channel.mean() < 1


def test_bfloat16_is_named_and_refused_with_advice():
    table = {"float32": lamina.float32, "bfloat16": lamina.bfloat16, "float16": lamina.float16}  # nanoGPT's
    assert table["bfloat16"].is_floating_point and repr(lamina.bfloat16) == "lamina.bfloat16"
    assert lamina.ones(2).dtype != lamina.bfloat16
    for make in (
        lambda: lamina.ones(2, dtype=lamina.bfloat16),
        lambda: lamina.ones(2).to("bfloat16"),
        lambda: lamina.ones(2).bfloat16(),
        lambda: lamina.finfo(lamina.bfloat16),
    ):
        with pytest.raises(lamina.DTypeError, match="bfloat16 is not supported.*float32, or float16"):
            make()
    assert not lamina.cuda.is_bf16_supported()
