"""Image transforms (torchvision's names) on NumPy arrays (H, W[, C]), Pillow images and tensors (C, H, W).

Random ones draw from `lamina.data.rng()`, so inside a DataLoader they are reproducible per batch.
Normalize and RandomHorizontalFlip also take whole batches (N, C, H, W) and work on them at once.
"""

import math
import numbers

import numpy as np

from lamina.data.rng import rng
from lamina.errors import ShapeError
from lamina.tensor import Tensor


def _is_pil(image) -> bool:
    return type(image).__module__.startswith("PIL.")


def _to_hwc(image):
    """(array (H, W) or (H, W, C), a function turning a same-layout array back into the input's kind)."""
    if isinstance(image, Tensor):
        array = image.numpy()
        if array.ndim == 2:
            return array, lambda a: Tensor._make(np.ascontiguousarray(a), image.device)
        return array.transpose(1, 2, 0), lambda a: Tensor._make(
            np.ascontiguousarray(a.transpose(2, 0, 1)), image.device
        )
    if _is_pil(image):
        from PIL import Image

        mode = image.mode
        return np.asarray(image), lambda a: Image.fromarray(np.asarray(a).astype(np.uint8), mode=mode)
    array = np.asarray(image)
    if array.ndim not in (2, 3):
        raise ShapeError(f"image transforms: expected an image (H, W) or (H, W, C); got shape {array.shape}.")
    return array, lambda a: a


def _size_pair(size):
    return (size, size) if isinstance(size, numbers.Number) else tuple(size)


