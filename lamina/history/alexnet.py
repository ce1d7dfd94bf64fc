"""2012, Krizhevsky, Sutskever & Hinton: AlexNet, and why ReLU: "a four-layer convolutional neural
network with ReLUs reaches a 25% training error rate on CIFAR-10 six times faster than an equivalent
network with tanh neurons" (their Figure 1; learning rates chosen for each to train as fast as possible,
no regularisation).

Here at small scale, with every deviation:
- Data: CIFAR-10 is not shipped and cannot be downloaded offline, so the task is the shipped 8x8 digits
  scattered at random places on a 16x16 field with random contrast and pixel noise (4000 images), on the
  0-255 scale minus the mean, as the paper fed raw pixels minus the mean image.
- Network: four layers, conv 5x5 (16) - pool - conv 5x5 (32) - pool - conv 3x3 (32) - linear, with the
  paper's initialisation (weights N(0, 0.01), biases 0), plain SGD with momentum 0.9, batch 64.
- Judged at the paper's mark, 25 % training error (on a fixed 1000-image subset of the training set,
  checked every 25 steps): "pass" only at about the paper's 6x, "partial" where ReLU gets there sooner by
  less, FAIL where tanh is as fast. Runs go on to 10 %, where the two networks' speeds part more on this
  task (25 % comes within a few hundred steps), and that ratio is reported beside. Measured in full mode
  (rates 0.001-0.1), seeds 0, 1, 2: to 25 % 2.7x, 2.3x, 1.9x; to 10 % 4.0x, 3.7x, 3.3x; with the AVX-512
  products (products.c) to 25 % 1.9x, 2.4x, 2.1x. The factor moves with float32 rounding (the kernels'
  summation order) too. So this milestone is "partial": ReLU is faster, not six times faster, here.
- Each activation's fastest learning rate is taken from a grid shared by both. In quick mode a run stops
  once it has taken more steps than the fastest run of its activation so far: it can no longer be the
  fastest (such runs are reported as "> N").
"""

import numpy as np

import lamina
from lamina import nn, optim
from lamina.history.milestone import Result
from lamina.history.training import accuracy, count_parameters, digits_arrays
from lamina.models import alexnet, lenet5
from lamina.nn import functional as F
from lamina.viz.plots import curves

TORCHVISION_ALEXNET = 61_100_840
TARGET, EARLY_TARGET = 0.10, 0.25  # training error: the one asserted, and the paper's
CHECK_EVERY, CHECKED_IMAGES, MAX_STEPS, BATCH = 25, 1000, 2000, 64


def scattered_digits(n=4000, seed=0, field=16):
    """(images (n, 1, field, field) float32 on the 0-255 scale minus the mean, labels (n,) int64)."""
    digits, labels, _, _ = digits_arrays()
    generator = np.random.default_rng(seed)
    chosen = generator.integers(0, len(digits), n)
    images = np.zeros((n, 1, field, field), dtype=np.float32)
    for k, index in enumerate(chosen):
        row, column = generator.integers(0, field - 8 + 1, 2)
        images[k, 0, row : row + 8, column : column + 8] = digits[index, 0]
    contrast = generator.uniform(0.5, 1.0, (n, 1, 1, 1)).astype(np.float32)
    noise = generator.normal(0, 0.1, images.shape).astype(np.float32)
    images = (images * contrast + noise) * 255
    return images - images.mean(), labels[chosen]


def four_layer_cnn(activation, seed=0):
    """The Figure 1 network at small scale, initialised as the paper: weights N(0, 0.01), biases 0."""
    model = nn.Sequential(
        nn.Conv2d(1, 16, 5, padding=2),  # (B, 16, 16, 16)
        activation(),
        nn.MaxPool2d(2),  # (B, 16, 8, 8)
        nn.Conv2d(16, 32, 5, padding=2),
        activation(),
        nn.MaxPool2d(2),  # (B, 32, 4, 4)
        nn.Conv2d(32, 32, 3, padding=1),
        activation(),
        nn.Flatten(),
        nn.Linear(32 * 4 * 4, 10),
    )
    generator = np.random.default_rng(seed)
    for parameter in model.parameters():
        values = generator.normal(0, 0.01, parameter.shape) if parameter.ndim > 1 else np.zeros(parameter.shape)
        with lamina.no_grad():  # the same draws on every device (copied from the host)
            parameter.copy_(lamina.tensor(values, dtype=parameter.dtype, device=parameter.device))
    return model


