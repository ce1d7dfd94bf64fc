"""The history report: a table on the terminal, and a folder with the table (Markdown) and the pictures."""

from pathlib import Path


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


def write(results, timings, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "README.md"
    path.write_text(markdown(results, timings))
    return path