class Compose:
    """Apply transforms in order."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x):
        for transform in self.transforms:
            x = transform(x)
        return x

    def __repr__(self):
        return "Compose(" + ", ".join(repr(t) for t in self.transforms) + ")"


class Lambda:
    """Apply any function."""

    def __init__(self, function):
        self.function = function

    def __call__(self, x):
        return self.function(x)


class ToTensor:
    """uint8 (H, W[, C]) or a Pillow image -> float32 tensor (C, H, W) in [0, 1]; float arrays keep their scale."""

    def __call__(self, image):
        array = np.asarray(image)
        if array.ndim == 2:
            array = array[:, :, None]
        if array.ndim != 3:
            raise ShapeError(f"ToTensor: expected an image (H, W) or (H, W, C); got shape {array.shape}.")
        scale = 255.0 if array.dtype == np.uint8 else 1.0
        chw = np.ascontiguousarray(array.transpose(2, 0, 1), dtype=np.float32) / np.float32(scale)
        from lamina import creation

        return creation.tensor(chw)


class Normalize:
    """(x - mean) / std per channel, for a tensor (C, H, W) or a batch (N, C, H, W), in one pass."""

    def __init__(self, mean, std):
        self.mean, self.std = np.asarray(mean, dtype=np.float32), np.asarray(std, dtype=np.float32)
        if (self.std == 0).any():
            raise ValueError("Normalize: std must not contain 0.")

    def __call__(self, tensor):
        channels = tensor.shape[-3]
        if self.mean.size not in (1, channels):
            raise ShapeError(f"Normalize: {self.mean.size} means for {channels} channels.")
        shape = (-1, 1, 1)
        mean = Tensor._make(self.mean.reshape(shape).astype(tensor.array.dtype), tensor.device)
        std = Tensor._make(self.std.reshape(shape).astype(tensor.array.dtype), tensor.device)
        return (tensor - mean) / std

    def __repr__(self):
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


def resize_array(array, height, width):
    """Bilinear resize with half-pixel centres (align_corners=False), like F.interpolate; no antialias."""
    in_h, in_w = array.shape[:2]
    rows = np.clip((np.arange(height) + 0.5) * in_h / height - 0.5, 0, in_h - 1)
    cols = np.clip((np.arange(width) + 0.5) * in_w / width - 0.5, 0, in_w - 1)
    r0, c0 = np.floor(rows).astype(int), np.floor(cols).astype(int)
    r1, c1 = np.minimum(r0 + 1, in_h - 1), np.minimum(c0 + 1, in_w - 1)
    fr, fc = (rows - r0)[:, None], (cols - c0)[None, :]
    if array.ndim == 3:
        fr, fc = fr[..., None], fc[..., None]
    source = array.astype(np.float32)
    top = source[r0][:, c0] * (1 - fc) + source[r0][:, c1] * fc
    bottom = source[r1][:, c0] * (1 - fc) + source[r1][:, c1] * fc
    out = top * (1 - fr) + bottom * fr
    return np.clip(out.round(), 0, 255).astype(np.uint8) if array.dtype == np.uint8 else out.astype(array.dtype)


def _target_size(size, height, width):
    if isinstance(size, numbers.Number):  # the smaller edge becomes `size`, keeping the aspect ratio
        if height <= width:
            return int(size), int(size * width / height)
        return int(size * height / width), int(size)
    return tuple(size)


class Resize:
    """Resize to (h, w), or make the smaller edge `size` keeping the aspect ratio (bilinear)."""

    def __init__(self, size):
        self.size = size

    def __call__(self, image):
        if _is_pil(image):
            from PIL import Image

            height, width = _target_size(self.size, image.height, image.width)
            return image.resize((width, height), Image.BILINEAR)
        array, back = _to_hwc(image)
        height, width = _target_size(self.size, *array.shape[:2])
        return back(resize_array(array, height, width))


def _crop(image, top, left, height, width):
    if _is_pil(image):
        return image.crop((left, top, left + width, top + height))
    array, back = _to_hwc(image)
    return back(array[top : top + height, left : left + width])


def _shape(image):
    if _is_pil(image):
        return image.height, image.width
    array, _ = _to_hwc(image)
    return array.shape[:2]


class CenterCrop:
    def __init__(self, size):
        self.size = _size_pair(size)

    def __call__(self, image):
        height, width = _shape(image)
        h, w = self.size
        if h > height or w > width:
            raise ShapeError(f"CenterCrop: crop {self.size} is larger than the image ({height}, {width}).")
        return _crop(image, (height - h) // 2, (width - w) // 2, h, w)


class RandomCrop:
    """A random (h, w) window, after optional padding on every side (fill value `fill`)."""

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0):
        self.size, self.padding, self.pad_if_needed, self.fill = _size_pair(size), padding, pad_if_needed, fill

    def __call__(self, image):
        array, back = _to_hwc(image)
        pad = self.padding or 0
        h, w = self.size
        extra_h = max(0, h - (array.shape[0] + 2 * pad)) if self.pad_if_needed else 0
        extra_w = max(0, w - (array.shape[1] + 2 * pad)) if self.pad_if_needed else 0
        widths = [(pad + extra_h, pad + extra_h), (pad + extra_w, pad + extra_w)] + [(0, 0)] * (array.ndim - 2)
        if pad or extra_h or extra_w:
            array = np.pad(array, widths, constant_values=self.fill)
        height, width = array.shape[:2]
        if h > height or w > width:
            raise ShapeError(f"RandomCrop: crop {self.size} is larger than the padded image ({height}, {width}).")
        top, left = rng().integers(0, height - h + 1), rng().integers(0, width - w + 1)
        return back(array[top : top + h, left : left + w])


class RandomResizedCrop:
    """A random area fraction (scale) and aspect ratio, cropped and resized to `size` (Szegedy et al. 2015)."""

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)):
        self.size, self.scale, self.ratio = _size_pair(size), scale, ratio

    def _window(self, height, width):
        area = height * width
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        generator = rng()
        for _ in range(10):  # torchvision's rule: ten tries, then a centre crop
            target = area * generator.uniform(*self.scale)
            aspect = math.exp(generator.uniform(*log_ratio))
            w, h = int(round(math.sqrt(target * aspect))), int(round(math.sqrt(target / aspect)))
            if 0 < w <= width and 0 < h <= height:
                return generator.integers(0, height - h + 1), generator.integers(0, width - w + 1), h, w
        in_ratio = width / height
        if in_ratio < min(self.ratio):
            w, h = width, int(round(width / min(self.ratio)))
        elif in_ratio > max(self.ratio):
            h, w = height, int(round(height * max(self.ratio)))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def __call__(self, image):
        top, left, h, w = self._window(*_shape(image))
        return Resize(self.size)(_crop(image, top, left, h, w))


class RandomHorizontalFlip:
    """Mirror left-right with probability p; a batch tensor (N, C, H, W) flips each sample independently."""

    def __init__(self, p=0.5):
        self.p = p

    def __call__(self, image):
        if isinstance(image, Tensor) and image.ndim == 4:
            flip = rng().random(image.shape[0]) < self.p
            data = image.numpy().copy()
            data[flip] = data[flip][..., ::-1]
            return Tensor._make(data, image.device)
        if rng().random() >= self.p:
            return image
        if _is_pil(image):
            from PIL import Image

            return image.transpose(Image.FLIP_LEFT_RIGHT)
        array, back = _to_hwc(image)
        return back(array[:, ::-1])


def _rgb_to_hsv(rgb):
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    high, low = rgb.max(-1), rgb.min(-1)
    delta = high - low
    with np.errstate(divide="ignore", invalid="ignore"):
        saturation = np.where(high > 0, delta / high, 0)
        hue = np.where(high == r, (g - b) / delta % 6, np.where(high == g, (b - r) / delta + 2, (r - g) / delta + 4))
    hue = np.where(delta > 0, hue / 6, 0)
    return np.stack([hue, saturation, high], -1)


def _hsv_to_rgb(hsv):
    h, s, v = hsv[..., 0] * 6, hsv[..., 1], hsv[..., 2]
    sector = np.floor(h).astype(int) % 6
    f = h - np.floor(h)
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    choices = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    out = np.zeros(hsv.shape, dtype=np.float32)
    for index, (r, g, b) in enumerate(choices):
        where = sector == index
        out[where] = np.stack([r, g, b], -1)[where]
    return out


class ColorJitter:
    """Random brightness, contrast, saturation (factors in [1-x, 1+x]) and hue (shift in [-x, x]), in random order."""

    def __init__(self, brightness=0.0, contrast=0.0, saturation=0.0, hue=0.0):
        if not 0 <= hue <= 0.5:
            raise ValueError(f"ColorJitter: hue must be in [0, 0.5]; got {hue}.")
        self.brightness, self.contrast, self.saturation, self.hue = brightness, contrast, saturation, hue

    def __call__(self, image):
        array, back = _to_hwc(image)
        is_uint8 = array.dtype == np.uint8
        x = array.astype(np.float32) / (255 if is_uint8 else 1)
        generator = rng()
        for step in generator.permutation(4):
            if step == 0 and self.brightness:
                x = x * generator.uniform(max(0, 1 - self.brightness), 1 + self.brightness)
            elif step == 1 and self.contrast:
                gray_mean = _grayscale(x).mean()
                x = (x - gray_mean) * generator.uniform(max(0, 1 - self.contrast), 1 + self.contrast) + gray_mean
            elif step == 2 and self.saturation and x.ndim == 3:
                gray = _grayscale(x)[..., None]
                x = (x - gray) * generator.uniform(max(0, 1 - self.saturation), 1 + self.saturation) + gray
            elif step == 3 and self.hue and x.ndim == 3:
                hsv = _rgb_to_hsv(np.clip(x, 0, 1))
                hsv[..., 0] = (hsv[..., 0] + generator.uniform(-self.hue, self.hue)) % 1.0
                x = _hsv_to_rgb(hsv)
            x = np.clip(x, 0, 1)
        return back((x * 255).round().astype(np.uint8) if is_uint8 else x.astype(array.dtype))


def _grayscale(x):
    return x @ np.array([0.299, 0.587, 0.114], dtype=np.float32) if x.ndim == 3 else x


class RandomRotation:
    """Rotate by a random angle in [-degrees, degrees] (counter-clockwise positive) about the centre;
    uncovered pixels get `fill`; nearest-neighbour sampling (torchvision's default)."""

    def __init__(self, degrees, fill=0):
        self.degrees = (-degrees, degrees) if isinstance(degrees, numbers.Number) else tuple(degrees)
        self.fill = fill

    def __call__(self, image):
        angle = rng().uniform(*self.degrees)
        if _is_pil(image):
            return image.rotate(angle, fillcolor=self.fill)
        array, back = _to_hwc(image)
        height, width = array.shape[:2]
        theta = math.radians(angle)
        rows, cols = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
        cy, cx = (height - 1) / 2, (width - 1) / 2
        y, x = rows - cy, cols - cx
        # inverse mapping: each output pixel looks up where it came from (rotation by -angle)
        source_x = np.cos(theta) * x - np.sin(theta) * y + cx
        source_y = np.sin(theta) * x + np.cos(theta) * y + cy
        sr, sc = np.round(source_y).astype(int), np.round(source_x).astype(int)
        valid = (sr >= 0) & (sr < height) & (sc >= 0) & (sc < width)
        out = np.full_like(array, self.fill)
        out[valid] = array[sr[valid], sc[valid]]
        return back(out)
