"""2015, He et al.: deeper plain networks train worse (degradation); residual connections fix it.

Small-scale version of their Figure 1/4 on the shipped digits: CIFAR-style networks of width 8,
plain with 8 and 32 layers, and the residual 32-layer one; "trains better" = lower mean training loss
over the same number of steps (and lower final loss for the plain pair).
"""

import lamina
from lamina import optim
from lamina.history.milestone import Result
from lamina.history.training import count_parameters, digits_arrays, fit_classifier
from lamina.models import resnet18, resnet20, resnet34, resnet50
from lamina.models.resnet import CifarResNet
from lamina.viz.plots import curves

TORCHVISION = {"ResNet-18": 11_689_512, "ResNet-34": 21_797_672, "ResNet-50": 25_557_032}


def run(quick=True, out_dir=None, seed=0):
    counts = {
        "ResNet-18": count_parameters(resnet18()),
        "ResNet-34": count_parameters(resnet34()),
        "ResNet-50": count_parameters(resnet50()),
    }
    small = count_parameters(resnet20())
    x, y, _, _ = digits_arrays(channels=3)
    histories = {}
    for label, depth, plain in (("plain-8", 8, True), ("plain-32", 32, True), ("residual-32", 32, False)):
        lamina.manual_seed(seed)
        model = CifarResNet(depth, 10, plain=plain, width=8)
        histories[label] = fit_classifier(
            model,
            x,
            y,
            epochs=4 if quick else 12,
            batch_size=64,
            seed=seed,
            optimizer=optim.SGD(model.parameters(), lr=0.05, momentum=0.9),
        )
    mean = {label: sum(h) / len(h) for label, h in histories.items()}
    degradation = histories["plain-32"][-1] > histories["plain-8"][-1] and mean["plain-32"] > mean["plain-8"]
    residual_best = mean["residual-32"] < min(mean["plain-8"], mean["plain-32"])
    pictures = []
    if out_dir is not None:
        pictures.append(
            curves(
                histories,
                out_dir / "resnet_degradation.png",
                "epoch",
                "training loss",
                "plain vs residual (digits, width 8)",
            )
        )
    summary = ", ".join(f"{label} {value:.2f}" for label, value in mean.items())
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
            "degradation: a deeper plain net trains worse; its residual version trains best",
            f"mean training loss {summary}",
            "plain-deep > plain-shallow > residual-deep",
            degradation and residual_best,
            pictures,
        ),
    ]
