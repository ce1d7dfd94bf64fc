"""1989/1998, LeCun et al.: LeNet-1 and LeNet-5 read handwritten digits, better than a linear classifier and
a fully connected net of their time (the 1998 paper's comparison: linear 12.0% error on MNIST, a 300-unit
MLP 4.7%, LeNet-5 0.95%).

Judged by that comparison on the same data, over three seeds: each LeNet must beat the linear classifier
trained the same way (softmax regression on the pixels, same epochs, SGD with momentum) in every seed; the
one-hidden-layer MLP (100 units) is reported beside it. On the shipped 8x8 digits (upsampled to 28x28) a
linear classifier already does well, so the margin is small. With MNIST in the cache (`lamina datasets get
mnist`; `--full` downloads it where it can, checksums verified), LeNet-5 is also trained on MNIST itself
and its test error reported against the paper's 0.95%.
"""

import lamina
from lamina import nn, optim
from lamina.history.milestone import Result, spread
from lamina.history.training import accuracy, digits_arrays, fit_classifier, paper_data
from lamina.models import lenet1, lenet5
from lamina.viz.plots import curves


def _trained(build, x_train, y_train, x_test, y_test, epochs, lr, seed):
    lamina.manual_seed(seed)
    model = build()
    optimizer = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    losses = fit_classifier(model, x_train, y_train, epochs=epochs, batch_size=32, optimizer=optimizer, seed=seed)
    return accuracy(model, x_test, y_test), losses


SEEDS = 3


def run(quick=True, out_dir=None, seed=0):
    x_train, y_train, x_test, y_test = digits_arrays(size=28)
    epochs = 20 if quick else 40
    builds = {
        "linear": (lambda: nn.Sequential(nn.Flatten(), nn.Linear(784, 10)), 0.01),
        "MLP": (lambda: nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.Tanh(), nn.Linear(100, 10)), 0.01),
        "LeNet-5": (lenet5, 0.01),
        "LeNet-1": (lenet1, 0.05),
    }
    tested, losses = {name: [] for name in builds}, {}
    for s in range(seed, seed + SEEDS):
        for name, (build, lr) in builds.items():
            test, curve = _trained(build, x_train, y_train, x_test, y_test, epochs, lr, s)
            tested[name].append(test)
            if s == seed:
                losses[name] = curve
    results = []
    for name in ("LeNet-5", "LeNet-1"):
        results.append(
            Result(
                "lenet",
                1998 if name == "LeNet-5" else 1989,
                f"{name} beats a linear classifier on the shipped digits (8x8, upsampled to 28x28), every seed",
                f"{spread(tested[name], '{:.1%}')} test accuracy; linear {spread(tested['linear'], '{:.1%}')}, "
                f"MLP {spread(tested['MLP'], '{:.1%}')}",
                "LeNet-5 0.95% error vs linear 12.0%, MLP 4.7% (MNIST)",
                all(ours > linear for ours, linear in zip(tested[name], tested["linear"])),
            )
        )
    mnist = _mnist_result(seed, quick)
    if mnist is not None:
        results.append(mnist)
    if out_dir is not None:
        results[0].pictures.append(
            curves(
                {name: losses[name] for name in ("LeNet-5", "LeNet-1")},
                out_dir / "lenet_loss.png",
                "epoch",
                "training loss",
                f"LeNet on the shipped digits (seed {seed})",
                references={"linear classifier's last loss": losses["linear"][-1]},
            )
        )
    return results


def _mnist_result(seed, quick):
    """LeNet-5 on MNIST when its files are in the cache (downloaded first, checksums verified, with --full)."""
    from lamina.datasets import MNIST

    data, _ = paper_data(MNIST, download=not quick)
    if data is None:
        return None
    train, test = data
    x_train = train.images[:, None].astype("float32") / 255
    x_test = test.images[:, None].astype("float32") / 255
    lamina.manual_seed(seed)
    model = lenet5()
    fit_classifier(
        model,
        x_train,
        train.labels,
        epochs=2 if quick else 10,
        batch_size=64,
        optimizer=optim.SGD(model.parameters(), lr=0.05, momentum=0.9),
        seed=seed,
    )
    error = 1 - accuracy(model, x_test, test.labels)
    return Result(
        "lenet", 1998, "LeNet-5 on MNIST", f"{error:.2%} test error", "0.95% (paper); <= 1.2% asked", error <= 0.012
    )
