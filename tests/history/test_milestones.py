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


def test_alexnet_relu_trains_faster_than_tanh_and_says_by_how_much(tmp_path):
    results = assert_all_pass("alexnet", tmp_path)
    relu = next(r for text, r in results.items() if "ReLU" in text)
    ratio = float(relu.ours.split("x vs the paper's 6x")[0])
    assert relu.partial == (ratio < 6.0) and "to 10%:" in relu.ours and "(n=3)" in relu.ours
    assert (tmp_path / "alexnet_relu_vs_tanh.png").stat().st_size > 1000
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


def test_the_gpt_baseline_counts_as_an_ngram_model_should():
    import math

    import numpy as np

    from lamina.history.gpt import ngram_loss

    text = np.array([0, 1] * 50)  # a bigram predicts every next character of an alternation
    assert ngram_loss(text, text, 2, vocab=2, smoothing=1e-9) < 1e-6
    assert math.isclose(ngram_loss(text, text, 1, vocab=2, smoothing=1e-9), math.log(2), rel_tol=1e-6)


def test_a_partial_result_is_shown_as_partial_not_as_a_pass():
    from lamina.history.milestone import Result

    short = Result("x", 2000, "claim", "ours", "paper", passed=True, partial=True)
    assert short.verdict == "partial" and Result("x", 2000, "c", "o", "p", passed=False).verdict == "FAIL"
    assert "partial" in history.table([short])


def test_the_report_links_only_files_that_exist(tmp_path):
    import re

    results, timings = history.run(["perceptron", "snarc", "backprop"], out_dir=tmp_path, echo=lambda *a: None)
    text = history.write(results, timings, tmp_path).read_text()
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert links and all((tmp_path / link).exists() for link in links), links
