"""torchvision.utils.make_grid and save_image: a batch of images as one picture.

Both work on the host copy of the images (they make a picture, not a graph: no gradient flows).
"""

import math

import numpy as np

from lamina import creation
from lamina.errors import ShapeError
from lamina.tensor import Tensor


def _as_batch(tensor) -> np.ndarray:
    """(B, C, H, W) float array from a tensor (B, C, H, W), (C, H, W) or (H, W), or a list of (C, H, W)."""
    if isinstance(tensor, (list, tuple)):
        if not all(isinstance(t, Tensor) for t in tensor):
            kinds = sorted({type(t).__name__ for t in tensor})
            raise TypeError(f"make_grid: expected a tensor or a list of tensors; got a list holding {kinds}.")
        shapes = {tuple(t.shape) for t in tensor}
        if len(shapes) != 1:
            raise ShapeError(f"make_grid: the images of a list must have one shape; got {sorted(shapes)}.")
        images = np.stack([t.detach().cpu().numpy() for t in tensor])
    elif isinstance(tensor, Tensor):
        images = tensor.detach().cpu().numpy()
    else:
        raise TypeError(f"make_grid: expected a tensor or a list of tensors; got {type(tensor).__name__}.")
    if images.ndim == 2:
        images = images[None]
    if images.ndim == 3:
        images = images[None]
    if images.ndim != 4:
        raise ShapeError(f"make_grid: expected images (B, C, H, W), (C, H, W) or (H, W); got {images.shape}.")
    if images.shape[1] == 1:  # grey images shown as RGB, as torchvision does
        images = np.repeat(images, 3, axis=1)
    return images.astype(np.float64 if images.dtype == np.float64 else np.float32)


def _normalise(images, value_range):
    low, high = (float(images.min()), float(images.max())) if value_range is None else value_range
    return (np.clip(images, low, high) - low) / max(high - low, 1e-5)


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0):
    """The images in rows of `nrow`, `padding` pixels of `pad_value` between and around them: (C, H', W').

    normalize=True maps `value_range` (the images' min and max when None; each image's own with
    scale_each=True) to [0, 1]. A single image comes back as it is (made RGB if grey).
    """
    if value_range is not None and not isinstance(value_range, tuple):
        raise TypeError(f"make_grid: value_range must be a tuple (min, max); got {type(value_range).__name__}.")
    images = _as_batch(tensor)
    if normalize:
        if scale_each:
            images = np.stack([_normalise(image, value_range) for image in images])
        else:
            images = _normalise(images, value_range)
    device = tensor[0].device if isinstance(tensor, (list, tuple)) else tensor.device
    if len(images) == 1:
        return creation.tensor(np.ascontiguousarray(images[0]), device=device)
    count, channels, height, width = images.shape
    columns = min(nrow, count)
    rows = math.ceil(count / columns)
    cell_h, cell_w = height + padding, width + padding
    grid = np.full((channels, cell_h * rows + padding, cell_w * columns + padding), pad_value, dtype=images.dtype)
    for k, image in enumerate(images):
        top, left = (k // columns) * cell_h + padding, (k % columns) * cell_w + padding
        grid[:, top : top + height, left : left + width] = image
    return creation.tensor(grid, device=device)


def save_image(tensor, fp, format=None, **grid_options):
    """Write make_grid(tensor, **grid_options) as an image file (PNG, JPEG, ... from the name or `format`);
    values in [0, 1] map to 0..255."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("save_image needs Pillow: pip install -e '.[images]' (or pip install pillow).") from None
    grid = make_grid(tensor, **grid_options).numpy()
    pixels = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    Image.fromarray(pixels).save(fp, format=format)
