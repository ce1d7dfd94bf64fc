"""2014, Szegedy et al.: GoogLeNet's Inception modules get depth with a tenth of AlexNet's parameters."""

import lamina
from lamina import nn, optim
from lamina.history.milestone import Result, spread
from lamina.history.training import accuracy, count_parameters, digits_arrays, fit_classifier
from lamina.models import alexnet, googlenet
from lamina.models.googlenet import BasicConv2d, Inception

TORCHVISION_GOOGLENET = 6_624_904  # without the auxiliary classifiers


class SmallInception(nn.Module):
    """A stem and two Inception modules for 16x16 digits."""

    def __init__(self):
        super().__init__()
        self.stem = BasicConv2d(1, 32, 3, padding=1)  # (B, 32, 16, 16)
        self.block1 = Inception(32, 16, 16, 24, 4, 8, 8)  # (B, 56, 16, 16)
        self.pool = nn.MaxPool2d(2)  # (B, 56, 8, 8)
        self.block2 = Inception(56, 24, 24, 32, 8, 16, 16)  # (B, 88, 8, 8)
        self.fc = nn.Linear(88, 10)

    def forward(self, x):
        x = self.block2(self.pool(self.block1(self.stem(x))))
        return self.fc(x.mean((2, 3)))


SEEDS = 3


def _tested(build, x, y, x_test, y_test, epochs, seed):
    """Test accuracy after Adam (3e-3, cosine decay to 0 by the last epoch) on the digits."""
    lamina.manual_seed(seed)
    model = build()
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    # the rate decays to 0 by the last epoch: without it the final accuracy swung between 90% and 100%
    # with the epoch training stopped at; with it, 98.9-99.4% over seeds 0-3 and both kernel sets (measured)
    schedule = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    fit_classifier(
        model, x, y, epochs=epochs, batch_size=32, seed=seed, optimizer=optimizer, on_epoch=lambda *_: schedule.step()
    )
    return accuracy(model, x_test, y_test)


def run(quick=True, out_dir=None, seed=0):
    count = count_parameters(googlenet())
    ratio = count / count_parameters(alexnet())
    x, y, x_test, y_test = digits_arrays(size=16)
    epochs = 4 if quick else 20
    seeds = range(seed, seed + SEEDS)
    inception = [_tested(SmallInception, x, y, x_test, y_test, epochs, s) for s in seeds]
    linear = [
        _tested(lambda: nn.Sequential(nn.Flatten(), nn.Linear(256, 10)), x, y, x_test, y_test, epochs, s) for s in seeds
    ]
    return [
        Result(
            "googlenet",
            2014,
            "GoogLeNet's parameter count equals torchvision's (no auxiliary heads)",
            f"{count:,}",
            f"{TORCHVISION_GOOGLENET:,}",
            count == TORCHVISION_GOOGLENET,
        ),
        Result(
            "googlenet",
            2014,
            "about a tenth of AlexNet's parameters",
            f"{ratio:.3f} of AlexNet's",
            "about 0.1",
            0.08 <= ratio <= 0.13,
        ),
        Result(
            "googlenet",
            2014,
            "a small Inception net learns the shipped digits better than a linear classifier trained the same way "
            "(every seed)",
            f"{spread(inception, '{:.1%}')} test accuracy; linear {spread(linear, '{:.1%}')}",
            "a deep net far beyond shallow classifiers (ILSVRC 2014: 6.7% top-5)",
            all(a > b for a, b in zip(inception, linear)),
        ),
    ]
