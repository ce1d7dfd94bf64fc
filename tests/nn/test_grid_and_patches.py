"""affine_grid / grid_sample (the spatial transformer tutorial's sampling) and unfold / fold against torch:
values and gradients (check_op), every mode and padding, align_corners both ways; the errors by name."""

import numpy as np
import pytest
from helpers import check_op

import lamina

torch = pytest.importorskip("torch")

THETA = np.array([[[0.8, -0.3, 0.1], [0.2, 1.1, -0.2]], [[1.3, 0.4, 0.3], [-0.5, 0.7, 0.05]]])


@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid(align_corners):
    check_op(lambda lib, theta: lib.nn.functional.affine_grid(theta, (2, 3, 4, 5), align_corners=align_corners),
             arrays=[THETA])  # fmt: skip


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_bilinear_through_an_affine_grid(padding_mode, align_corners):
    def sample(lib, image, theta):
        grid = lib.nn.functional.affine_grid(theta, (2, 3, 4, 6), align_corners=align_corners)
        return lib.nn.functional.grid_sample(image, grid, padding_mode=padding_mode, align_corners=align_corners)

    # a random map: no sample point on a pixel boundary, where bilinear sampling has a kink
    theta = THETA + np.random.default_rng(2).uniform(-0.05, 0.05, THETA.shape)
    check_op(sample, arrays=[np.random.default_rng(0).standard_normal((2, 3, 5, 5)), theta])


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_bicubic(padding_mode, align_corners):
    # points well outside the image (so reflection folds more than once), none on a pixel boundary
    grid = np.random.default_rng(3).uniform(-2.3, 2.3, (2, 3, 4, 2))

    def sample(lib, image, points):
        return lib.nn.functional.grid_sample(
            image, points, mode="bicubic", padding_mode=padding_mode, align_corners=align_corners
        )

    check_op(sample, arrays=[np.random.default_rng(4).standard_normal((2, 2, 5, 6)), grid])


def test_grid_sample_reflection_of_a_single_pixel_and_bad_modes():
    image = lamina.tensor([[[[3.0]]]])
    grid = lamina.tensor([[[[0.7, -1.9]]]])
    for align_corners in (False, True):
        ours = lamina.nn.functional.grid_sample(image, grid, padding_mode="reflection", align_corners=align_corners)
        theirs = torch.nn.functional.grid_sample(
            torch.tensor([[[[3.0]]]]), torch.tensor([[[[0.7, -1.9]]]]), padding_mode="reflection",
            align_corners=align_corners,
        )  # fmt: skip
        np.testing.assert_allclose(ours.numpy(), theirs.numpy())
    with pytest.raises(ValueError, match="mode must be 'bilinear', 'nearest' or 'bicubic'"):
        lamina.nn.functional.grid_sample(image, grid, mode="area")
    with pytest.raises(ValueError, match="padding_mode must be 'zeros', 'border' or 'reflection'"):
        lamina.nn.functional.grid_sample(image, grid, padding_mode="circular")


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_grid_sample_nearest(padding_mode):
    grid = np.random.default_rng(1).uniform(-1.2, 1.2, (2, 3, 4, 2))  # points outside the image too

    def sample(lib, image):
        points = lib.tensor(grid, dtype=image.dtype, device=image.device)
        return lib.nn.functional.grid_sample(image, points, mode="nearest", padding_mode=padding_mode)

    check_op(sample, [(2, 2, 5, 4)])


@pytest.mark.parametrize(
    "options",
    [
        dict(kernel_size=3),
        dict(kernel_size=(2, 3), stride=2, padding=1),
        dict(kernel_size=2, dilation=2, stride=(1, 2)),
    ],
)
def test_unfold_and_fold(options):
    check_op(lambda lib, x: lib.nn.functional.unfold(x, **options), [(2, 3, 7, 6)])
    check_op(lambda lib, x: lib.nn.Unfold(**options)(x), [(1, 2, 5, 5)])
    patches = lamina.nn.functional.unfold(lamina.zeros(2, 3, 7, 6), **options).shape
    check_op(lambda lib, cols: lib.nn.functional.fold(cols, (7, 6), **options), [patches])
    check_op(lambda lib, cols: lib.nn.Fold((7, 6), **options)(cols), [patches])


def test_unfold_keeps_inf_and_nan():
    x = lamina.tensor([[[[1.0, np.inf], [np.nan, -2.0]]]])
    cols = lamina.nn.functional.unfold(x, 1)
    assert np.array_equal(cols.numpy(), torch.nn.functional.unfold(torch.tensor(x.tolist()), 1).numpy(), equal_nan=True)


def test_errors_are_named():
    F = lamina.nn.functional
    with pytest.raises(lamina.ShapeError, match="grid_sample: expects input"):
        F.grid_sample(lamina.zeros(1, 1, 2, 2), lamina.zeros(1, 2, 2, 3))
    with pytest.raises(lamina.ShapeError, match="affine_grid: expects theta"):
        F.affine_grid(lamina.zeros(2, 3, 3), (2, 1, 4, 4))
    with pytest.raises(lamina.ShapeError, match="unfold: a 5x5 kernel"):
        F.unfold(lamina.zeros(1, 1, 3, 3), 5)
    with pytest.raises(lamina.ShapeError, match="fold: input .* holds 4 patches"):
        F.fold(lamina.zeros(1, 9, 4), (5, 5), 3)
