"""1958, Rosenblatt: the perceptron rule converges on separable data (within Novikoff's bound) and,
as Minsky & Papert showed in 1969, never on XOR."""

import numpy as np

import lamina
from lamina import nn, optim
from lamina.datasets import generated
from lamina.history.milestone import Result
from lamina.viz.plots import image_grid


def run(quick=True, out_dir=None, seed=0):
    images, labels = generated.retina_shapes(200 if quick else 1000, seed=seed)
    x = images.reshape(len(images), -1)
    layer = nn.Linear(400, 1)
    with lamina.no_grad():
        layer.weight.zero_()
        layer.bias.zero_()
    rule = optim.PerceptronRule(layer.parameters(), lr=1.0)
    mistakes, epochs = 0, 0
    for epoch in range(1000):
        errors = sum(
            rule.step(lamina.tensor(x[i : i + 1]), lamina.tensor(labels[i : i + 1].astype(np.float32)))
            for i in range(len(x))
        )
        mistakes += errors
        epochs = epoch + 1
        if errors == 0:
            break
    # Novikoff (1962): mistakes <= (R / gamma)^2 for any separator (w, b). A known one: less ink means a
    # cross, so w = -1 everywhere and b = 14.5 (crosses have at most 13 cells lit, squares at least 16)
    separator = np.concatenate([-np.ones(400), [14.5]])
    augmented = np.concatenate([x, np.ones((len(x), 1))], 1)
    signs = np.where(labels == 1, 1.0, -1.0)
    gamma = (signs * (augmented @ separator)).min() / np.linalg.norm(separator)
    bound = (np.linalg.norm(augmented, axis=1).max() / gamma) ** 2
    converged = errors == 0 and mistakes <= bound

    xor_in, xor_out = generated.logic_gate("xor")
    xor_layer = nn.Linear(2, 1)
    xor_rule = optim.PerceptronRule(xor_layer.parameters())
    xor_errors = [
        sum(
            xor_rule.step(lamina.tensor(xor_in[i : i + 1]), lamina.tensor(xor_out[i : i + 1].astype(np.float32)))
            for i in range(4)
        )
        for _ in range(100)
    ]
    never = min(xor_errors) > 0

    pictures = []
    if out_dir is not None:
        pictures.append(
            image_grid(
                [layer.weight.numpy().reshape(20, 20), images[labels == 0][0], images[labels == 1][0]],
                out_dir / "perceptron_weights.png",
                ["weights", "square", "cross"],
                columns=3,
                cmap="coolwarm",
            )
        )
    return [
        Result(
            "perceptron",
            1958,
            "perceptron rule converges on separable 20x20 retina shapes",
            f"converged after {epochs} epochs, {mistakes} mistakes (Novikoff bound {bound:.0f})",
            "converges, mistakes <= (R/gamma)^2",
            bool(converged),
            pictures,
        ),
        Result(
            "perceptron",
            1969,
            "never converges on XOR (Minsky & Papert)",
            f"still {min(xor_errors)}+ mistakes per epoch after 100 epochs",
            "never converges",
            bool(never),
        ),
    ]
