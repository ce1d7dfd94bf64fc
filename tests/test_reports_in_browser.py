"""The HTML reports (a training run's, the history's) in headless Chromium: every image loads, the console
stays quiet, a screenshot is taken; and the checker itself notices a broken image and a script error."""

import json

from lamina.cli.main import main
from lamina.history.milestone import Result
from lamina.history.report import html_report
from tests.browser import assert_renders_cleanly, open_report


def test_the_checker_sees_a_broken_image_and_a_script_error(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><body><img src='missing.png' alt='x'><script>undefinedFunction()</script></body></html>"
    )
    result = open_report(page, tmp_path)
    assert result["images"] == 1 and result["broken"] == 1
    assert any("undefinedFunction" in line for line in result["console"])


def test_a_training_run_report(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "lenet1", "--epochs", "2", "--quiet", "--out", str(out)]) == 0
    report = out / "report.html"
    text = report.read_text()
    assert "<svg" in text and "Conv" in text and "val_loss" in text
    assert 'src="data:image/png;base64,' in text and 'src="file:' not in text  # self-contained
    assert_renders_cleanly(report, tmp_path, min_images=3)


def test_a_history_report(tmp_path):
    picture = tmp_path / "curve.png"
    from lamina.viz.plots import curves

    curves({"error": ([0, 1, 2], [0.5, 0.3, 0.1])}, picture)
    results = [
        Result("perceptron", 1958, "learns a <separable> task", "0 errors", "converges", True, [str(picture)]),
        Result("gpt", 2018, "beats n-grams", "2.2 nats", "lower than counts", True, partial=True),
        Result("broken", 2000, "a failing line", "bad", "good", False, details={"note": json.dumps({"a": 1})}),
    ]
    page = tmp_path / "report.html"
    page.write_text(html_report(results, {"perceptron": 1.0, "gpt": 2.0, "broken": 0.5}))
    text = page.read_text()
    assert "&lt;separable&gt;" in text  # escaped, not markup
    assert 'class="partial"' in text and 'class="FAIL"' in text
    assert_renders_cleanly(page, tmp_path, min_images=1)
