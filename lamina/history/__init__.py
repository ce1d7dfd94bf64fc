"""lamina.history: the history of neural networks, runnable.

Each milestone pairs a classic model, its data and its result; `run` reproduces them in a quick
(seeded, minutes in total on two CPU cores) or full mode and returns Results that the report
prints as a table (lamina's number next to the paper's) and writes to a folder with pictures.
"""

import time
from pathlib import Path

from lamina.history import (
    alexnet,
    backprop,
    googlenet,
    gpt,
    hebb,
    hubel_wiesel,
    lenet,
    lstm,
    mcculloch_pitts,
    neocognitron,
    perceptron,
    resnet,
    snarc,
    transformer,
)
from lamina.history.milestone import Milestone, Result
from lamina.history.report import table, write

MILESTONES = {
    m.name: m
    for m in [
        Milestone("mcculloch-pitts", 1943, "threshold logic units", mcculloch_pitts.run),
        Milestone("hebb", 1949, "Hebbian associative memory", hebb.run),
        Milestone("snarc", 1951, "Minsky's reinforced synapses", snarc.run),
        Milestone("perceptron", 1958, "Rosenblatt's perceptron rule", perceptron.run),
        Milestone("hubel-wiesel", 1959, "simple and complex cells", hubel_wiesel.run),
        Milestone("neocognitron", 1980, "Fukushima's Neocognitron", neocognitron.run),
        Milestone("backprop", 1986, "back-propagation: XOR, 8-3-8, T-C", backprop.run),
        Milestone("lenet", 1998, "LeNet-1 and LeNet-5", lenet.run),
        Milestone("lstm", 1997, "LSTM, sequences and speech", lstm.run),
        Milestone("alexnet", 2012, "AlexNet and ReLU", alexnet.run),
        Milestone("googlenet", 2014, "GoogLeNet's Inception", googlenet.run),
        Milestone("resnet", 2015, "residual learning", resnet.run),
        Milestone("transformer", 2017, "the Transformer", transformer.run),
        Milestone("gpt", 2018, "GPT, a decoder-only Transformer", gpt.run),
    ]
}


# the milestones that make their layers and data on the default device (lamina.set_default_device), so
# `lamina history run alexnet --device cuda` trains on a GPU; tests/backend/test_devices.py runs them on
# the strict fake device. The others compute on the CPU (NumPy data, hand-set weights).
ANY_DEVICE = {"alexnet"}


def run(names=None, quick=True, out_dir=None, seed=0, echo=print):
    """Run milestones (all by default); returns (results, seconds per milestone)."""
    names = list(MILESTONES) if not names else list(names)
    unknown = [n for n in names if n not in MILESTONES]
    if unknown:
        import difflib

        hints = {n: difflib.get_close_matches(n, MILESTONES, n=1) for n in unknown}
        raise KeyError(
            "unknown milestone(s): "
            + ", ".join(f"{n}" + (f" (did you mean {hints[n][0]}?)" if hints[n] else "") for n in unknown)
            + f"; known: {', '.join(MILESTONES)}"
        )
    out_dir = Path(out_dir) if out_dir is not None else None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    results, timings = [], {}
    for name in names:
        milestone = MILESTONES[name]
        echo(f"running {name} ({milestone.year}, {milestone.title}) ...")
        started = time.perf_counter()
        found = milestone.run(quick=quick, out_dir=out_dir, seed=seed)
        timings[name] = time.perf_counter() - started
        for result in found:
            result.milestone = name
            echo(f"  {result.verdict:7} {result.reproduced}: {result.ours} (paper: {result.paper})")
        results += found
    return results, timings


__all__ = ["MILESTONES", "Milestone", "Result", "run", "table", "write"]
