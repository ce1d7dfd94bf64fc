"""MS-COCO (Lin et al. 2014): detection annotations and segmentation masks from the COCO JSON.

Masks come from polygons (a pixel belongs to a polygon when its centre lies inside it, even-odd
rule) or from run-length encodings, both the uncompressed list form and pycocotools' compressed
string form (column-major runs, alternating background and foreground).
"""

import json
from pathlib import Path

import numpy as np

from lamina.data.dataset import Dataset
from lamina.datasets.folder import pil_loader
from lamina.errors import DataError


def decode_rle(rle) -> np.ndarray:
    """A COCO RLE ({'counts': list or str, 'size': [h, w]}) as a uint8 (h, w) mask."""
    height, width = rle["size"]
    counts = rle["counts"]
    runs = _decode_counts(counts) if isinstance(counts, (str, bytes)) else list(counts)
    if sum(runs) != height * width:
        raise DataError(f"COCO RLE: the runs cover {sum(runs)} pixels, but the mask has {height}x{width}.")
    flat = np.zeros(height * width, dtype=np.uint8)
    position = 0
    for i, run in enumerate(runs):
        if i % 2:  # odd runs are foreground
            flat[position : position + run] = 1
        position += run
    return flat.reshape(width, height).T  # runs go down the columns (Fortran order)


def _decode_counts(text) -> list:
    """pycocotools' compact string: 6-bit groups (5 data bits + continue bit), deltas from two runs back."""
    data = text.encode() if isinstance(text, str) else text
    runs, position = [], 0
    while position < len(data):
        value, shift, more = 0, 0, True
        while more:
            chunk = data[position] - 48
            value |= (chunk & 0x1F) << shift
            more = bool(chunk & 0x20)
            position += 1
            shift += 5
            if not more and chunk & 0x10:
                value |= -1 << shift  # sign extension
        if len(runs) > 2:
            value += runs[-2]
        runs.append(value)
    return runs


def polygon_mask(polygons, height: int, width: int) -> np.ndarray:
    """uint8 (h, w) mask of pixels whose centres lie inside any polygon [x0, y0, x1, y1, ...]."""
    mask = np.zeros((height, width), dtype=np.uint8)
    cols, rows = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    for polygon in polygons:
        xs, ys = np.asarray(polygon[0::2], dtype=np.float64), np.asarray(polygon[1::2], dtype=np.float64)
        inside = np.zeros((height, width), dtype=bool)
        for i in range(len(xs)):
            x1, y1, x2, y2 = xs[i], ys[i], xs[i - 1], ys[i - 1]
            crosses = (y1 > rows) != (y2 > rows)  # the edge spans this pixel row's centre height
            with np.errstate(divide="ignore", invalid="ignore"):
                x_at = (x2 - x1) * (rows - y1) / (y2 - y1) + x1
            inside ^= crosses & (cols < x_at)
        mask |= inside
    return mask


def annotation_mask(annotation, height, width) -> np.ndarray:
    segmentation = annotation["segmentation"]
    if isinstance(segmentation, list):
        return polygon_mask(segmentation, height, width)
    return decode_rle(segmentation)


class CocoDetection(Dataset):
    """Samples are (image, list of the image's annotation dicts), as torchvision's CocoDetection."""

    def __init__(self, root, annFile, transform=None, target_transform=None, loader=pil_loader):  # noqa: N803
        self.root = Path(root)
        try:
            content = json.loads(Path(annFile).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise DataError(f"COCO: cannot read the annotation file {annFile}: {error}.") from None
        for key in ("images", "annotations", "categories"):
            if key not in content:
                raise DataError(f"COCO: {annFile} has no '{key}' list; is it a COCO instances file?")
        self.images = {image["id"]: image for image in content["images"]}
        self.ids = sorted(self.images)
        self.categories = {c["id"]: c["name"] for c in content["categories"]}
        self.annotations = {image_id: [] for image_id in self.ids}
        for annotation in content["annotations"]:
            if annotation["image_id"] not in self.annotations:
                raise DataError(
                    f"COCO: annotation {annotation.get('id')} refers to unknown image {annotation['image_id']}."
                )
            if annotation["category_id"] not in self.categories:
                raise DataError(
                    f"COCO: annotation {annotation.get('id')} has unknown category {annotation['category_id']}."
                )
            self.annotations[annotation["image_id"]].append(annotation)
        self.transform, self.target_transform, self.loader = transform, target_transform, loader

    def __len__(self):
        return len(self.ids)

    def _image(self, image_id):
        return self.loader(self.root / self.images[image_id]["file_name"])

    def __getitem__(self, index):
        image_id = self.ids[index]
        image, target = self._image(image_id), self.annotations[image_id]
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target


class CocoSegmentation(CocoDetection):
    """Samples are (image, mask int64 (H, W)): each pixel's category id, 0 for background (later
    annotations paint over earlier ones)."""

    def mask(self, image_id) -> np.ndarray:
        info = self.images[image_id]
        mask = np.zeros((info["height"], info["width"]), dtype=np.int64)
        for annotation in self.annotations[image_id]:
            mask[annotation_mask(annotation, info["height"], info["width"]) > 0] = annotation["category_id"]
        return mask

    def __getitem__(self, index):
        image_id = self.ids[index]
        image, mask = self._image(image_id), self.mask(image_id)
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            mask = self.target_transform(mask)
        return image, mask
