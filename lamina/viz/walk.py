"""Walking a recorded graph from a tensor, without running backward."""

from lamina.tensor import Tensor


def graph_nodes(root: Tensor):
    """The nodes reachable from root's grad_fn, each before the nodes it feeds from (topological).

    Returns (order, shapes): `shapes[id(node)]` is (shape, dtype) of the node's output,
    read from the inputs' metadata that every consumer stores.
    """
    order, shapes = [], {}
    if root.grad_fn is None:
        return order, shapes
    shapes[id(root.grad_fn)] = (root.shape, root.dtype.name)
    seen = {id(root.grad_fn)}
    stack = [(root.grad_fn, False)]
    while stack:  # iterative depth-first post-order, reversed at the end
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        stack.append((node, True))
        for index, next_node in enumerate(node.next_nodes):
            if next_node is None or isinstance(next_node, Tensor):
                continue
            shape, dtype = node.input_meta[index]
            shapes.setdefault(id(next_node), (shape, str(dtype)))
            if id(next_node) not in seen:
                seen.add(id(next_node))
                stack.append((next_node, False))
    order.reverse()
    return order, shapes


def small_values(tensor, limit=10):
    """The values of a tensor with at most `limit` elements, rounded for display; else None."""
    if tensor is None or tensor.numel() > limit:
        return None
    values = tensor.detach().numpy().astype(float).round(4)  # float64 first: float32 prints noisy digits
    return values.tolist()
