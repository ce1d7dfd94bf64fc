"""A small training loop for the milestones (the Trainer issue brings the full one)."""

import numpy as np

import lamina
from lamina import nn, optim
from lamina.nn import functional as F


def batches(n: int, batch_size: int, generator):
    order = generator.permutation(n)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]


def fit_classifier(
    model, x, y, epochs=10, batch_size=64, lr=0.01, momentum=0.9, optimizer=None, seed=0, loss_fn=None, on_epoch=None
):
    """Train with cross-entropy (or loss_fn) by minibatch SGD; returns the mean training loss of each epoch."""
    generator = np.random.default_rng(seed)
    optimizer = optimizer or optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    loss_fn = loss_fn or F.cross_entropy
    history = []
    model.train()
    for epoch in range(epochs):
        total, count = 0.0, 0
        for index in batches(len(x), batch_size, generator):
            loss = loss_fn(model(lamina.tensor(x[index])), lamina.tensor(y[index]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, count = total + loss.item() * len(index), count + len(index)
        history.append(total / count)
        if on_epoch is not None and on_epoch(epoch, history[-1]):
            break
    return history


def accuracy(model, x, y, batch_size=256) -> float:
    """Fraction of samples whose arg-max logit is the label (evaluation mode, no graph)."""
    model.eval()
    correct = 0
    with lamina.no_grad():
        for start in range(0, len(x), batch_size):
            logits = model(lamina.tensor(x[start : start + batch_size]))
            correct += int((logits.argmax(-1).numpy() == y[start : start + batch_size]).sum())
    model.train()
    return correct / len(x)


def digits_arrays(size=None, channels=1):
    """The shipped digits as float32 arrays (N, C, H, W) scaled to [0, 1], optionally resized to size x size."""
    from lamina.train.tasks import DATASETS, adapt_images, image_arrays

    arrays = []
    for train in (True, False):
        images, labels = image_arrays(DATASETS["digits"], train)  # the same loader `lamina train` uses
        arrays += [adapt_images(images, channels, size), labels.astype(np.int64)]
    return arrays  # x_train, y_train, x_test, y_test


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def paper_data(dataset, download):
    """((train, test), None) for a lamina.datasets class (say CIFAR10) from the cache, downloaded first with
    its checksum verified when download=True; (None, why) when it is neither cached nor downloadable here."""
    from lamina.errors import DataError

    try:
        return (dataset(train=True, download=download), dataset(train=False, download=download)), None
    except DataError as error:
        return None, str(error).splitlines()[0]


def raw_pixels_minus_mean(images, scale=1.0):
    """uint8 images (N, H, W, C) as float32 (N, C, H, W): the pixels (0-255, times scale) minus the mean
    image, the input AlexNet's and the CIFAR ResNets' papers feed."""
    x = images.transpose(0, 3, 1, 2).astype(np.float32) * np.float32(scale)
    return x - x.mean(0)
