"""The 1-D pools (AvgPool1d, AdaptiveAvgPool1d, AdaptiveMaxPool1d) against torch with gradients, and
LazyLinear: in_features read from the first input, the same Parameters kept, a Linear afterwards."""

import numpy as np
import pytest
from helpers import check_op

import lamina

torch = pytest.importorskip("torch")


@pytest.mark.parametrize(
    "options", [dict(kernel_size=3), dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=2, ceil_mode=True)]
)
def test_avg_pool1d(options):
    check_op(lambda lib, x: lib.nn.functional.avg_pool1d(x, **options), [(2, 3, 11)])
    check_op(lambda lib, x: lib.nn.AvgPool1d(**options)(x), [(3, 9)])  # unbatched


@pytest.mark.parametrize("size", [1, 4, 5])
def test_adaptive_pools_1d(size):
    check_op(lambda lib, x: lib.nn.functional.adaptive_avg_pool1d(x, size), [(2, 3, 11)])
    check_op(lambda lib, x: lib.nn.AdaptiveMaxPool1d(size)(x), [(2, 3, 11)])
    x = np.random.default_rng(0).standard_normal((2, 3, 11))
    _, ours = lamina.nn.functional.adaptive_max_pool1d(lamina.tensor(x), size, return_indices=True)
    _, theirs = torch.nn.functional.adaptive_max_pool1d(torch.from_numpy(x), size, return_indices=True)
    assert ours.tolist() == theirs.tolist()


def test_lazy_linear_reads_in_features_and_keeps_its_parameters():
    layer = lamina.nn.LazyLinear(3)
    weight, bias = layer.weight, layer.bias
    optimizer = lamina.optim.SGD(layer.parameters(), lr=0.1)
    assert weight.shape == (3, 0)
    x = lamina.randn(4, 5)
    y = layer(x)
    assert type(layer) is lamina.nn.Linear and layer.in_features == 5 and y.shape == (4, 3)
    assert layer.weight is weight and layer.bias is bias and weight.shape == (3, 5)
    bound = 1 / np.sqrt(5)  # Linear's initialisation: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    assert np.abs(weight.detach().numpy()).max() <= bound and np.abs(bias.detach().numpy()).max() <= bound
    np.testing.assert_allclose(
        y.detach().numpy(), x.numpy() @ weight.detach().numpy().T + bias.detach().numpy(), rtol=1e-5
    )
    before = weight.detach().numpy().copy()
    y.sum().backward()
    optimizer.step()
    assert not np.array_equal(before, weight.detach().numpy())
    with pytest.raises(lamina.ShapeError, match=r"Linear\(in_features=5\) got input with last dim 4"):
        layer(lamina.randn(2, 4))
    with pytest.raises(lamina.ShapeError, match="LazyLinear: needs an input with a last dim"):
        lamina.nn.LazyLinear(2)(lamina.tensor(1.0))
    no_bias = lamina.nn.LazyLinear(2, bias=False)
    assert no_bias(lamina.ones(1, 3)).shape == (1, 2) and no_bias.bias is None