def training_errors(activation, x, y, lr, seed, max_steps):
    """Training error every CHECK_EVERY steps of SGD (momentum 0.9), until TARGET or max_steps."""
    lamina.manual_seed(seed)
    model = four_layer_cnn(activation, seed)
    optimizer = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    generator = np.random.default_rng(seed)
    errors = []
    for step in range(1, max_steps + 1):
        index = generator.integers(0, len(x), BATCH)
        loss = F.cross_entropy(model(lamina.tensor(x[index])), lamina.tensor(y[index]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if not np.isfinite(loss.item()):
            break
        if step % CHECK_EVERY == 0:
            errors.append(1 - accuracy(model, x[:CHECKED_IMAGES], y[:CHECKED_IMAGES]))
            if errors[-1] <= TARGET:
                break
    return errors


def steps_to(errors, target):
    """The first checked step whose training error is at most target, or None."""
    return next(((i + 1) * CHECK_EVERY for i, error in enumerate(errors) if error <= target), None)


def fastest(activation, x, y, rates, seed, cap_at_best):
    """{lr: errors} for every rate, and the rate reaching TARGET in the fewest steps (None if none did)."""
    runs, best = {}, None
    for lr in rates:
        limit = steps_to(runs[best], TARGET) if (cap_at_best and best is not None) else MAX_STEPS
        runs[lr] = training_errors(activation, x, y, lr, seed, limit)
        steps = steps_to(runs[lr], TARGET)
        if steps is not None and (best is None or steps < steps_to(runs[best], TARGET)):
            best = lr
    return runs, best


def _describe(runs, best):
    parts = []
    for lr, errors in runs.items():
        steps = steps_to(errors, TARGET)
        parts.append(f"lr {lr}: " + (f"{steps}" if steps else f"> {len(errors) * CHECK_EVERY}"))
    return ", ".join(parts)


def run(quick=True, out_dir=None, seed=0):
    count = count_parameters(alexnet())
    x, y = scattered_digits(seed=seed)
    rates = (0.003, 0.01, 0.03) if quick else (0.001, 0.003, 0.01, 0.03, 0.1)
    found = {
        name: fastest(act, x, y, rates, seed, cap_at_best=quick) for name, act in (("ReLU", nn.ReLU), ("tanh", nn.Tanh))
    }
    best = {name: runs[lr] if lr is not None else None for name, (runs, lr) in found.items()}
    steps = {name: steps_to(errors, TARGET) if errors else None for name, errors in best.items()}
    early = {name: steps_to(errors, EARLY_TARGET) if errors else None for name, errors in best.items()}
    ratio = steps["tanh"] / steps["ReLU"] if steps["ReLU"] and steps["tanh"] else 0.0
    early_ratio = early["tanh"] / early["ReLU"] if early["ReLU"] and early["tanh"] else 0.0
    pictures = []
    if out_dir is not None:
        series = {
            f"{name} (lr {found[name][1]})": ([(i + 1) * CHECK_EVERY for i in range(len(errors))], errors)
            for name, errors in best.items()
            if errors
        }
        pictures.append(
            curves(
                series,
                out_dir / "alexnet_relu_vs_tanh.png",
                "SGD step",
                "training error",
                "ReLU vs tanh, four-layer CNN, each at its fastest rate",
                references={"25% (the paper's mark)": EARLY_TARGET, "10%": TARGET},
            )
        )
    return [
        Result(
            "alexnet",
            2012,
            "AlexNet's parameter count equals torchvision's (and beside LeNet-5's)",
            f"{count:,} ({count / count_parameters(lenet5()):.0f}x LeNet-5's 61,706)",
            f"{TORCHVISION_ALEXNET:,}",
            count == TORCHVISION_ALEXNET,
        ),
        Result(
            "alexnet",
            2012,
            f"ReLU reaches 25% training error sooner than tanh (four-layer CNN, each at its fastest rate, seed {seed})",
            f"{early_ratio:.1f}x vs the paper's 6x (ReLU {early['ReLU']} steps, tanh {early['tanh']}); "
            f"to 10%: {ratio:.1f}x",
            "about 6x (to 25% on CIFAR-10)",
            early_ratio > 1.0,  # could fail: tanh first, or neither reaching 25%
            pictures,
            partial=early_ratio < 6.0,  # faster, but not the paper's factor: said, not hidden
            details={name: _describe(*found[name]) for name in found},
        ),
    ]
