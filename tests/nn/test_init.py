"""nn.init: PyTorch's formulas (gains, fans, bounds) and the distributions they promise."""

import numpy as np
import pytest

import lamina
from lamina.nn import init


def test_gains_and_fans_match_torch():
    torch = pytest.importorskip("torch")
    for name, param in [("linear", None), ("tanh", None), ("relu", None), ("leaky_relu", 0.2), ("selu", None)]:
        assert init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param))
    for shape in [(5, 3), (8, 4, 3, 3), (6, 2, 5)]:
        ours = init.fan_in_and_fan_out(lamina.empty(*shape))
        assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))


@pytest.mark.parametrize(
    "fill,low,high,std",
    [
        (lambda t: init.uniform_(t, -2, 3), -2, 3, 5 / np.sqrt(12)),
        (lambda t: init.normal_(t, 1.0, 0.5), None, None, 0.5),
        (lambda t: init.xavier_uniform_(t), -np.sqrt(6 / 600), np.sqrt(6 / 600), np.sqrt(2 / 600)),
        (lambda t: init.xavier_normal_(t, gain=2.0), None, None, 2 * np.sqrt(2 / 600)),
        (
            lambda t: init.kaiming_uniform_(t, nonlinearity="relu"),
            -np.sqrt(6 / 200),
            np.sqrt(6 / 200),
            np.sqrt(2 / 200),
        ),
        (lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"), None, None, np.sqrt(2 / 400)),
        (lambda t: init.trunc_normal_(t, std=1.0, a=-1.0, b=1.5), -1.0, 1.5, None),
    ],
)
def test_distributions(fill, low, high, std):
    lamina.manual_seed(0)
    t = fill(lamina.empty(400, 200))
    values = t.numpy()
    if low is not None:
        assert values.min() >= low and values.max() <= high
    if std is not None:
        assert values.std() == pytest.approx(std, rel=0.03)
    assert t.dtype is lamina.float32


def test_orthogonal_constant_eye():
    lamina.manual_seed(0)
    q = init.orthogonal_(lamina.empty(3, 5), gain=2.0).numpy()
    np.testing.assert_allclose(q @ q.T, 4 * np.eye(3), atol=1e-5)
    assert init.constant_(lamina.empty(2), 0.3).tolist() == pytest.approx([0.3, 0.3])
    assert init.zeros_(lamina.ones(2)).tolist() == [0.0, 0.0] and init.ones_(lamina.zeros(1)).tolist() == [1.0]
    assert init.eye_(lamina.empty(2, 2)).tolist() == [[1.0, 0.0], [0.0, 1.0]]


def test_init_is_reproducible_and_not_recorded():
    w = lamina.nn.Parameter(lamina.empty(3, 3))
    lamina.manual_seed(5)
    first = init.normal_(w).tolist()
    lamina.manual_seed(5)
    assert init.normal_(w).tolist() == first and w.grad_fn is None


def test_init_takes_a_generator_and_keeps_pytorchs_deprecated_names():
    torch = pytest.importorskip("torch")
    for name in ("uniform_", "normal_", "xavier_uniform_", "kaiming_normal_", "trunc_normal_", "orthogonal_"):
        first = getattr(init, name)(lamina.empty(4, 3), generator=lamina.Generator().manual_seed(5)).numpy()
        again = getattr(init, name)(lamina.empty(4, 3), generator=lamina.Generator().manual_seed(5)).numpy()
        np.testing.assert_array_equal(first, again, err_msg=name)
        assert not np.array_equal(first, getattr(init, name)(lamina.empty(4, 3)).numpy())
    with pytest.warns(
        FutureWarning,
        match=r"nn.init.xavier_uniform is now deprecated in favor of nn.init.xavier_uniform_",
    ):
        init.xavier_uniform(lamina.empty(3, 3))
    weight = init.sparse_(lamina.empty(10, 6), sparsity=0.3)
    assert ((weight.numpy() == 0).sum(axis=0) == 3).all()  # ceil(0.3 * 10) zeros in every column, as torch's
    assert (torch.nn.init.sparse_(torch.empty(10, 6), 0.3) == 0).sum(0).tolist() == [3] * 6
    with pytest.raises(lamina.ShapeError, match="sparse_: only 2-D"):
        init.sparse_(lamina.empty(2, 3, 4), 0.5)
