"""The graph of one step as SVG, drawn here (no Graphviz): ops in rows by depth, inputs at the top.

Each op sits one row below the deepest op it reads from, so the rows read as the order of computation;
leaves (parameters, inputs) are left out to keep a ResNet's graph readable. Big graphs are cut at
`limit` ops, and the picture says so.
"""

from html import escape

from lamina.tensor import Tensor
from lamina.viz.walk import graph_nodes

BOX_WIDTH, BOX_HEIGHT, COLUMN_GAP, ROW_GAP = 128, 34, 14, 30


def _parents(node):
    return [n for n in node.next_nodes if n is not None and not isinstance(n, Tensor)]


def _inputs_first(nodes):
    """The nodes in an order where each comes after every node it reads from (Kahn's algorithm)."""
    known = {id(node) for node in nodes}
    waiting = {id(node): sum(1 for p in _parents(node) if id(p) in known) for node in nodes}
    readers = {}
    for node in nodes:
        for parent in _parents(node):
            readers.setdefault(id(parent), []).append(node)
    ready = [node for node in reversed(nodes) if waiting[id(node)] == 0]
    ordered = []
    while ready:
        node = ready.pop(0)
        ordered.append(node)
        for reader in readers.get(id(node), ()):
            waiting[id(reader)] -= 1
            if waiting[id(reader)] == 0:
                ready.append(reader)
    return ordered


def graph_svg(root: Tensor, limit: int = 600) -> str:
    """An <svg> element drawing the ops that produced `root`; '' when root has no graph."""
    order, shapes = graph_nodes(root)
    if not order:
        return ""
    order = _inputs_first(order)
    cut = len(order) > limit
    order = order[:limit]
    kept = {id(node) for node in order}
    depth = {}
    for node in order:
        depth[id(node)] = 1 + max((depth[id(n)] for n in _parents(node) if id(n) in kept), default=-1)
    rows = {}
    for node in order:
        rows.setdefault(depth[id(node)], []).append(node)
    widest = max(len(row) for row in rows.values())
    width = widest * (BOX_WIDTH + COLUMN_GAP) + COLUMN_GAP
    height = len(rows) * (BOX_HEIGHT + ROW_GAP) + ROW_GAP + (20 if cut else 0)
    centre = {}
    for level, row in rows.items():
        offset = (width - len(row) * (BOX_WIDTH + COLUMN_GAP) + COLUMN_GAP) / 2
        for column, node in enumerate(row):
            x = offset + column * (BOX_WIDTH + COLUMN_GAP)
            y = ROW_GAP + level * (BOX_HEIGHT + ROW_GAP)
            centre[id(node)] = (x + BOX_WIDTH / 2, y)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="Helvetica, sans-serif" font-size="10">'
    ]
    for node in order:  # edges first, boxes over them
        x2, y2 = centre[id(node)]
        for parent in node.next_nodes:
            if parent is not None and not isinstance(parent, Tensor) and id(parent) in centre:
                x1, y1 = centre[id(parent)]
                parts.append(
                    f'<line x1="{x1:.0f}" y1="{y1 + BOX_HEIGHT:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" '
                    'stroke="#8a9bb0" stroke-width="1"/>'
                )
    for node in order:
        x, y = centre[id(node)]
        shape, dtype = shapes.get(id(node), ((), ""))
        parts.append(
            f"<g><title>{escape(node.op_name)} {escape(str(tuple(shape)))} {escape(str(dtype))}</title>"
            f'<rect x="{x - BOX_WIDTH / 2:.0f}" y="{y:.0f}" width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="4" '
            'fill="#dbe8f6" stroke="#5b7898"/>'
            f'<text x="{x:.0f}" y="{y + 14:.0f}" text-anchor="middle">{escape(node.op_name)}</text>'
            f'<text x="{x:.0f}" y="{y + 27:.0f}" text-anchor="middle" fill="#445">'
            f"{escape(str(tuple(shape)))}</text></g>"
        )
    if cut:
        parts.append(f'<text x="10" y="{height - 8:.0f}">the first {limit} ops of the step are drawn</text>')
    parts.append("</svg>")
    return "".join(parts)
