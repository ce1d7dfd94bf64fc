"""Self-contained HTML reports: one file, pictures embedded, nothing fetched when it is opened.

The history report and each training run's report.html are built from these pieces, so both look alike
and both escape what they show (a milestone's text, a run's config) in one place.
"""

import base64
from html import escape
from pathlib import Path

_STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 72em;
       padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccd; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #eef2f7; }
td.pass { color: #176b2c; font-weight: bold; } td.partial { color: #8a5a00; font-weight: bold; }
td.FAIL { color: #b00020; font-weight: bold; }
img { max-width: 100%; border: 1px solid #ddd; margin: 0.5em 0; }
figure { display: inline-block; margin: 0.5em 1em 0.5em 0; vertical-align: top; max-width: 46em; }
figcaption { font-size: 0.9em; color: #555; }
.graph { overflow: auto; max-height: 40em; border: 1px solid #ddd; }
pre { background: #f6f8fa; padding: 0.8em; overflow: auto; }
"""


def page(title: str, body: list) -> str:
    """A whole HTML document: `body` is a list of fragments from the functions below."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def heading(text: str, level: int = 2) -> str:
    return f"<h{level}>{escape(text)}</h{level}>"


def paragraph(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def table(header, rows, classes=None) -> str:
    """A table of strings; `classes[i][j]` (optional) styles a cell (e.g. 'pass', 'FAIL')."""
    lines = ["<table><tr>" + "".join(f"<th>{escape(str(h))}</th>" for h in header) + "</tr>"]
    for i, row in enumerate(rows):
        cells = []
        for j, cell in enumerate(row):
            css = classes[i][j] if classes and classes[i][j] else ""
            cells.append(f'<td class="{css}">{escape(str(cell))}</td>' if css else f"<td>{escape(str(cell))}</td>")
        lines.append("<tr>" + "".join(cells) + "</tr>")
    return "\n".join(lines) + "</table>"


def figure(path: Path, caption: str) -> str:
    """A PNG or SVG file embedded as a data: address (the report stays one file)."""
    path = Path(path)
    kind = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg"}.get(path.suffix.lower())
    if kind is None or not path.exists():
        return ""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (
        f'<figure><img src="data:{kind};base64,{data}" alt="{escape(caption)}">'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


def inline_svg(svg: str, caption: str) -> str:
    return f'<figure><div class="graph">{svg}</div><figcaption>{escape(caption)}</figcaption></figure>' if svg else ""


def preformatted(text: str) -> str:
    return f"<pre>{escape(text)}</pre>"


def write(path: Path, document: str) -> Path:
    """Written atomically: a browser never opens a half-written report."""
    from lamina.serialization import write_atomically

    return write_atomically(Path(path), document.encode("utf-8"))
