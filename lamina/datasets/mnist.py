"""MNIST, Fashion-MNIST and KMNIST from their IDX files, in torchvision's folder layout.

Files are read from `root/<Name>/raw/<file>` (gzipped or not), so a folder that torchvision
already filled is reused. The IDX reader checks the magic number, the header against the
file size and the label range (BAD_INPUTS row 30).
"""

import gzip
import math
import zlib
from pathlib import Path

import numpy as np

from lamina.datasets.arrays import LabelledImages
from lamina.datasets.download import Resource, cache_dir, ensure, verify
from lamina.errors import DataError

_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path) -> np.ndarray:
    """An IDX file (LeCun's format: magic 0x0000TTDD, big-endian dims, then the data) as an array."""
    path = Path(path)
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise DataError(
            f"{path}: the gzip stream is truncated or corrupt ({type(error).__name__}: {error}). "
            "Delete it and download again."
        ) from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise DataError(f"{path}: not an IDX file (bad magic number {raw[:4].hex() if len(raw) >= 4 else raw.hex()}).")
    dtype, ndim = np.dtype(_IDX_TYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path}: truncated IDX header ({len(raw)} bytes for {ndim} dimensions).")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = header + math.prod(shape) * dtype.itemsize  # Python ints: huge dims cannot wrap around
    if len(raw) != expected:
        raise DataError(
            f"{path}: the header promises {shape} items ({expected} bytes) but the file holds {len(raw)} "
            "bytes; it is truncated or corrupt. Delete it and download again."
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


class MNIST(LabelledImages):
    """Handwritten digits (LeCun, Cortes & Burges 1998): 60,000 training and 10,000 test 28x28 images.

    Samples are (image uint8 array (28, 28), label int) before `transform` / `target_transform`.
    """

    folder = "MNIST"
    mirrors = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/")
    files = {
        "train-images-idx3-ubyte": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    }
    classes = [str(d) for d in range(10)]

    def __init__(self, root=None, train=True, transform=None, target_transform=None, download=False):
        self.root = Path(root) if root is not None else cache_dir()
        self.train, self.transform, self.target_transform = train, transform, target_transform
        prefix = "train" if train else "t10k"
        self.images = read_idx(self._file(f"{prefix}-images-idx3-ubyte", download))
        labels = read_idx(self._file(f"{prefix}-labels-idx1-ubyte", download))
        if labels.dtype.kind not in "iu":  # float labels would be truncated to classes silently
            raise DataError(
                f"{type(self).__name__}: the label file holds {labels.dtype} values; class labels must be integers."
            )
        self.labels = labels.astype(np.int64)
        if self.images.ndim != 3 or self.labels.ndim != 1 or len(self.images) != len(self.labels):
            raise DataError(
                f"{type(self).__name__}: images {self.images.shape} and labels {self.labels.shape} do not pair up."
            )
        if len(self.labels) and (self.labels.min() < 0 or self.labels.max() >= len(self.classes)):
            raise DataError(
                f"{type(self).__name__}: labels out of range 0..{len(self.classes) - 1} "
                f"(found {self.labels.min()}..{self.labels.max()})."
            )

    # torchvision's attributes: the whole set as tensors, images uint8 (N, 28, 28) and labels int64 (N,),
    # sharing memory with what the samples are read from
    @property
    def data(self):
        from lamina import creation

        return creation.as_tensor(self.images)

    @data.setter
    def data(self, value):
        self.images = np.asarray(value)

    @property
    def targets(self):
        from lamina import creation

        return creation.as_tensor(self.labels)

    @targets.setter
    def targets(self, value):
        self.labels = np.asarray(value).astype(np.int64)

    @property
    def raw_folder(self) -> Path:
        return self.root / self.folder / "raw"

    def _file(self, name, download):
        for candidate in (self.raw_folder / name, self.raw_folder / (name + ".gz")):
            if candidate.exists():
                if candidate.suffix == ".gz" and self.files.get(name):
                    verify(candidate, self._resource(name))
                return candidate
        return ensure(self._resource(name), self.raw_folder, download)

    def _resource(self, name):
        return Resource(name + ".gz", tuple(m + name + ".gz" for m in self.mirrors), sha256=self.files.get(name, ""))


class FashionMNIST(MNIST):
    """Zalando's clothing images (Xiao, Rasul & Vollgraf 2017), a drop-in MNIST replacement."""

    folder = "FashionMNIST"
    mirrors = ("https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",)
    files = {
        "train-images-idx3-ubyte": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    }
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


class KMNIST(MNIST):
    """Kuzushiji-MNIST (Clanuwat et al. 2018): cursive Japanese characters, 10 classes.

    NOTE: lamina has no verified checksum for these files, so it reads them but does not download them:
    fetch the four IDX files from http://codh.rois.ac.jp/kmnist/ into root/KMNIST/raw/.
    """

    folder = "KMNIST"
    mirrors = ("http://codh.rois.ac.jp/kmnist/dataset/kmnist/",)
    files = {}
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
