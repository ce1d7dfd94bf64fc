"""The computational graph as DOT text, and as SVG/PNG through Graphviz when it is installed."""

import shutil
import subprocess
from pathlib import Path

from lamina.tensor import Tensor
from lamina.viz.walk import graph_nodes, small_values


def _label(*lines) -> str:
    return "\\n".join(str(line).replace('"', "'") for line in lines if line is not None)


def graph(root: Tensor, names=None, show_values=True) -> str:
    """DOT source of the graph that produced `root`: one box per op, one ellipse per leaf.

    `names` maps leaf tensors to labels, e.g. {"w": w, "x": x}. Values (and
    gradients, after backward) are shown for tensors of at most 10 elements.
    """
    leaf_names = {id(t): name for name, t in (names or {}).items()}
    order, shapes = graph_nodes(root)
    lines = ["digraph lamina {", '  rankdir="BT";', '  node [fontname="Helvetica", fontsize=10];']
    for node in order:
        shape, dtype = shapes[id(node)]
        lines.append(
            f'  n{id(node)} [shape=box, style=filled, fillcolor="#dbe8f6", '
            f'label="{_label(node.op_name, f"shape {tuple(shape)}", dtype)}"];'
        )
        for next_node in node.next_nodes:
            if next_node is None:
                continue
            if isinstance(next_node, Tensor):
                lines.append(_leaf_line(next_node, leaf_names, show_values))
            lines.append(f"  n{id(next_node)} -> n{id(node)};")
    if root.grad_fn is None:
        lines.append(_leaf_line(root, leaf_names, show_values))
    else:
        root_values = small_values(root) if show_values else None
        value = f"value {root_values}" if root_values is not None else None
        lines.append(
            f'  out [shape=ellipse, style=filled, fillcolor="#f6e7db", '
            f'label="{_label("output", f"shape {tuple(root.shape)}", value)}"];'
        )
        lines.append(f"  n{id(root.grad_fn)} -> out;")
    lines.append("}")
    return "\n".join(dict.fromkeys(lines))  # a leaf used twice is declared once


def _leaf_line(leaf: Tensor, leaf_names, show_values) -> str:
    values = small_values(leaf) if show_values else None
    grad = small_values(leaf.grad) if show_values and leaf.grad is not None else None
    label = _label(
        leaf_names.get(id(leaf), "leaf"),
        f"shape {tuple(leaf.shape)}",
        leaf.dtype.name,
        f"value {values}" if values is not None else None,
        f"grad {grad}" if grad is not None else None,
    )
    return f'  n{id(leaf)} [shape=ellipse, style=filled, fillcolor="#e2f0d9", label="{label}"];'


def render(root: Tensor, path, names=None, show_values=True) -> Path:
    """Write the graph as SVG or PNG (by `path`'s suffix) with Graphviz's `dot`."""
    path = Path(path)
    fmt = path.suffix.lstrip(".") or "svg"
    if fmt not in ("svg", "png", "pdf"):
        raise ValueError(f"viz.render: unsupported format '{fmt}'; use a .svg, .png or .pdf path.")
    dot = shutil.which("dot")
    if dot is None:
        raise RuntimeError(
            "viz.render: the Graphviz program `dot` is not installed, so the graph cannot be drawn. Install "
            "Graphviz (e.g. `apt install graphviz`, `brew install graphviz`) or use lamina.viz.graph(...) for the "
            "DOT text and paste it into any Graphviz viewer."
        )
    subprocess.run([dot, f"-T{fmt}", "-o", str(path)], input=graph(root, names, show_values).encode(), check=True)
    return path
