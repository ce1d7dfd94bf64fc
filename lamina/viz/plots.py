"""Pictures (the history report, training curves), drawn with matplotlib (headless) and saved as PNG."""

from pathlib import Path

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # no screen needed
    import matplotlib.pyplot as plt

    return plt


def image_grid(images, path, titles=None, columns=8, cmap="gray"):
    """Save a grid of 2-D arrays (filters, weights, samples) as one PNG."""
    plt = _pyplot()
    images = [np.asarray(i) for i in images]
    rows = -(-len(images) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(1.4 * columns, 1.4 * rows), squeeze=False)
    for index, axis in enumerate(axes.flat):
        axis.axis("off")
        if index < len(images):
            axis.imshow(images[index], cmap=cmap)
            if titles:
                axis.set_title(titles[index], fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return Path(path)


def curves(series: dict, path, xlabel="step", ylabel="value", title="", logy=False):
    """Save line plots of {label: values} (or {label: (xs, ys)}) as one PNG."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(5, 3.2))
    for label, values in series.items():
        xs, ys = values if isinstance(values, tuple) else (range(len(values)), values)
        axis.plot(list(xs), list(ys), label=label)
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    if logy:
        axis.set_yscale("log")
    axis.set_title(title, fontsize=9)
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return Path(path)
