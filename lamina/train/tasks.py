"""What `lamina train MODEL --data DATASET` needs: how to build each zoo model for a dataset, and the data.

A dataset spec knows its kind (images, text, sequences), its shape and classes; a model spec knows
what input it needs. `make_task` puts the two together: loaders with the right transforms, the
model, and the metadata a checkpoint keeps so that `eval` and `predict` can rebuild everything.
"""

import difflib
from dataclasses import dataclass

import numpy as np

import lamina
from lamina import models
from lamina.data import DataLoader, Dataset, DistributedSampler
from lamina.errors import DataError


@dataclass(frozen=True)
class DataSpec:
    name: str
    kind: str  # "images", "text" or "sequences"
    channels: int = 1
    size: int = 0
    classes: int = 10
    description: str = ""
    source: str = "downloaded"  # "shipped", "generated", "downloaded" or "placed by hand"
    size_mb: float = 0.0  # what a download (or the files to place) weighs, compressed


DATASETS = {
    spec.name: spec
    for spec in [
        DataSpec("digits", "images", 1, 8, 10, "UCI optical digits, 8x8, shipped with lamina", "shipped"),
        DataSpec("mnist", "images", 1, 28, 10, "MNIST, 28x28 (SHA-256 checked)", "downloaded", 11.6),
        DataSpec("fashion-mnist", "images", 1, 28, 10, "Fashion-MNIST, 28x28 (SHA-256 checked)", "downloaded", 30.9),
        DataSpec("kmnist", "images", 1, 28, 10, "Kuzushiji-MNIST, 28x28", "placed by hand"),
        DataSpec("cifar10", "images", 3, 32, 10, "CIFAR-10 binary, 32x32 (MD5 checked)", "downloaded", 162.2),
        DataSpec("cifar100", "images", 3, 32, 100, "CIFAR-100 binary, 32x32 (MD5 checked)", "downloaded", 160.7),
        DataSpec("sonnets", "text", description="Shakespeare's sonnets, characters", source="shipped"),
        DataSpec("reverse", "sequences", classes=11, description="reverse 8 digits", source="generated"),
        DataSpec("sort", "sequences", classes=11, description="sort 8 digits", source="generated"),
    ]
}

# model -> (kind of data it takes, channels it needs or None for any, image size it needs or None for any)
MODELS = {
    "lenet1": ("images", None, 28),
    "lenet5": ("images", None, 28),
    "resnet20": ("images", 3, None),
    "resnet32": ("images", 3, None),
    "resnet56": ("images", 3, None),
    "alexnet": ("images", 3, 224),
    "googlenet": ("images", 3, 96),
    "resnet18": ("images", 3, 64),
    "resnet34": ("images", 3, 64),
    "resnet50": ("images", 3, 64),
    "gpt": ("text", None, None),
    "transformer": ("sequences", None, None),
}
DEFAULT_DATA = {"gpt": "sonnets", "transformer": "reverse"}


def closest(name, known) -> str:
    matches = difflib.get_close_matches(name, list(known), n=3)
    return f" Did you mean {', '.join(matches)}?" if matches else ""


def is_token_folder(data_name) -> bool:
    """A folder written by `lamina datasets tokenize` (it has index.json): a text dataset of any size."""
    from pathlib import Path

    return (Path(data_name) / "index.json").is_file()


def check_names(model_name, data_name):
    if model_name not in MODELS:
        raise KeyError(f"unknown model {model_name!r}.{closest(model_name, MODELS)} Known: {', '.join(MODELS)}.")
    if MODELS[model_name][0] == "text" and is_token_folder(data_name):
        return
    if data_name not in DATASETS:
        raise KeyError(f"unknown dataset {data_name!r}.{closest(data_name, DATASETS)} Known: {', '.join(DATASETS)}.")
    kind = MODELS[model_name][0]
    if DATASETS[data_name].kind != kind:
        suitable = [n for n, s in DATASETS.items() if s.kind == kind]
        raise ValueError(
            f"{model_name} takes {kind}, but {data_name} holds {DATASETS[data_name].kind}; use one of "
            f"{', '.join(suitable)}."
        )


def availability(spec: DataSpec) -> str:
    """Whether the dataset can be used on this machine now: shipped, generated, here (in the cache), or not."""
    if spec.source in ("shipped", "generated"):
        return spec.source
    try:
        image_arrays(spec, train=False, download=False)  # the smaller split: reads the files, downloads nothing
    except DataError:
        return "not here"
    return "here"


