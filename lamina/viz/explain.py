"""explain_backward: the chain rule, one node at a time, for small graphs.

For each op from the output back to the leaves it prints the upstream
gradient arriving at the node, the op's local derivative, and the gradient it
sends to each input: the lecture's back-propagation, made visible.
"""

from lamina.autograd.grad_mode import no_grad
from lamina.tensor import Tensor
from lamina.viz.walk import graph_nodes, small_values


def explain_backward(loss: Tensor, names=None, print_steps=True) -> str:
    """Walk the backward pass of a scalar `loss` and describe every step; returns the text.

    Nothing is accumulated into `.grad` and the graph is kept, so `loss.backward()`
    still works afterwards.
    """
    leaf_names = {id(t): name for name, t in (names or {}).items()}
    order, shapes = graph_nodes(loss)
    pending = {id(loss.grad_fn): loss.new_ones(loss.shape)} if loss.grad_fn is not None else {}
    lines = [f"backward of a {loss.dtype.name} output of shape {tuple(loss.shape)}: start with d(output)/d(output) = 1"]
    with no_grad():
        for step, node in enumerate(order, start=1):
            grad_out = pending.pop(id(node), None)
            if grad_out is None:
                continue
            lines.append(f"step {step}: {node.op_name} (output shape {tuple(shapes[id(node)][0])})")
            lines.append(f"  upstream gradient dL/d(out) = {_show(grad_out)}")
            lines.append(
                f"  local derivative: {node.derivative or f'see {type(node).__module__}.{node.op_name}.backward'}"
            )
            grads = type(node).backward(node, grad_out)
            grads = grads if isinstance(grads, tuple) else (grads,)
            for index, (next_node, grad) in enumerate(zip(node.next_nodes, grads)):
                if next_node is None or grad is None:
                    continue
                target = _describe(next_node, leaf_names)
                lines.append(f"  chain rule -> gradient for input {index} ({target}) = {_show(grad)}")
                if not isinstance(next_node, Tensor):
                    key = id(next_node)
                    pending[key] = pending[key] + grad if key in pending else grad
    text = "\n".join(lines)
    if print_steps:
        print(text)
    return text


def _describe(next_node, leaf_names) -> str:
    if isinstance(next_node, Tensor):
        return f"leaf {leaf_names.get(id(next_node), '')}".rstrip()
    return f"from {next_node.op_name}"


def _show(tensor: Tensor) -> str:
    values = small_values(tensor)
    return str(values) if values is not None else f"<tensor of shape {tuple(tensor.shape)}>"
