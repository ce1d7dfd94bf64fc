"""The benchmarks must time the same computation on both sides; this checks it (no timings here)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))


def test_mlp_benchmark_trains_identically_in_lamina_and_torch():
    pytest.importorskip("torch", reason="the comparison needs torch; lamina's side is covered by the op tests")
    import mlp

    mlp.check_same_training(steps=5)


@pytest.mark.parametrize("name", ["lenet", "gpt"])
def test_training_benchmarks_compute_the_same_steps_in_lamina_and_torch(name):
    pytest.importorskip("torch", reason="the comparison needs torch")
    import training

    training.check_same_training(name, steps=3)
