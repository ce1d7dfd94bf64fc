"""The README's coverage table is what `lamina doctor --torch-coverage` measures now (it cannot go stale)."""

import re
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")


def test_the_readme_coverage_table_matches_the_measurement():
    from lamina.cli import coverage

    if not torch.__version__.startswith("2.13"):
        pytest.skip(f"the README's table was measured against torch 2.13; this is {torch.__version__}")
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    table = {
        m.group(1).strip(): (int(m.group(2)), int(m.group(3)))
        for m in re.finditer(r"^\| (.+?) \| (\d+) \| (\d+) \| \d+% \|$", readme, re.M)
    }
    for label, total, have, _ in coverage.rows():
        key = (
            "the everyday programs' names (listed in lamina/cli/coverage.py)" if label.startswith("everyday") else label
        )
        assert table.get(key) == (total, have), f"README row {key!r}: {table.get(key)} but measured {(total, have)}"
