"""The history report: a table on the terminal, and a folder with the table (Markdown, a self-contained
report.html, results.json for the docs site) and the pictures."""

import json
from pathlib import Path

from lamina.viz import html


def table(results) -> str:
    rows = [("milestone", "year", "what was reproduced", "lamina", "paper", "result")]
    rows += [(r.name, str(r.year), r.reproduced, r.ours, r.paper, r.verdict) for r in results]
    widths = [min(60, max(len(row[i]) for row in rows)) for i in range(6)]
    lines = []
    for index, row in enumerate(rows):
        cells = [cell if len(cell) <= widths[i] else cell[: widths[i] - 1] + "…" for i, cell in enumerate(row)]
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(cells, widths)))
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def markdown(results, timings) -> str:
    lines = [
        "# lamina history: the classic results, reproduced",
        "",
        "| milestone | year | what was reproduced | lamina | paper | result |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        cells = [r.name, str(r.year), r.reproduced, r.ours, r.paper, "**FAIL**" if not r.passed else r.verdict]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    lines += ["", "Pictures:", ""]
    for r in results:
        for picture in r.pictures:
            lines.append(f"![{r.name}: {r.reproduced}]({Path(picture).name})")
    lines += ["", "Seconds per milestone: " + ", ".join(f"{name} {seconds:.1f}" for name, seconds in timings.items())]
    return "\n".join(lines) + "\n"


def html_report(results, timings) -> str:
    """One HTML file: the table, then each milestone with its numbers, details and pictures embedded."""
    header = ("milestone", "year", "what was reproduced", "lamina", "paper", "result")
    rows = [(r.name, r.year, r.reproduced, r.ours, r.paper, r.verdict) for r in results]
    classes = [[None] * 5 + [r.verdict] for r in results]
    passed = sum(r.passed for r in results)
    body = [
        html.paragraph(f"{passed}/{len(results)} results reproduced in {sum(timings.values()):.0f} s."),
        html.table(header, rows, classes),
    ]
    for r in results:
        body.append(html.heading(f"{r.name} ({r.year})"))
        body.append(html.paragraph(f"{r.reproduced}. lamina: {r.ours}; paper: {r.paper}; result: {r.verdict}."))
        if r.details:
            body.append(html.table(("detail", "value"), [(key, _short(value)) for key, value in r.details.items()]))
        body.extend(html.figure(picture, f"{r.name}: {Path(picture).stem.replace('_', ' ')}") for picture in r.pictures)
    from lamina.history import ilsvrc

    body.append(html.heading("The ImageNet challenge, top-5 error by year (published numbers)"))
    body.append(html.table(("year", "winning entry", "top-5 error", "source"), ilsvrc.rows()))
    body.append(html.paragraph(f"Human top-5 error: {ilsvrc.HUMAN_TOP5[0]}% ({ilsvrc.HUMAN_TOP5[1]})."))
    seconds = ", ".join(f"{name} {value:.1f}" for name, value in timings.items())
    body.append(html.paragraph(f"Seconds per milestone: {seconds}."))
    return html.page("lamina history: the classic results, reproduced", body)


def _short(value) -> str:
    text = f"{value:.4g}" if isinstance(value, float) else str(value)
    return text if len(text) <= 300 else text[:299] + "…"


def write(results, timings, out_dir: Path) -> Path:
    """README.md (the table and picture links) and report.html (everything in one file) in out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "README.md"
    path.write_text(markdown(results, timings))
    html.write(out_dir / "report.html", html_report(results, timings))
    (out_dir / "results.json").write_text(json.dumps([_record(r) for r in results], indent=1))
    return path


def _record(result) -> dict:
    """One result as results.json holds it (the docs site's history pages read this file)."""
    return {
        "milestone": result.milestone,
        "name": result.name,
        "year": result.year,
        "reproduced": result.reproduced,
        "lamina": result.ours,
        "paper": result.paper,
        "verdict": result.verdict,
        "pictures": [Path(p).name for p in result.pictures],
    }
