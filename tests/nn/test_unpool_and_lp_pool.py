"""MaxUnpool1d/2d and LPPool1d/2d (issue 17): gradchecked and compared with torch (check_op), layers too."""

import numpy as np
import pytest
from helpers import check_op

import lamina

torch = pytest.importorskip("torch")


def F(lib):
    return lib.nn.functional


# windows that do not overlap: where they do, one input can be two windows' maximum and its index repeats
@pytest.mark.parametrize("kernel,stride,padding", [(2, 2, 0), (3, 3, 1), ((2, 3), (2, 3), 0)])
def test_max_unpool2d_inverts_max_pool2d(kernel, stride, padding):
    def unpool(lib, x):
        pooled, indices = F(lib).max_pool2d(x, kernel, stride, padding, return_indices=True)
        return F(lib).max_unpool2d(pooled * 2, indices, kernel, stride, padding, output_size=x.shape)

    check_op(unpool, [(2, 3, 6, 7)])


def test_max_unpool1d_and_the_layers():
    def unpool(lib, x):
        pooled, indices = F(lib).max_pool1d(x, 2, return_indices=True)
        return F(lib).max_unpool1d(pooled, indices, 2)

    check_op(unpool, [(2, 3, 8)])
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 4)).astype(np.float32)
    outs = []
    for lib in (lamina, torch):
        pool, unpool = lib.nn.MaxPool2d(2, return_indices=True), lib.nn.MaxUnpool2d(2)
        pooled, indices = pool(lib.tensor(x))
        outs.append(unpool(pooled, indices).numpy())
    np.testing.assert_array_equal(*outs)


def test_max_unpool_refuses_indices_outside_its_plane():
    pooled, indices = F(lamina).max_pool2d(lamina.randn(1, 1, 4, 4), 2, return_indices=True)
    with pytest.raises(IndexError, match="max_unpool2d: index .* outside the output plane of 2x2"):
        F(lamina).max_unpool2d(pooled, indices, 2, output_size=(2, 2)).numpy()
    with pytest.raises(lamina.ShapeError, match="indices shape"):
        F(lamina).max_unpool2d(pooled, indices[..., :1], 2)


@pytest.mark.parametrize("norm_type", [1, 2, 3.5])
def test_lp_pool(norm_type):
    check_op(lambda lib, x: F(lib).lp_pool2d(x, norm_type, 2), [(2, 3, 4, 6)], positive=True)
    check_op(lambda lib, x: F(lib).lp_pool2d(x, norm_type, (2, 3), stride=1), [(1, 2, 4, 5)], positive=True)
    check_op(lambda lib, x: F(lib).lp_pool1d(x, norm_type, 3, stride=2), [(2, 3, 7)], positive=True)
    x = np.random.default_rng(1).standard_normal((2, 3, 6, 6)).astype(np.float32)
    np.testing.assert_allclose(
        lamina.nn.LPPool2d(2, 3)(lamina.tensor(x)).numpy(),
        torch.nn.LPPool2d(2, 3)(torch.from_numpy(x)).numpy(),
        rtol=1e-5,
    )
