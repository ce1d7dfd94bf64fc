"""2015, He et al.: deeper plain networks train worse (degradation); residual connections fix it.

Their Figure 1 and Figure 6 (left) at small scale, with their depths: CIFAR-style networks of 20 and 56
layers, plain and residual (option A shortcuts), width 8 instead of 16-64, on the shipped digits or, with
`--full`, on CIFAR-10 itself when it is cached or can be downloaded (checksum verified; per-pixel mean
subtracted, as theirs); the result says which. As they plot it, training error (on a fixed 500-image part
of the training set) every 25 iterations of SGD (momentum 0.9, weight decay 1e-4, batch 64, lr 0.05).
Judged: plain-56 ends with a higher training error than plain-20 (the degradation), and residual-56 lower
than plain-56 and than plain-20 (residual learning removes it), in every seed: one in quick mode (four deep
networks a seed), three with `--full`. "Ends" is the mean of the last three
checks. Their third observation, that ResNet-56 trains to a lower error than ResNet-20, is reported but not
judged: both reach about zero on this small task.
"""

import numpy as np

import lamina
from lamina import optim
from lamina.datasets import CIFAR10
from lamina.history.milestone import Result, spread
from lamina.history.training import accuracy, count_parameters, digits_arrays, paper_data, raw_pixels_minus_mean
from lamina.models import resnet18, resnet20, resnet34, resnet50
from lamina.models.resnet import CifarResNet
from lamina.viz.plots import curves

FULL_SEEDS = 3
TORCHVISION = {"ResNet-18": 11_689_512, "ResNet-34": 21_797_672, "ResNet-50": 25_557_032}


def training_errors(build, x, y, steps, every, seed):
    """Training error on the first 500 training images every `every` iterations of SGD, for the net build()."""
    from lamina.nn import functional as F

    lamina.manual_seed(seed)
    model = build()
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    generator = np.random.default_rng(seed)
    errors = []
    for step in range(1, steps + 1):
        batch = generator.integers(0, len(x), 64)
        loss = F.cross_entropy(model(lamina.tensor(x[batch])), lamina.tensor(y[batch]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % every == 0:
            errors.append(1 - accuracy(model, x[:500], y[:500]))
            model.train()
    return errors


def training_data(quick):
    """(x, y, what it is, iterations, check every): CIFAR-10 in full mode when cached or downloadable, else
    the shipped digits."""
    if not quick:
        data, why = paper_data(CIFAR10, download=True)
        if data is not None:
            return raw_pixels_minus_mean(data[0].images, 1 / 255), data[0].labels, "CIFAR-10", 4000, 100
        x, y, _, _ = digits_arrays(channels=3)
        return x, y, f"digits (CIFAR-10 unavailable: {why})", 1200, 50
    x, y, _, _ = digits_arrays(channels=3)
    return x, y, "digits", 300, 25


def run(quick=True, out_dir=None, seed=0):
    counts = {
        "ResNet-18": count_parameters(resnet18()),
        "ResNet-34": count_parameters(resnet34()),
        "ResNet-50": count_parameters(resnet50()),
    }
    small = count_parameters(resnet20())
    x, y, data, steps, every = training_data(quick)
    seeds = range(seed, seed + (1 if quick else FULL_SEEDS))  # four deep nets a seed: one seed in quick mode
    finals, judged, errors = [], [], None
    for s in seeds:
        runs = {}
        for label, depth, plain in (("plain-20", 20, True), ("plain-56", 56, True), ("ResNet-20", 20, False),
                                    ("ResNet-56", 56, False)):  # fmt: skip
            build = lambda depth=depth, plain=plain: CifarResNet(depth, 10, plain=plain, width=8)  # noqa: E731
            runs[label] = training_errors(build, x, y, steps, every, s)
        errors = errors or runs  # the first seed's curves are drawn
        final = {label: float(np.mean(values[-3:])) for label, values in runs.items()}
        finals.append(final)
        judged.append(
            final["plain-56"] > final["plain-20"]  # the degradation
            and final["ResNet-56"] < min(final["plain-56"], final["plain-20"])  # residual learning removes it
        )
    pictures = []
    if out_dir is not None:
        iterations = [every * (i + 1) for i in range(steps // every)]
        pictures.append(
            curves(
                {label: (iterations, values) for label, values in errors.items()},
                out_dir / "resnet_degradation.png",
                "iteration",
                "training error",
                f"plain vs residual, 20 and 56 layers ({data.split(' (')[0]}, width 8)",
                references={"chance (90%)": 0.9},
            )
        )
    summary = ", ".join(f"{label} {spread([f[label] for f in finals], '{:.1%}')}" for label in finals[0])
    return [
        Result(
            "resnet",
            2015,
            "ResNet-18/34/50 parameter counts equal torchvision's",
            " / ".join(f"{c:,}" for c in counts.values()),
            " / ".join(f"{c:,}" for c in TORCHVISION.values()),
            counts == TORCHVISION,
        ),
        Result(
            "resnet",
            2015,
            "CIFAR ResNet-20 (option A shortcuts) has 0.27M parameters",
            f"{small / 1e6:.3f}M",
            "0.27M",
            abs(small / 1e6 - 0.27) < 0.005,
        ),
        Result(
            "resnet",
            2015,
            "degradation: plain-56 trains to a higher error than plain-20; residual-56 to a lower one than both",
            f"final training error on {data}: {summary}",
            "plain-56 > plain-20; ResNet-56 < plain-56 (Figures 1, 6)",
            all(judged),
            pictures,
            details={label: [round(v, 3) for v in values] for label, values in errors.items()},
        ),
    ]
