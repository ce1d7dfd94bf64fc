"""MkDocs hooks for lamina's documentation site (mkdocs.yml names this file).

Pages that would go stale if written by hand are generated at build time from their one source:
- one page per history milestone, from its module docstring (claim, protocol, deviations), and, when
  `lamina history` has run in this folder, from history-report/results.json and its pictures;
- the "Coming from PyTorch" coverage table, copied from the README (where tests hold it to the
  measurement).
"""

import inspect
import json
import os
from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parent
# where `lamina history` wrote its report (its default, in the checkout); LAMINA_HISTORY_REPORT overrides
REPORT = Path(os.environ.get("LAMINA_HISTORY_REPORT", ROOT / "history-report"))


def _milestones():
    from lamina.history import MILESTONES

    return sorted(MILESTONES.values(), key=lambda m: (m.year, m.name))


def _page_path(milestone) -> str:
    return f"history/{milestone.year}-{milestone.name}.md"


def _results():
    path = REPORT / "results.json"
    return json.loads(path.read_text()) if path.exists() else None


def _milestone_page(milestone, results) -> str:
    module = inspect.getmodule(milestone.run)
    lines = [f"# {milestone.year}: {milestone.title}", "", inspect.cleandoc(module.__doc__ or ""), ""]
    lines += ["Run it:", "", "```bash", f"lamina history run {milestone.name}", "```", ""]
    mine = [r for r in results or [] if r["milestone"] == milestone.name]
    if results is None:
        lines.append("The measured results and pictures appear here once `lamina history` has run in this folder.")
    elif not mine:
        lines.append("This milestone was not part of the last `lamina history` run in this folder.")
    else:
        lines += ["## Measured", "", "| what was reproduced | lamina | paper | result |", "|---|---|---|---|"]
        for r in mine:
            cells = [r["reproduced"], r["lamina"], r["paper"], r["verdict"]]
            lines.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
        lines.append("")
        for r in mine:
            for picture in r["pictures"]:
                if (REPORT / picture).exists():
                    lines += [f"![{r['name']}: {picture}](pictures/{picture})", ""]
    return "\n".join(lines) + "\n"


def on_config(config):
    """The History section of the nav: the overview, then one page per milestone in order of year."""
    pages = ["history/index.md"] + [{f"{m.year}: {m.title}": _page_path(m)} for m in _milestones()]
    for entry in config["nav"]:
        if isinstance(entry, dict) and "History" in entry:
            entry["History"] = pages
    return config


def on_files(files, config):
    results = _results()
    for milestone in _milestones():
        files.append(File.generated(config, _page_path(milestone), content=_milestone_page(milestone, results)))
    for r in results or []:
        for picture in r["pictures"]:
            path = REPORT / picture
            if path.exists() and files.get_file_from_path(f"history/pictures/{picture}") is None:
                files.append(File.generated(config, f"history/pictures/{picture}", content=path.read_bytes()))
    return files


def _coverage_table() -> str:
    lines, inside = [], False
    for line in (ROOT / "README.md").read_text().splitlines():
        if line.startswith("| what | torch | lamina |"):
            inside = True
        if inside and not line.startswith("|"):
            break
        if inside:
            lines.append(line)
    return "\n".join(lines)


def on_page_markdown(markdown, page, config, files):
    if "<!-- lamina:coverage-table -->" in markdown:
        markdown = markdown.replace("<!-- lamina:coverage-table -->", _coverage_table())
    if "<!-- lamina:ilsvrc-table -->" in markdown:
        from lamina.history import ilsvrc

        lines = ["| year | winning entry | top-5 error | source |", "|---|---|---|---|"]
        lines += ["| " + " | ".join(row) + " |" for row in ilsvrc.rows()]
        lines += ["", f"Human top-5 error: {ilsvrc.HUMAN_TOP5[0]}% ({ilsvrc.HUMAN_TOP5[1]})."]
        markdown = markdown.replace("<!-- lamina:ilsvrc-table -->", "\n".join(lines))
    if "<!-- lamina:datasets-table -->" in markdown:
        from lamina.train.tasks import DATASETS

        lines = ["| name | kind | how it arrives | size | what |", "|---|---|---|---|---|"]
        for spec in DATASETS.values():
            size = f"{spec.size_mb:.1f} MB" if spec.size_mb else "-"
            lines.append(f"| {spec.name} | {spec.kind} | {spec.source} | {size} | {spec.description} |")
        markdown = markdown.replace("<!-- lamina:datasets-table -->", "\n".join(lines))
    if "<!-- lamina:milestone-list -->" in markdown:
        items = [f"- [{m.year}: {m.title}]({Path(_page_path(m)).name})" for m in _milestones()]
        markdown = markdown.replace("<!-- lamina:milestone-list -->", "\n".join(items))
    return markdown
