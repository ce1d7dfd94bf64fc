"""Each milestone's quick mode asserts its classic result (seeded, real measurements).

One claim does not reproduce yet and is reported as FAIL by `lamina history` rather than asserted
here: AlexNet's ReLU-vs-tanh speed-up (see issue 5's note).
"""

import pytest

from lamina import history


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


def test_alexnet_parameter_count(tmp_path):
    results = assert_all_pass("alexnet", tmp_path, except_containing=("ReLU",))
    assert any("ReLU" in text for text in results)  # measured and reported, pass or fail


def test_report_and_pictures(tmp_path):
    results, timings = history.run(["perceptron", "snarc"], out_dir=tmp_path, echo=lambda *a: None)
    path = history.write(results, timings, tmp_path)
    text = path.read_text()
    assert "| perceptron | 1958 |" in text and "perceptron_weights.png" in text
    assert (tmp_path / "perceptron_weights.png").stat().st_size > 1000
    assert "milestone" in history.table(results).splitlines()[0]
    with pytest.raises(KeyError, match="did you mean perceptron"):
        history.run(["perceptorn"], echo=lambda *a: None)
