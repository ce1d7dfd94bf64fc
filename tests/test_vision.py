"""lamina.vision, torchvision's paths: make_grid/save_image, FakeData, MNIST's data/targets, the ResNet builders,
and a torchvision-style script run unchanged through `lamina run` (torchvision resolved to lamina.vision)."""

import textwrap

import numpy as np
import pytest
from helpers import lamina_run

import lamina
from lamina import vision
from lamina.errors import ShapeError


def images(count, channels=1, height=2, width=3):
    return lamina.arange(count * channels * height * width, dtype=lamina.float32).reshape(
        count, channels, height, width
    )


def test_make_grid_places_the_images_in_rows_with_padding():
    batch = images(5)
    grid = vision.utils.make_grid(batch, nrow=2, padding=1, pad_value=-1.0).numpy()
    assert grid.shape == (3, 3 * (2 + 1) + 1, 2 * (3 + 1) + 1)  # grey made RGB; 3 rows of 2; padding around
    for k in range(5):
        top, left = (k // 2) * 3 + 1, (k % 2) * 4 + 1
        for channel in range(3):
            np.testing.assert_array_equal(grid[channel, top : top + 2, left : left + 3], batch.numpy()[k, 0])
    assert (grid[:, 7:9, 5:8] == -1).all()  # the sixth cell is empty: padding value
    assert (grid[:, 0, :] == -1).all() and (grid[:, :, 0] == -1).all()


def test_make_grid_normalises_over_the_batch_or_each_image():
    batch = images(2)
    whole = vision.utils.make_grid(batch, padding=0, normalize=True).numpy()
    np.testing.assert_allclose(whole[0, :, :3], batch.numpy()[0, 0] / 11)
    each = vision.utils.make_grid(batch, padding=0, normalize=True, scale_each=True).numpy()
    np.testing.assert_allclose(each[0, :, 3:], (batch.numpy()[1, 0] - 6) / 5)
    clipped = vision.utils.make_grid(batch, padding=0, normalize=True, value_range=(2, 4)).numpy()
    assert clipped.min() == 0 and clipped.max() == 1
    single = vision.utils.make_grid(images(1)).numpy()
    assert single.shape == (3, 2, 3)  # one image comes back as it is, in RGB


def test_make_grid_names_bad_input():
    with pytest.raises(TypeError, match="tensor or a list of tensors; got ndarray"):
        vision.utils.make_grid(np.zeros((2, 1, 2, 2)))
    with pytest.raises(ShapeError, match="one shape"):
        vision.utils.make_grid([lamina.zeros(1, 2, 2), lamina.zeros(1, 3, 3)])
    with pytest.raises(TypeError, match="value_range must be a tuple"):
        vision.utils.make_grid(images(2), normalize=True, value_range=[0, 1])


def test_save_image_writes_the_grid_as_8_bit_pixels(tmp_path):
    image = pytest.importorskip("PIL.Image")
    batch = lamina.rand(3, 3, 4, 5)
    path = tmp_path / "grid.png"
    vision.utils.save_image(batch, path, nrow=3, padding=2)
    pixels = np.asarray(image.open(path))
    expected = np.clip(vision.utils.make_grid(batch, nrow=3).numpy() * 255 + 0.5, 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(pixels, expected.transpose(1, 2, 0))


def test_fake_data_gives_the_same_sample_for_an_index():
    data = vision.datasets.FakeData(size=4, image_size=(3, 8, 6), num_classes=5)
    first, label = data[2]
    assert first.shape == (8, 6, 3) and first.dtype == np.uint8 and 0 <= label < 5
    np.testing.assert_array_equal(data[2][0], first)
    assert not np.array_equal(data[1][0], first)
    grey = vision.datasets.FakeData(size=2, image_size=(1, 8, 8), transform=vision.transforms.ToTensor())
    assert tuple(grey[0][0].shape) == (1, 8, 8) and float(grey[0][0].max()) <= 1
    with pytest.raises(IndexError, match="index 4 out of range for 4 samples"):
        data[4]
    with pytest.raises(ValueError, match="image_size must be"):
        vision.datasets.FakeData(image_size=(8, 8))


def write_mnist(root, count=64, seed=0):
    """A small MNIST in torchvision's layout (root/MNIST/raw, uncompressed IDX files) of random digits."""
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(seed)

    def idx(name, array):
        header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
        (raw / name).write_bytes(header + array.tobytes())

    for prefix in ("train", "t10k"):
        idx(f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (count, 28, 28), dtype=np.uint8))
        idx(f"{prefix}-labels-idx1-ubyte", rng.integers(0, 10, count, dtype=np.uint8))


def test_mnist_offers_torchvisions_data_and_targets(tmp_path):
    write_mnist(tmp_path)
    data = vision.datasets.MNIST(tmp_path, train=True)
    assert tuple(data.data.shape) == (64, 28, 28) and data.data.dtype == lamina.uint8
    assert data.targets.dtype == lamina.int64 and data.targets[3].item() == data[3][1]
    np.testing.assert_array_equal(data.data[5].numpy(), data[5][0])
    data.targets = data.targets % 2  # torchvision code relabels this way
    assert set(data.targets.tolist()) <= {0, 1} and data[0][1] in (0, 1)


def test_the_resnet_builders_take_torchvisions_arguments():
    model = vision.models.resnet18(weights=None, num_classes=7)
    assert model.fc.out_features == 7 and len(model.state_dict()) == 122  # torchvision's resnet18 has 122 keys
    with pytest.raises(ValueError, match="does not download pretrained weights"):
        vision.models.resnet18(weights="IMAGENET1K_V1")


PROGRAM = """
import torch
import torch.backends.cudnn as cudnn
import torch.nn as nn
import torchvision
from torchvision import datasets, transforms
from torchvision.utils import save_image

cudnn.benchmark = True
torch.manual_seed(0)
transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
train = datasets.MNIST("data", train=True, download=False, transform=transform)
loader = torch.utils.data.DataLoader(train, batch_size=16, shuffle=True)
model = torchvision.models.resnet18(weights=None, num_classes=10)
model.conv1 = nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)
features = nn.Sequential(*list(model.children())[:-1])  # conv1 stays first: drops fc
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for images, labels in loader:
    loss = nn.functional.cross_entropy(model(images), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print("RESULT", tuple(features(images).shape), torch.isfinite(loss).item())
fake = datasets.FakeData(size=8, image_size=(3, 16, 16), transform=transforms.ToTensor())
batch = torch.stack([fake[i][0] for i in range(8)])
save_image(batch, "samples.png", nrow=4)
print("RESULT", train.data.shape[0], int(train.targets.max()) < 10)
"""


def test_a_torchvision_script_runs_unchanged_under_lamina_run(tmp_path):
    pytest.importorskip("PIL")
    write_mnist(tmp_path / "data")
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(PROGRAM))
    done = lamina_run(script, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line.split(" ", 1)[1] for line in done.stdout.splitlines() if line.startswith("RESULT")]
    assert lines == ["(16, 512, 1, 1) True", "64 True"]
    assert (tmp_path / "samples.png").stat().st_size > 0
    assert "torchvision" in done.stderr  # the summary line names what resolved to lamina


def test_lamina_run_names_a_missing_torchvision_name(tmp_path):
    script = tmp_path / "missing.py"
    script.write_text("from torchvision import transforms\ntransforms.RandomErasing()\n")
    done = lamina_run(script)
    assert done.returncode == 2
    assert "torchvision.transforms.RandomErasing is not in lamina" in done.stderr
