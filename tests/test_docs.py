"""The documentation site: it builds with warnings as errors, and every code example on every page runs."""

import contextlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "docs").rglob("*.md"))
BLOCK = re.compile(r"^```python\n(.*?)^```", re.M | re.S)


def test_there_are_examples_to_run():
    assert sum(len(BLOCK.findall(page.read_text())) for page in PAGES) >= 12


# `print(...)  # what it prints`: the comment is the promise the page makes, checked against the output
PROMISE = re.compile(r"^\s*print\(.*\)\s+#\s*(.+)$", re.M)


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT / "docs")) for p in PAGES])
def test_every_python_example_on_the_page_runs(page, tmp_path, monkeypatch):
    """A page's examples run in order in one namespace (a later one may use an earlier one's names), and what
    a commented print promises is in what the example printed."""
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__docs__"}
    for number, code in enumerate(BLOCK.findall(page.read_text()), 1):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            try:
                exec(compile(code, f"{page.name}, example {number}", "exec"), namespace)
            except Exception as error:  # noqa: BLE001 - the page and example are the message
                pytest.fail(f"{page.relative_to(ROOT)} example {number} raised {type(error).__name__}: {error}")
        for promise in PROMISE.findall(code):
            assert _squeezed(promise) in _squeezed(printed.getvalue()), (
                f"{page.relative_to(ROOT)} example {number} promises {promise!r} but printed {printed.getvalue()!r}"
            )


def _build(tmp_path, report=None):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    env = dict(os.environ)
    if report is not None:
        env["LAMINA_HISTORY_REPORT"] = str(report)
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "--site-dir", str(site)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return site


def test_the_site_builds_strictly_with_every_milestone_and_the_api(tmp_path):
    from lamina.history import MILESTONES

    site = _build(tmp_path, report=tmp_path / "no-report-yet")
    for milestone in MILESTONES.values():
        page = site / "history" / f"{milestone.year}-{milestone.name}" / "index.html"
        assert page.exists(), page
        assert "lamina history run " + milestone.name in page.read_text()
    assert "lamina.onnx.export" in (site / "api" / "train" / "index.html").read_text()
    coverage = (site / "pytorch" / "index.html").read_text()
    assert "Tensor methods and attributes" in coverage and "lamina:coverage-table" not in coverage


def test_history_pages_show_the_measured_results_and_pictures(tmp_path):
    import json

    from lamina.viz.plots import curves

    report = tmp_path / "history-report"
    report.mkdir()
    curves({"errors": ([0, 1], [3, 0])}, report / "perceptron_errors.png")
    record = {"milestone": "perceptron", "name": "perceptron", "year": 1958, "reproduced": "converges",
              "lamina": "0 errors", "paper": "converges", "verdict": "pass", "pictures": ["perceptron_errors.png"]}  # fmt: skip
    (report / "results.json").write_text(json.dumps([record]))
    site = _build(tmp_path, report=report)
    page = (site / "history" / "1958-perceptron" / "index.html").read_text()
    assert "0 errors" in page and "pictures/perceptron_errors.png" in page
    assert (site / "history" / "1958-perceptron" / "pictures" / "perceptron_errors.png").exists() or (
        site / "history" / "pictures" / "perceptron_errors.png"
    ).exists()
