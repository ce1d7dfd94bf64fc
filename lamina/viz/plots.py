"""Pictures (the history report, training curves), drawn with matplotlib (headless) and saved as PNG."""

from pathlib import Path

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # no screen needed
    import matplotlib.pyplot as plt

    return plt


def image_grid(images, path, titles=None, columns=8, cmap=None, shared=True):
    """Save a grid of 2-D arrays (filters, weights, samples) as one PNG.

    With cmap=None the colours carry meaning: arrays with negative values (weights, filters) get a diverging
    map centred on zero (red positive, blue negative, white zero) with a colour bar, one scale for all of
    them (shared=True: filters of one layer, comparable) or one each (shared=False: different quantities);
    non-negative arrays (images, non-negative weights) use a sequential map from zero. A given `cmap`
    autoscales each.
    """
    plt = _pyplot()
    images = [np.asarray(i, dtype=np.float64) for i in images]
    signed = [bool((i < 0).any()) for i in images]
    limit = max([float(np.abs(i).max()) for i, s in zip(images, signed) if s] or [1.0]) or 1.0
    rows = -(-len(images) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(1.4 * columns + 0.8, 1.4 * rows + 0.2), squeeze=False)
    diverging = None
    for index, axis in enumerate(axes.flat):
        axis.axis("off")
        if index >= len(images):
            continue
        if cmap is not None:
            axis.imshow(images[index], cmap=cmap)
        elif signed[index]:
            own = limit if shared else float(np.abs(images[index]).max())
            diverging = axis.imshow(images[index], cmap="RdBu_r", vmin=-own, vmax=own)
            if not shared:
                bar = figure.colorbar(diverging, ax=axis, fraction=0.046, pad=0.02)
                bar.ax.tick_params(labelsize=5)
        else:
            axis.imshow(images[index], cmap="Greys", vmin=0, vmax=float(images[index].max()) or 1.0)
        if titles:
            axis.set_title(titles[index], fontsize=7)
    figure.tight_layout()
    if diverging is not None and shared:
        bar = figure.colorbar(diverging, ax=axes.ravel().tolist(), shrink=0.8, pad=0.02)
        bar.set_label("value (white = 0)", fontsize=7)
        bar.ax.tick_params(labelsize=6)
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return Path(path)


def curves(series: dict, path, xlabel="step", ylabel="value", title="", logy=False, references=None):
    """Save line plots of {label: values} (or {label: (xs, ys)}) as one PNG.

    `references` {label: y} draws labelled dashed horizontal lines: the paper's target, a baseline.
    """
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(5, 3.2))
    for label, values in series.items():
        xs, ys = values if isinstance(values, tuple) else (range(len(values)), values)
        axis.plot(list(xs), list(ys), label=label)
    for label, y in (references or {}).items():
        axis.axhline(y, linestyle="--", linewidth=1, color="0.4", label=label)
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


def orientation_map(preferred, path, title="", marks=None):
    """Save a map of preferred orientations (radians in [0, pi)) in a cyclic colour map (0 and 180 degrees
    share a colour, as they are one orientation) with a colour bar in degrees; `marks` (rows, columns) of
    grid squares (pinwheels) are drawn as black circles at their centres."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(4.6, 4))
    image = axis.imshow(np.degrees(preferred), cmap="twilight", vmin=0, vmax=180, interpolation="nearest")
    if marks is not None and len(marks):
        marks = np.asarray(marks)
        axis.scatter(marks[:, 1] + 0.5, marks[:, 0] + 0.5, s=18, facecolors="none", edgecolors="black")
    bar = figure.colorbar(image, ax=axis, ticks=[0, 45, 90, 135, 180])
    bar.set_label("preferred orientation (degrees)")
    axis.set_xlabel("cortical position (unit)")
    axis.set_ylabel("cortical position (unit)")
    axis.set_title(title, fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return Path(path)
