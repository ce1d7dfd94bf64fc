"""Each milestone's quick mode asserts its classic result (seeded, real measurements)."""

import pytest

from lamina import history

pytestmark = pytest.mark.slow  # minutes in all: `pytest -m "not slow"` runs the unit tests in about a minute


def results_of(name, tmp_path):
    results, _ = history.run([name], quick=True, out_dir=tmp_path, echo=lambda *a: None)
    return {r.reproduced: r for r in results}


def assert_all_pass(name, tmp_path, except_containing=()):
    results = results_of(name, tmp_path)
    checked = [r for text, r in results.items() if not any(part in text for part in except_containing)]
    assert checked, name
    for result in checked:
        assert result.passed, f"{name}: {result.reproduced}: {result.ours} (paper {result.paper})"
    return results


@pytest.mark.parametrize(
    "name",
    [
        "mcculloch-pitts",
        "hebb",
        "snarc",
        "perceptron",
        "hubel-wiesel",
        "neocognitron",
        "backprop",
        "lenet",
        "lstm",
        "googlenet",
        "resnet",
        "transformer",
        "gpt",
    ],
)
def test_milestone_reproduces(name, tmp_path):
    assert_all_pass(name, tmp_path)


def test_alexnet_relu_trains_several_times_faster_than_tanh(tmp_path):
    results = assert_all_pass("alexnet", tmp_path)
    relu = next(r for text, r in results.items() if "ReLU" in text)
    assert "to 25%:" in relu.ours and (tmp_path / "alexnet_relu_vs_tanh.png").stat().st_size > 1000
    assert set(relu.details) == {"ReLU", "tanh"} and "lr 0.01" in relu.details["tanh"]


def test_report_and_pictures(tmp_path):
    results, timings = history.run(["perceptron", "snarc"], out_dir=tmp_path, echo=lambda *a: None)
    path = history.write(results, timings, tmp_path)
    text = path.read_text()
    assert "| perceptron | 1958 |" in text and "perceptron_weights.png" in text
    assert (tmp_path / "perceptron_weights.png").stat().st_size > 1000
    assert "milestone" in history.table(results).splitlines()[0]
    with pytest.raises(KeyError, match="did you mean perceptron"):
        history.run(["perceptorn"], echo=lambda *a: None)
