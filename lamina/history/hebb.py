"""1949/1982, Hebb; Hopfield: a Hebbian memory recalls stored patterns from noisy cues, up to about 0.14 N."""

import numpy as np

from lamina.history.milestone import Result
from lamina.models import Hopfield
from lamina.viz.plots import curves


def recall_rate(size, count, noise, generator, trials=1):
    """Fraction of stored patterns recovered exactly from cues with `noise` of their bits flipped."""
    recovered, total = 0, 0
    for _ in range(trials):
        patterns = generator.choice([-1.0, 1.0], size=(count, size))
        network = Hopfield(patterns)
        for pattern in patterns:
            cue = pattern.copy()
            flip = generator.choice(size, int(noise * size), replace=False)
            cue[flip] *= -1
            recovered += np.array_equal(network.recall(cue, generator=generator), pattern)
            total += 1
    return recovered / total


def run(quick=True, out_dir=None, seed=0):
    generator = np.random.default_rng(seed)
    size = 100 if quick else 200
    loads = [0.02, 0.05, 0.08, 0.11, 0.14, 0.17, 0.2, 0.25]
    rates = [recall_rate(size, max(1, int(load * size)), 0.05, generator, trials=1 if quick else 3) for load in loads]
    capacity = max((load for load, rate in zip(loads, rates) if rate >= 0.9), default=0.0)
    low_load_perfect = rates[0] == 1.0
    pictures = []
    if out_dir is not None:
        pictures.append(
            curves(
                {"exact recall": (loads, rates)},
                out_dir / "hebb_capacity.png",
                "patterns / N",
                "fraction recalled",
                f"Hopfield net, N = {size}, cues with 5% bits flipped",
            )
        )
    return [
        Result(
            "hebb",
            1949,
            "a Hebbian (Hopfield) memory recalls patterns from noisy cues, up to a capacity",
            f"perfect recall at 0.02 N; >= 90% recalled up to {capacity:.2f} N",
            "about 0.14 N",
            low_load_perfect and 0.08 <= capacity <= 0.2,
            pictures,
            details={"loads": loads, "recall": rates},
        )
    ]
