"""1986, Rumelhart, Hinton & Williams: back-propagation learns XOR, the 8-3-8 encoder and the T-C problem,
whose weight-shared hidden units become detectors worth looking at."""

import numpy as np

import lamina
from lamina import nn, optim
from lamina.datasets import generated
from lamina.history.milestone import Result
from lamina.history.training import accuracy, fit_classifier
from lamina.viz.plots import image_grid


def _xor(seed):
    lamina.manual_seed(seed)
    x, y = generated.logic_gate("xor")
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 2))
    fit_classifier(model, x, y, epochs=500, batch_size=4, lr=0.1, seed=seed)
    return accuracy(model, x, y)


def _encoder(seed):
    lamina.manual_seed(seed)
    x = np.eye(8, dtype=np.float32)
    y = np.arange(8)
    model = nn.Sequential(nn.Linear(8, 3), nn.Sigmoid(), nn.Linear(3, 8))
    fit_classifier(model, x, y, epochs=1500, batch_size=8, lr=0.5, seed=seed)
    model.eval()
    with lamina.no_grad():
        codes = model[1](model[0](lamina.tensor(x))).numpy()
    return accuracy(model, x, y), codes


class TCNet(nn.Module):
    """RHW's T-C network: 3x3 receptive fields with shared weights over the retina, then one decision."""

    def __init__(self, detectors=4):
        super().__init__()
        self.detect = nn.Conv2d(1, detectors, 3)  # (B, k, 6, 6) on an 8x8 retina
        self.decide = nn.Linear(detectors, 2)

    def forward(self, x):  # x: (B, 1, 8, 8)
        hidden = self.detect(x).sigmoid()  # (B, k, 6, 6)
        return self.decide(hidden.amax((2, 3)))  # the strongest response anywhere -> (B, 2)


def _tc(seed, quick):
    lamina.manual_seed(seed)
    x, y = generated.tc_problem(400 if quick else 2000, seed=seed)
    test_x, test_y = generated.tc_problem(400, seed=seed + 1)
    model = TCNet()
    fit_classifier(
        model,
        x[:, None],
        y,
        epochs=60,
        batch_size=32,
        lr=0.3,
        seed=seed,
        optimizer=optim.Adam(model.parameters(), lr=0.05),
    )
    return accuracy(model, test_x[:, None], test_y), model


def run(quick=True, out_dir=None, seed=0):
    xor = _xor(seed)
    encoder, codes = _encoder(seed)
    tc, net = _tc(seed, quick)
    pictures = []
    if out_dir is not None:
        kernels = net.detect.weight.numpy()[:, 0]
        pictures.append(
            image_grid(
                list(kernels), out_dir / "tc_detectors.png", [f"unit {i}" for i in range(4)], columns=4, cmap="coolwarm"
            )
        )
    distinct_codes = len({tuple((c > 0.5).astype(int)) for c in codes})
    return [
        Result("backprop", 1986, "an MLP learns XOR", f"{xor:.0%} correct", "100%", xor == 1.0),
        Result(
            "backprop",
            1986,
            "the 8-3-8 encoder finds a 3-bit code (partial unless its hidden units give 8 distinct binary codes)",
            f"{encoder:.0%} decoded, {distinct_codes}/8 distinct binary codes",
            "100%, a binary code",
            encoder == 1.0,
            details={"codes": codes.round(2).tolist()},
            partial=distinct_codes < 8,
        ),
        Result(
            "backprop",
            1986,
            "T-C problem, weight-shared 3x3 detectors, any rotation and position",
            f"{tc:.1%} on unseen retinas",
            "100%",
            tc == 1.0,
            pictures,
        ),
    ]
