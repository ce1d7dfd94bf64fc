"""The benchmarks must time the same computation on both sides; this checks it (no timings here)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))


@pytest.mark.parametrize("name", ["mlp", "lenet", "resnet20", "gpt", "mlp-infer", "lenet-infer"])
def test_benchmark_workloads_compute_the_same_steps_in_lamina_and_torch(name):
    pytest.importorskip("torch", reason="the comparison needs torch")
    import workloads

    workloads.check_same_steps(name)


def test_each_workload_runs_in_lamina_alone():
    import workloads

    for name in workloads.WORKLOADS:
        if name != "resnet20":  # the slowest; covered above when torch is present
            workloads.build(name, "lamina")[0]()
