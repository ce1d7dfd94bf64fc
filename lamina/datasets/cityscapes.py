"""Cityscapes (Cordts et al. 2016) fine annotations: images and per-pixel train ids."""

from pathlib import Path

import numpy as np

from lamina.data.dataset import Dataset
from lamina.datasets.folder import pil_loader
from lamina.errors import DataError

# label id -> train id for the 19 evaluated classes; every other id is 255 (ignored), as in cityscapesScripts
TRAIN_IDS = {
    7: 0,
    8: 1,
    11: 2,
    12: 3,
    13: 4,
    17: 5,
    19: 6,
    20: 7,
    21: 8,
    22: 9,
    23: 10,
    24: 11,
    25: 12,
    26: 13,
    27: 14,
    28: 15,
    31: 16,
    32: 17,
    33: 18,
}
CLASSES = [
    "road",
    "sidewalk",
    "building",
    "wall",
    "fence",
    "pole",
    "traffic light",
    "traffic sign",
    "vegetation",
    "terrain",
    "sky",
    "person",
    "rider",
    "car",
    "truck",
    "bus",
    "train",
    "motorcycle",
    "bicycle",
]
IGNORE = 255


def label_ids_to_train_ids(label_ids: np.ndarray) -> np.ndarray:
    table = np.full(256, IGNORE, dtype=np.int64)
    for label_id, train_id in TRAIN_IDS.items():
        table[label_id] = train_id
    return table[label_ids.astype(np.int64) & 0xFF]


class Cityscapes(Dataset):
    """root/leftImg8bit/<split>/<city>/*_leftImg8bit.png with root/gtFine/<split>/<city>/*_gtFine_labelIds.png.

    Samples are (image, mask int64 (H, W) of train ids 0..18, 255 = ignore).
    """

    classes = CLASSES

    def __init__(self, root, split="train", transform=None, target_transform=None, loader=pil_loader):
        self.root = Path(root)
        images = sorted((self.root / "leftImg8bit" / split).glob("*/*_leftImg8bit.png"))
        if not images:
            raise DataError(
                f"Cityscapes: no images under {self.root / 'leftImg8bit' / split}; download "
                "leftImg8bit_trainvaltest.zip and gtFine_trainvaltest.zip from cityscapes-dataset.com "
                "and unpack both into root."
            )
        self.pairs = []
        for image in images:
            city = image.parent.name
            stem = image.name.replace("_leftImg8bit.png", "")
            label = self.root / "gtFine" / split / city / f"{stem}_gtFine_labelIds.png"
            if not label.exists():
                raise DataError(f"Cityscapes: {image.name} has no annotation {label}.")
            self.pairs.append((image, label))
        self.transform, self.target_transform, self.loader = transform, target_transform, loader

    def __len__(self):
        return len(self.pairs)

    def __getitem__(self, index):
        from PIL import Image

        image_path, label_path = self.pairs[index]
        image = self.loader(image_path)
        with Image.open(label_path) as label:
            mask = label_ids_to_train_ids(np.asarray(label))
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            mask = self.target_transform(mask)
        return image, mask
