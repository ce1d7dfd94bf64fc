"""Image transforms on arrays, Pillow images, tensors and batches."""

import numpy as np
import pytest

import lamina
from lamina import transforms as T
from lamina.data.rng import set_rng

IMAGE = np.arange(4 * 6 * 3, dtype=np.uint8).reshape(4, 6, 3)


@pytest.fixture(autouse=True)
def seeded():
    set_rng(np.random.default_rng(0))


def test_to_tensor_and_normalize():
    tensor = T.ToTensor()(IMAGE)
    assert tensor.shape == (3, 4, 6) and tensor.dtype is lamina.float32
    assert tensor[0, 0, 1].item() == pytest.approx(IMAGE[0, 1, 0] / 255)
    normalized = T.Normalize([0.5, 0.5, 0.5], [0.25, 0.25, 0.25])(tensor)
    np.testing.assert_allclose(normalized.numpy(), (tensor.numpy() - 0.5) / 0.25, rtol=1e-6)
    batch = lamina.stack([tensor, tensor])
    assert T.Normalize([0.5], [0.5])(batch).shape == (2, 3, 4, 6)
    with pytest.raises(lamina.ShapeError, match="2 means for 3 channels"):
        T.Normalize([0.5, 0.5], [1, 1])(tensor)


def test_normalize_against_torchvision_formula():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).random((2, 3, 5, 5)).astype(np.float32)
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    expected = (torch.from_numpy(x) - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)
    np.testing.assert_allclose(T.Normalize(mean, std)(lamina.tensor(x)).numpy(), expected.numpy(), rtol=1e-6)


def test_resize_matches_torch_bilinear():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).random((5, 7, 2)).astype(np.float32)
    ours = T.Resize((8, 3))(x)
    theirs = (
        torch.nn.functional.interpolate(
            torch.from_numpy(x.transpose(2, 0, 1))[None], size=(8, 3), mode="bilinear", align_corners=False
        )[0]
        .numpy()
        .transpose(1, 2, 0)
    )
    np.testing.assert_allclose(ours, theirs, atol=1e-5)
    assert T.Resize(8)(np.zeros((4, 6))).shape == (8, 12)  # smaller edge to 8, aspect kept


def test_crops():
    assert T.CenterCrop(2)(IMAGE).tolist() == IMAGE[1:3, 2:4].tolist()
    crop = T.RandomCrop((3, 3), padding=1)(IMAGE)
    assert crop.shape == (3, 3, 3)
    padded = T.RandomCrop(10, pad_if_needed=True)(IMAGE)
    assert padded.shape == (10, 10, 3)
    resized = T.RandomResizedCrop(5)(IMAGE)
    assert resized.shape == (5, 5, 3)
    with pytest.raises(lamina.ShapeError, match="larger than the image"):
        T.CenterCrop(9)(IMAGE)


def test_flips_pil_and_batches():
    from PIL import Image

    flipped = T.RandomHorizontalFlip(p=1.0)(IMAGE)
    assert flipped.tolist() == IMAGE[:, ::-1].tolist()
    assert T.RandomHorizontalFlip(p=0.0)(IMAGE) is IMAGE
    pil = Image.fromarray(IMAGE)
    assert np.asarray(T.RandomHorizontalFlip(p=1.0)(pil)).tolist() == IMAGE[:, ::-1].tolist()
    batch = lamina.tensor(np.arange(8 * 2 * 2 * 3, dtype=np.float32).reshape(8, 2, 2, 3))
    out = T.RandomHorizontalFlip(p=0.5)(batch).numpy()
    flipped_rows = [np.array_equal(out[i], batch.numpy()[i][..., ::-1]) for i in range(8)]
    assert 0 < sum(flipped_rows) < 8  # each sample decided on its own


def test_color_jitter_and_rotation():
    jittered = T.ColorJitter(0.5, 0.5, 0.5, 0.1)(IMAGE)
    assert jittered.shape == IMAGE.shape and jittered.dtype == np.uint8 and not np.array_equal(jittered, IMAGE)
    assert np.array_equal(T.ColorJitter()(IMAGE), IMAGE)
    square = np.zeros((5, 5), dtype=np.uint8)
    square[0, 2] = 255  # a dot at the top centre
    rotated = T.RandomRotation((90, 90))(square)
    assert rotated[2, 0] == 255 and rotated.sum() == 255  # counter-clockwise: top goes to the left
    compose = T.Compose([T.RandomHorizontalFlip(1.0), T.Lambda(lambda a: a * 0), T.ToTensor()])
    assert compose(IMAGE).numpy().max() == 0


def test_hsv_round_trip():
    from lamina.transforms.image import _hsv_to_rgb, _rgb_to_hsv

    rgb = np.random.default_rng(2).random((10, 10, 3)).astype(np.float32)
    np.testing.assert_allclose(_hsv_to_rgb(_rgb_to_hsv(rgb)), rgb, atol=1e-5)
