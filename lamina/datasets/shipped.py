"""Data that ships inside the package, so examples and tests run offline: Digits and the Sonnets."""

import gzip
from pathlib import Path

import numpy as np

from lamina.datasets.arrays import LabelledImages
from lamina.datasets.text import TextCorpus
from lamina.errors import DataError

FILES = Path(__file__).parent / "files"


class Digits(LabelledImages):
    """UCI optical digits (Alpaydin & Kaynak 1998, CC BY 4.0): 1,797 8x8 images, values 0..16, 10 classes.

    A fixed, seeded split, stratified (80 % of each class), gives 1,438 training and 359 test images.
    Samples are (image uint8 (8, 8), label int).
    """

    classes = [str(d) for d in range(10)]

    def __init__(self, train=True, transform=None, target_transform=None, split_seed=0):
        rows = np.loadtxt(gzip.open(FILES / "digits.csv.gz", "rt"), delimiter=",", dtype=np.int64)
        if rows.shape != (1797, 65) or rows[:, :64].max() > 16 or not set(rows[:, 64]) <= set(range(10)):
            raise DataError(f"Digits: the shipped file is damaged (shape {rows.shape}); reinstall lamina.")
        generator = np.random.default_rng(split_seed)
        train_rows, test_rows = [], []
        for label in range(10):
            members = np.flatnonzero(rows[:, 64] == label)
            members = members[generator.permutation(len(members))]
            cut = int(round(0.8 * len(members)))
            train_rows += members[:cut].tolist()
            test_rows += members[cut:].tolist()
        chosen = np.sort(np.array(train_rows if train else test_rows))
        self.images = rows[chosen, :64].reshape(-1, 8, 8).astype(np.uint8)
        self.labels = rows[chosen, 64]
        self.train, self.transform, self.target_transform = train, transform, target_transform


def Sonnets(context: int = 64, level: str = "char", stride=None) -> TextCorpus:  # noqa: N802 (reads as a dataset)
    """Shakespeare's sonnets (shipped, public domain) as language-model windows."""
    return TextCorpus(FILES / "sonnets.txt", context=context, level=level, stride=stride)
