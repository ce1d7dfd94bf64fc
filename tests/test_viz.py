"""Graph pictures and the backward explanation."""

import shutil

import pytest

import lamina
from lamina import viz


def small_graph():
    w = lamina.tensor([2.0, -1.0], requires_grad=True)
    x = lamina.tensor([3.0, 4.0])
    loss = ((w * x).tanh() + w).sum()
    return w, x, loss


def test_graph_dot_lists_ops_shapes_and_leaf_values():
    w, x, loss = small_graph()
    loss.backward(retain_graph=True)
    dot = viz.graph(loss, names={"w": w})
    assert dot.startswith("digraph lamina {") and dot.rstrip().endswith("}")
    for op in ("Mul", "Tanh", "Add", "Sum"):
        assert f'label="{op}\\nshape' in dot
    assert "w\\nshape (2,)\\nfloat32\\nvalue [2.0, -1.0]\\ngrad" in dot
    assert dot.count("->") == 6  # w->Mul, Mul->Tanh, Tanh->Add, w->Add, Add->Sum, Sum->out


def test_render_needs_graphviz_or_says_so(tmp_path):
    _, _, loss = small_graph()
    if shutil.which("dot") is None:
        with pytest.raises(RuntimeError, match="Graphviz program `dot` is not installed"):
            viz.render(loss, tmp_path / "g.svg")
    else:
        path = viz.render(loss, tmp_path / "g.svg")
        assert path.read_text().lstrip().startswith("<?xml")


def test_explain_backward_matches_backward():
    w, x, loss = small_graph()
    text = viz.explain_backward(loss, names={"w": w}, print_steps=False)
    assert "step 1: Sum" in text and "local derivative: dz/dx = 1 - tanh^2 x" in text
    assert "gradient for input 0 (leaf w)" in text
    assert w.grad is None  # explaining accumulates nothing
    loss.backward()  # and the graph is still usable
    assert w.grad is not None
