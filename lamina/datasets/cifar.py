"""CIFAR-10 and CIFAR-100 from their binary releases (never the pickled ones).

A record is the label byte(s) then 3072 pixel bytes (1024 red, 1024 green, 1024 blue, row
major). The reader checks that every file is a whole number of records and labels are in range.
"""

import tarfile
from pathlib import Path

import numpy as np

from lamina.datasets.arrays import LabelledImages
from lamina.datasets.download import Resource, cache_dir, ensure
from lamina.errors import DataError

_PIXELS = 32 * 32 * 3


def read_cifar_records(path, label_bytes: int, classes: int):
    """(images uint8 (N, 32, 32, 3), labels int64 (N,)) from one binary batch file."""
    path = Path(path)
    raw = np.frombuffer(path.read_bytes(), dtype=np.uint8)
    record = label_bytes + _PIXELS
    if raw.size == 0 or raw.size % record:
        raise DataError(
            f"{path}: {raw.size} bytes is not a whole number of {record}-byte CIFAR records; the file is "
            "truncated or not a CIFAR binary batch. Delete it and download again."
        )
    rows = raw.reshape(-1, record)
    labels = rows[:, label_bytes - 1].astype(np.int64)  # CIFAR-100: (coarse, fine); the fine label is last
    if labels.max() >= classes:
        raise DataError(f"{path}: label {labels.max()} is out of range for {classes} classes.")
    images = rows[:, label_bytes:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)  # HWC, as torchvision's arrays
    return np.ascontiguousarray(images), labels


class CIFAR10(LabelledImages):
    """Tiny images (Krizhevsky 2009): 50,000 training and 10,000 test 32x32 colour images, 10 classes.

    Samples are (image uint8 (32, 32, 3), label int). Files: root/cifar-10-batches-bin/*.bin.
    """

    base_folder = "cifar-10-batches-bin"
    archive = Resource(
        "cifar-10-binary.tar.gz",
        ("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",),
        md5="c32a1d4ab5d03f1284b67883e8d87530",
    )  # the MD5 published on the CIFAR page
    train_files = [f"data_batch_{i}.bin" for i in range(1, 6)]
    test_files = ["test_batch.bin"]
    label_bytes, num_classes = 1, 10
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

    def __init__(self, root=None, train=True, transform=None, target_transform=None, download=False):
        self.root = Path(root) if root is not None else cache_dir()
        self.train, self.transform, self.target_transform = train, transform, target_transform
        folder = self.root / self.base_folder
        names = self.train_files if train else self.test_files
        if not all((folder / n).exists() for n in names):
            pickled = self.root / self.base_folder.replace("-binary", "").replace("-bin", "-py")
            if pickled.is_dir() and not download:  # torchvision's download: its batches are pickles
                raise DataError(
                    f"{type(self).__name__}: {pickled} holds torchvision's pickled batches, which lamina does not "
                    f"read (nothing is unpickled); it reads the binary release into {folder}: pass download=True "
                    f"or put {self.archive.filename} ({self.archive.urls[0]}) in {self.root}."
                )
            archive = ensure(self.archive, self.root, download)
            with tarfile.open(archive) as tar:
                tar.extractall(self.root, filter="data")
        parts = [read_cifar_records(folder / n, self.label_bytes, self.num_classes) for n in names]
        self.images = np.concatenate([p[0] for p in parts])
        self.labels = np.concatenate([p[1] for p in parts])

    # torchvision's attributes: the images (N, 32, 32, 3) uint8 array and the labels as a list
    @property
    def data(self):
        return self.images

    @data.setter
    def data(self, value):
        self.images = np.asarray(value)

    @property
    def targets(self):
        return self.labels.tolist()

    @targets.setter
    def targets(self, value):
        self.labels = np.asarray(value, dtype=np.int64)

    @property
    def class_to_idx(self):
        return {name: index for index, name in enumerate(self.classes)}


class CIFAR100(CIFAR10):
    """100 fine classes (20 coarse); each record starts with 2 label bytes (coarse, fine)."""

    base_folder = "cifar-100-binary"
    archive = Resource(
        "cifar-100-binary.tar.gz",
        ("https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz",),
        md5="03b5dce01913d631647c71ecec9e9cb8",
    )
    train_files, test_files = ["train.bin"], ["test.bin"]
    label_bytes, num_classes = 2, 100
    classes = [str(i) for i in range(100)]
