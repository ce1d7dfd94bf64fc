"""The benchmarks must time the same computation on both sides; this checks it (no timings here)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))


@pytest.mark.parametrize(
    "name", ["mlp", "lenet", "resnet20", "gpt", "mlp-infer", "lenet-infer", "mlp-tiny", "lstm", "gru"]
)
def test_benchmark_workloads_compute_the_same_steps_in_lamina_and_torch(name):
    pytest.importorskip("torch", reason="the comparison needs torch")
    import workloads

    workloads.check_same_steps(name)


@pytest.mark.parametrize("name", ["mlp", "lenet", "gpt", "mlp-infer", "lenet-infer", "mlp-tiny"])
def test_the_jax_side_computes_the_same_steps_as_lamina(name):
    pytest.importorskip("jax", reason="the JAX side needs jax (in the test extra)")
    import workloads

    assert "jax" in workloads.sides_with_peers(name)
    workloads.check_jax_matches(name, steps=3)


def test_the_jax_side_names_the_workloads_it_lacks():
    pytest.importorskip("jax", reason="the JAX side needs jax (in the test extra)")
    import workloads

    assert "jax" not in workloads.sides_with_peers("resnet20")
    with pytest.raises(ValueError, match="no 'resnet20' workload"):
        workloads.build("resnet20", "jax", weights={})


def test_each_workload_runs_in_lamina_alone():
    import math

    import workloads

    for name, (_, _, _, batch, _, training) in workloads.WORKLOADS.items():
        if name == "resnet20":  # the slowest; covered above when torch is present
            continue
        result = workloads.build(name, "lamina")[0]()
        if training:  # a finite cross-entropy
            assert math.isfinite(result.item()), name
        else:
            assert result.shape[0] == batch and result.shape[-1] == 10, (name, result.shape)


def test_the_process_harness_times_each_library_in_its_own_worker():
    import harness
    import workloads

    weights = workloads.initial_weights("mlp-infer")
    rates = harness.compare_in_processes("mlp-infer", ["lamina"], weights, windows=2, seconds_per_window=0.05)
    assert list(rates) == ["lamina"] and len(rates["lamina"]) == 2
    assert all(rate > 0 for rate in rates["lamina"])
