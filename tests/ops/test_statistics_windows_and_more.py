"""cov/corrcoef, matrix_power, slogdet/logdet, trapezoid/cumulative_trapezoid, ravel/unravel_index, the window
functions, and the layers Softmax2d, ChannelShuffle, Dropout1d/3d, init.dirac_: against torch, gradients
through check_op where there are any."""

import numpy as np
import pytest
from helpers import check_op

import lamina

torch = pytest.importorskip("torch")

WEIGHTS = np.array([1, 3, 2, 1, 2, 4, 1])
SPREAD = np.array([0.5, 1.5, 1.0, 2.0, 0.7, 1.2, 0.9])


@pytest.mark.parametrize("options", ["plain", "correction0", "fweights", "aweights", "both"])
def test_cov_and_corrcoef(options):
    def statistic(lib, x):
        kwargs = {
            "plain": {},
            "correction0": {"correction": 0},
            "fweights": {"fweights": lib.tensor(WEIGHTS, device=x.device)},
            "aweights": {"aweights": lib.tensor(SPREAD, device=x.device)},
            "both": {"fweights": lib.tensor(WEIGHTS, device=x.device), "aweights": lib.tensor(SPREAD, device=x.device),
                     "correction": 2},
        }[options]  # fmt: skip
        return lib.cov(x, **kwargs)

    check_op(statistic, [(3, 7)])
    check_op(lambda lib, x: lib.corrcoef(x) + x.cov(), [(4, 6)])
    check_op(lambda lib, x: lib.cov(x), [(6,)])


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, -1, -2])
def test_matrix_power(n):
    well_conditioned = [np.eye(3) * 2 + np.random.default_rng(1).standard_normal((2, 3, 3)) * 0.3]
    check_op(lambda lib, a: lib.linalg.matrix_power(a, n) + a.matrix_power(n) + lib.matrix_power(a, n),
             arrays=well_conditioned)  # fmt: skip


def test_slogdet_and_logdet():
    matrices = [np.eye(3) * 1.5 + np.random.default_rng(2).standard_normal((2, 3, 3)) * 0.4]
    check_op(lambda lib, a: lib.linalg.slogdet(a).logabsdet + lib.logdet(a), arrays=matrices, gradgrad=True)
    negative = lamina.tensor([[0.0, 1.0], [1.0, 0.0]])
    sign, logabsdet = lamina.slogdet(negative)
    assert sign.item() == -1.0 and abs(logabsdet.item()) < 1e-7 and np.isnan(lamina.logdet(negative).item())
    assert lamina.logdet(lamina.zeros(2, 2)).item() == -np.inf


@pytest.mark.parametrize("dim", [-1, 0])
def test_trapezoid(dim):
    x = [np.sort(np.random.default_rng(3).standard_normal(5))]
    check_op(lambda lib, y: lib.trapezoid(y, dim=dim) + lib.trapz(y, dx=0.3, dim=dim).sum(), [(5, 5)])
    check_op(
        lambda lib, y, x: lib.trapezoid(y, x, dim=dim), arrays=[np.random.default_rng(4).standard_normal((5, 5))] + x
    )
    check_op(lambda lib, y: lib.cumulative_trapezoid(y, dx=0.5, dim=dim), [(4, 5)])


def test_ravel_and_unravel_index():
    check_op(lambda lib, x: x.T.ravel() + lib.ravel(x), [(3, 4)])
    ours = lamina.unravel_index(lamina.tensor([0, 5, 11, -1, -12]), (3, 4))
    theirs = torch.unravel_index(torch.tensor([0, 5, 11, -1, -12]), (3, 4))
    assert [t.tolist() for t in ours] == [t.tolist() for t in theirs]
    with pytest.raises(IndexError, match=r"unravel_index: an index is out of range for shape \(3, 4\)"):
        lamina.unravel_index(lamina.tensor([12]), (3, 4))


@pytest.mark.parametrize(
    "name", ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]
)
@pytest.mark.parametrize("length", [0, 1, 2, 9])
@pytest.mark.parametrize("periodic", [True, False])
def test_windows(name, length, periodic):
    ours = getattr(lamina, name)(length, periodic, dtype=lamina.float64)
    theirs = getattr(torch, name)(length, periodic, dtype=torch.float64)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-15)
    assert getattr(lamina, name)(4).dtype == lamina.float32


def test_softmax2d_channel_shuffle_and_channel_dropout():
    check_op(lambda lib, x: lib.nn.Softmax2d()(x), [(2, 3, 2, 2)])
    check_op(lambda lib, x: lib.nn.ChannelShuffle(2)(x), [(1, 6, 2, 3)])
    with pytest.raises(lamina.ShapeError, match="ChannelShuffle: the 5 channels"):
        lamina.nn.ChannelShuffle(2)(lamina.zeros(1, 5, 2))
    lamina.manual_seed(0)
    x = lamina.ones(4, 8, 16)
    dropped = lamina.nn.Dropout1d(0.5)(x)
    per_channel = dropped.numpy()
    assert set(np.unique(per_channel)) <= {0.0, 2.0} and (per_channel.min(-1) == per_channel.max(-1)).all()
    assert lamina.nn.Dropout1d(0.5).eval()(x) is x
    volume = lamina.nn.Dropout3d(0.5)(lamina.ones(2, 3, 2, 2, 2)).numpy().reshape(2, 3, -1)
    assert (volume.min(-1) == volume.max(-1)).all()
    with pytest.raises(lamina.ShapeError, match="dropout1d: expects"):
        lamina.nn.functional.dropout1d(lamina.ones(2, 3, 4, 5))


@pytest.mark.parametrize("shape, groups", [((4, 2, 3, 3), 1), ((6, 3, 5), 2), ((4, 4, 3, 3, 3), 2)])
def test_dirac(shape, groups):
    ours, theirs = lamina.empty(*shape), torch.empty(*shape)
    lamina.nn.init.dirac_(ours, groups)
    torch.nn.init.dirac_(theirs, groups)
    assert np.array_equal(ours.numpy(), theirs.numpy())
    image = lamina.randn(1, shape[1] * groups if len(shape) == 4 else 1, 5, 5)
    if len(shape) == 4 and groups == 1:
        weight = lamina.empty(3, 3, 3, 3)
        lamina.nn.init.dirac_(weight)
        np.testing.assert_allclose(lamina.nn.functional.conv2d(image[:, :1].expand(1, 3, 5, 5), weight, padding=1).numpy(),
                                   image[:, :1].expand(1, 3, 5, 5).numpy(), rtol=1e-6)  # fmt: skip
