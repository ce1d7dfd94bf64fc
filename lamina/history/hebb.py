"""1949, Hebb: "cells that fire together wire together"; 1982, Oja and Hopfield: what that rule learns.

Three claims, each judged by a comparison that could fail:
- Hebb's rule learns (Oja's form, dw = lr y (x - y w), which keeps the weights bounded): a single unit fed
  correlated inputs turns towards their first principal component. Judged: |cos| between its weights and
  the covariance's top eigenvector above 0.99, where a random direction gives about 1/sqrt(d).
- A memory wired by Hebb's rule (Hopfield: W = (1/N) sum of p p^T) recalls its patterns from cues with 5%
  of their bits flipped, exactly, at a low load (0.05 N).
- Its capacity. Amit, Gutfreund & Sompolinsky (1985) put it at 0.138 N: below, each pattern sits near a
  fixed point with at most 1.6% of its bits wrong; above, that fixed point is gone. Measured as they
  define it: start the network at each stored pattern, run it to a fixed point (asynchronous updates) and
  count the wrong bits, at loads 0.04-0.24 N. Judged, on each of three seeds: at most 1.6% wrong at 0.10 N
  and more than 1.6% at 0.20 N; the load where the error crosses 1.6% (the largest load under it) is
  reported as mean ± sd beside 0.138. Deviation: N = 400 units (200 in quick mode), not the
  N -> infinity of the theory, so the crossing is blurred by finite size.
"""

import numpy as np

import lamina
from lamina import nn, optim
from lamina.history.milestone import Result
from lamina.models import Hopfield
from lamina.viz.plots import curves

LOADS = [0.04, 0.06, 0.08, 0.10, 0.12, 0.14, 0.16, 0.18, 0.20, 0.24]
AT_CAPACITY = 0.016  # the fraction of wrong bits at the retrieval fixed point at 0.138 N (AGS 1985)


def wrong_bits(size, load, generator):
    """Mean fraction of wrong bits at the fixed point reached from each stored pattern."""
    patterns = generator.choice([-1.0, 1.0], size=(max(1, round(load * size)), size))
    network = Hopfield(patterns)
    return float(np.mean([np.mean(network.recall(p, sweeps=30, generator=generator) != p) for p in patterns]))


def recall_rate(size, count, noise, generator):
    """Fraction of stored patterns recovered exactly from cues with `noise` of their bits flipped."""
    patterns = generator.choice([-1.0, 1.0], size=(count, size))
    network = Hopfield(patterns)
    recovered = 0
    for pattern in patterns:
        cue = pattern.copy()
        cue[generator.choice(size, int(noise * size), replace=False)] *= -1
        recovered += np.array_equal(network.recall(cue, generator=generator), pattern)
    return recovered / len(patterns)


def oja(seed, dimensions=10, samples=2000):
    """|cos| between an Oja unit's weights and the top principal direction, and a random direction's."""
    generator = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(generator.standard_normal((dimensions, dimensions)))
    spread = np.linspace(3.0, 0.5, dimensions)  # standard deviations along the basis: one leading direction
    x = (generator.standard_normal((samples, dimensions)) * spread) @ basis.T
    top = np.linalg.eigh(np.cov(x.T))[1][:, -1]
    lamina.manual_seed(seed)
    unit = nn.Linear(dimensions, 1, bias=False)
    rule = optim.HebbianRule(unit.parameters(), lr=0.002, rule="oja")
    inputs = lamina.tensor(x.astype(np.float32))
    for _ in range(5):
        for start in range(0, samples, 10):
            rule.step(inputs[start : start + 10])
    w = unit.weight.detach().numpy()[0].astype(np.float64)
    random = generator.standard_normal(dimensions)
    cosine = lambda a: abs(float(a @ top) / np.linalg.norm(a))  # noqa: E731 - a formula, read in place
    return cosine(w), cosine(random), float(np.linalg.norm(w))


def run(quick=True, out_dir=None, seed=0):
    size = 200 if quick else 400
    hebb_cos, random_cos, norm = oja(seed)
    recall = recall_rate(size, round(0.05 * size), 0.05, np.random.default_rng(seed))
    curves_by_seed, capacities = {}, []
    for trial in range(seed, seed + 3):
        generator = np.random.default_rng(trial)
        errors = [wrong_bits(size, load, generator) for load in LOADS]
        curves_by_seed[f"seed {trial}"] = (LOADS, errors)
        capacities.append(max((load for load, e in zip(LOADS, errors) if e <= AT_CAPACITY), default=0.0))
    at = {load: [curves_by_seed[s][1][LOADS.index(load)] for s in curves_by_seed] for load in (0.10, 0.20)}
    capacity_ok = all(e <= AT_CAPACITY for e in at[0.10]) and all(e > AT_CAPACITY for e in at[0.20])
    pictures = []
    if out_dir is not None:
        pictures.append(
            curves(
                curves_by_seed,
                out_dir / "hebb_capacity.png",
                "stored patterns / N",
                "fraction of wrong bits at the fixed point",
                f"Hopfield net, N = {size}, started at each stored pattern",
                references={"1.6% (AGS at 0.138 N)": AT_CAPACITY},
            )
        )
    return [
        Result(
            "hebb",
            1982,
            "Hebb's rule (Oja's form) turns a unit towards its inputs' first principal component",
            f"|cos| {hebb_cos:.4f} with the top eigenvector (a random direction: {random_cos:.2f}); |w| {norm:.3f}",
            "converges to the first principal component, |w| = 1",
            hebb_cos > 0.99,
        ),
        Result(
            "hebb",
            1982,
            "a Hebbian (Hopfield) memory recalls its patterns from cues with 5% of the bits flipped, at 0.05 N",
            f"{recall:.0%} recalled exactly",
            "recall from partial cues",
            recall == 1.0,
        ),
        Result(
            "hebb",
            1985,
            "its capacity: retrieval holds (<= 1.6% wrong bits) at 0.10 N and breaks at 0.20 N, 3 seeds",
            f"wrong bits at 0.10 N {max(at[0.10]):.2%} (worst), at 0.20 N {min(at[0.20]):.1%} (best); crossing "
            f"at {np.mean(capacities):.3f} ± {np.std(capacities, ddof=1):.3f} N",
            "0.138 N (Amit, Gutfreund & Sompolinsky)",
            capacity_ok,
            pictures,
            details={name: [round(e, 4) for e in errors] for name, (_, errors) in curves_by_seed.items()},
        ),
    ]