def image_arrays(spec: DataSpec, train: bool, download: bool = False):
    """(images float32 (N, C, H, W) in [0, 1], labels int64) of an image dataset."""
    from lamina import datasets

    if spec.name == "digits":
        data = datasets.Digits(train=train)
        return data.images[:, None].astype(np.float32) / 16.0, data.labels
    readers = {
        "mnist": datasets.MNIST,
        "fashion-mnist": datasets.FashionMNIST,
        "kmnist": datasets.KMNIST,
        "cifar10": datasets.CIFAR10,
        "cifar100": datasets.CIFAR100,
    }
    data = readers[spec.name](train=train, download=download)
    images = data.images.astype(np.float32) / 255.0
    images = images[:, None] if images.ndim == 3 else images.transpose(0, 3, 1, 2)
    return np.ascontiguousarray(images), data.labels


def adapt_images(images, channels, size):
    """Resize to size x size and repeat grey to 3 channels when the model needs it."""
    from lamina.transforms.image import resize_array

    if size and images.shape[-1] != size:
        images = np.stack([np.stack([resize_array(c, size, size) for c in image]) for image in images])
    if channels == 3 and images.shape[1] == 1:
        images = np.repeat(images, 3, axis=1)
    return np.ascontiguousarray(images, dtype=np.float32)


class ArrayDataset(Dataset):
    def __init__(self, inputs, targets):
        self.inputs, self.targets = inputs, targets

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        return self.inputs[index], self.targets[index]


class TeacherForced(lamina.nn.Module):
    """Wraps an encoder-decoder so that model((source, decoder_input)) gives the logits."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pair):
        source, decoder_input = pair
        return self.model(source, decoder_input)


def build_model(meta: dict):
    name = meta["model"]
    if name in ("lenet1", "lenet5"):
        return getattr(models, name)(meta["channels"], meta["classes"], meta["size"])
    if name == "gpt":
        return models.gpt(models.GPTConfig(vocab_size=meta["vocab"], context=meta["context"]))
    if name == "transformer":
        return TeacherForced(models.small_transformer())
    return getattr(models, name)(num_classes=meta["classes"])


def make_task(model_name, data_name, batch_size=64, workers=0, seed=0, download=False):
    """(model, train loader, validation loader, meta) for a model on a dataset."""
    check_names(model_name, data_name)
    spec = DATASETS.get(data_name)
    kind, channels, size = MODELS[model_name]
    meta = {"model": model_name, "data": data_name}

    def loader(dataset, shuffle):
        from lamina import distributed

        if shuffle and distributed.get_world_size() > 1:  # each rank its share of every epoch (all evaluate all)
            sampler = DistributedSampler(dataset, shuffle=True, seed=seed)
            return DataLoader(dataset, batch_size=batch_size, sampler=sampler, seed=seed, num_workers=workers)
        return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, seed=seed, num_workers=workers)

    if kind == "images":
        channels, size = channels or spec.channels, size or spec.size
        meta.update(channels=channels, size=size, classes=spec.classes)
        sets = []
        for train in (True, False):
            try:
                images, labels = image_arrays(spec, train, download)
            except DataError as error:
                raise DataError(f"{error}\nGet it with `lamina datasets get {data_name}` (or download=True).") from None
            sets.append(ArrayDataset(adapt_images(images, channels, size), labels.astype(np.int64)))
        train_set, val_set = sets
    elif kind == "text" and is_token_folder(data_name):  # token shards: read window by window, never loaded
        from lamina.data.dataset import Subset
        from lamina.datasets.tokens import TokenShards

        windows = TokenShards(data_name, context=64)
        split = max(1, int(0.9 * len(windows)))
        meta.update(vocab=windows.tokenizer.vocab_size, context=64, tokenizer=windows.tokenizer.describe())
        train_set, val_set = Subset(windows, range(split)), Subset(windows, range(split, len(windows)))
    elif kind == "text":
        from lamina.datasets import Sonnets

        corpus = Sonnets(context=64, stride=32)
        split = int(0.9 * len(corpus))
        windows = [corpus[i] for i in range(len(corpus))]
        x = np.stack([w[0] for w in windows])
        y = np.stack([w[1] for w in windows])
        meta.update(vocab=corpus.vocab_size, context=64, itos=corpus.itos)
        train_set, val_set = ArrayDataset(x[:split], y[:split]), ArrayDataset(x[split:], y[split:])
    else:
        from lamina.datasets import generated

        sets = []
        for count, offset in ((4000, 0), (500, 100)):
            source, target = generated.sequence_task(data_name, n=count, length=8, seed=seed + offset)
            decoder_in = np.concatenate([np.full((count, 1), 10), target[:, :-1]], 1)  # 10 starts every target
            sets.append(_PairDataset(source, decoder_in, target))
        train_set, val_set = sets
        meta.update(classes=11)
    lamina.manual_seed(seed)
    return build_model(meta), loader(train_set, True), loader(val_set, False), meta


class _PairDataset(Dataset):
    def __init__(self, source, decoder_in, target):
        self.source, self.decoder_in, self.target = source, decoder_in, target

    def __len__(self):
        return len(self.target)

    def __getitem__(self, index):
        return (self.source[index], self.decoder_in[index]), self.target[index]
