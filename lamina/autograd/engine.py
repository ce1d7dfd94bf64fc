"""The backward pass: reverse-mode differentiation over the recorded graph.

Nodes are Function instances; each knows, per input, the next node (the
input's grad_fn), the leaf tensor to accumulate into, or None. The walk is
iterative (Kahn's algorithm over dependency counts), so a chain of 100,000 ops
needs no recursion. A node runs once all its consumers have sent it their
gradient, summed (fan-out works because gradients accumulate).
"""

from lamina.autograd.anomaly import first_bad_value
from lamina.autograd.grad_mode import state
from lamina.errors import AnomalyError, AutogradError, ShapeError, shape_str
from lamina.tensor import PostAccumulateGradHook, Tensor


def run_backward(roots, root_grads, retain_graph=False, create_graph=False, capture=None):
    """Send `root_grads` back from `roots` through the graph.

    Without `capture`, gradients accumulate into the `.grad` of leaf tensors.
    With `capture` (a list of tensors, for `autograd.grad`), no `.grad` is
    touched and the gradients reaching those tensors are returned in order.
    """
    captured_nodes = {t.grad_fn for t in capture if t.grad_fn is not None} if capture is not None else ()
    pending = {}  # node -> sum of the gradients received so far
    leaf_grads = {}  # id(leaf) -> (leaf, summed gradient)
    start_nodes = []
    external = {id(grad.array) for grad in root_grads}  # arrays the caller still holds
    for root, grad in zip(roots, root_grads):
        if root.grad_fn is None:
            _add_leaf_grad(leaf_grads, root, grad)
        else:
            node = root.grad_fn
            pending[node] = pending[node] + grad if node in pending else grad
            start_nodes.append(node)

    dependencies, leaf_waiting = _count_dependencies(start_nodes, early_leaves=capture is None)
    delivered = set()  # gradient arrays given to a leaf early: a later leaf receiving one takes a copy
    ready = [node for node in dict.fromkeys(start_nodes) if dependencies.get(node, 0) == 0]
    captured = {}
    anomaly = state.anomaly_enabled
    # NOTE: the grad mode set directly, not through `with set_grad_enabled`: this function is a large part of a
    # small graph's backward (benchmarks/op_overhead.py)
    grad_mode_before, state.grad_enabled = state.grad_enabled, create_graph
    callbacks_before, state.backward_callbacks = state.backward_callbacks, []
    try:
        while ready:
            node = ready.pop()
            grad_out = pending.pop(node, None)
            grad_inputs = None
            if grad_out is not None:
                if node.extras is not None:  # hooks or retain_grad on this node's output
                    grad_out = _run_tensor_hooks(node, grad_out, external)
                if node in captured_nodes:
                    captured[id(node)] = grad_out
                grad_inputs = _call_backward(node, grad_out, anomaly)
            for index, next_node in enumerate(node.next_nodes):
                grad = grad_inputs[index] if grad_inputs is not None else None
                if next_node is None:
                    continue
                if isinstance(next_node, Tensor):  # a leaf: accumulate at the end (or once complete, see below)
                    if grad is not None:
                        _add_leaf_grad(leaf_grads, next_node, grad)
                    if leaf_waiting and id(next_node) in leaf_waiting:
                        _one_contribution_in(next_node, leaf_waiting, leaf_grads, delivered, external, create_graph)
                    continue
                if grad is not None:
                    pending[next_node] = pending[next_node] + grad if next_node in pending else grad
                dependencies[next_node] -= 1
                if dependencies[next_node] == 0:
                    ready.append(next_node)
            if not retain_graph:
                node.release_saved()

        if capture is not None:
            return [
                captured.get(id(t.grad_fn)) if t.grad_fn is not None else _leaf_grad(leaf_grads, t) for t in capture
            ]
        _accumulate_all(leaf_grads, external, create_graph, delivered)
        for callback in state.backward_callbacks:  # e.g. DistributedDataParallel's gradient averaging
            callback()
    finally:
        state.grad_enabled = grad_mode_before
        state.backward_callbacks = callbacks_before
    return None


def queue_callback(callback) -> None:
    """Run `callback()` once the current backward has written every leaf's .grad (PyTorch's
    Variable._execution_engine.queue_callback); only from inside a backward, e.g. a gradient hook."""
    if state.backward_callbacks is None:
        raise AutogradError("queue_callback: can only be called during a backward (e.g. from a tensor hook).")
    state.backward_callbacks.append(callback)


def _count_dependencies(start_nodes, early_leaves=False):
    """How many edges point into each node reachable from the start nodes; with early_leaves, also into each
    leaf that has a post-accumulate hook (its .grad is written as soon as its last edge has been walked)."""
    dependencies, leaf_waiting = {}, {}
    stack = list(dict.fromkeys(start_nodes))
    seen = set(stack)
    while stack:
        node = stack.pop()
        for next_node in node.next_nodes:
            if next_node is None:
                continue
            if isinstance(next_node, Tensor):
                if early_leaves and next_node._hooks and _has_post_hook(next_node):
                    leaf_waiting[id(next_node)] = leaf_waiting.get(id(next_node), 0) + 1
                continue
            dependencies[next_node] = dependencies.get(next_node, 0) + 1
            if next_node not in seen:
                seen.add(next_node)
                stack.append(next_node)
    return dependencies, leaf_waiting


def _has_post_hook(leaf) -> bool:
    return any(type(hook) is PostAccumulateGradHook for hook in leaf._hooks)


def _one_contribution_in(leaf, leaf_waiting, leaf_grads, delivered, external, create_graph):
    """One edge into a leaf with a post-accumulate hook has been walked; after its last, write its .grad now
    and run the hook, while the rest of the backward goes on."""
    leaf_waiting[id(leaf)] -= 1
    if leaf_waiting[id(leaf)] == 0:
        del leaf_waiting[id(leaf)]
        entry = leaf_grads.pop(id(leaf), None)
        if entry is not None:
            _accumulate_one(leaf, entry[1], external, create_graph, shared=id(entry[1].array) in delivered)
            delivered.add(id(entry[1].array))


def _run_tensor_hooks(node, grad_out, external):
    extras = node.extras
    for hook in extras.hooks:
        replaced = hook(grad_out)
        if replaced is not None:
            grad_out = replaced
    if extras.retained is not None:
        tensor = extras.retained()
        if tensor is not None:
            tensor.grad = grad_out if state.grad_enabled else grad_out.detach()
            external.add(id(grad_out.array))
    return grad_out


def _call_backward(node, grad_out, anomaly):
    if anomaly:  # the ops of a backward formula are checked per node, below, not as forwards
        previous, state.in_backward = state.in_backward, True
        try:
            grad_inputs = type(node).backward(node, grad_out)
        finally:
            state.in_backward = previous
    else:
        grad_inputs = type(node).backward(node, grad_out)
    if not isinstance(grad_inputs, tuple):
        grad_inputs = (grad_inputs,)
    if len(grad_inputs) != len(node.next_nodes):
        raise AutogradError(
            f"{node.op_name} backward: returned {len(grad_inputs)} gradients for {len(node.next_nodes)} "
            "inputs; a backward must return one gradient (or None) per input."
        )
    for index, grad in enumerate(grad_inputs):
        if grad is None or node.next_nodes[index] is None:
            continue
        shape, dtype = node.input_meta[index]
        if grad.array.shape != shape:
            raise ShapeError(
                f"{node.op_name} backward: returned a gradient of shape {shape_str(grad.array.shape)} for input "
                f"{index}, expected {shape_str(shape)} (the input's shape). This is a bug in the op."
            )
        if grad.array.dtype != dtype:
            raise AutogradError(
                f"{node.op_name} backward: returned a gradient of dtype {grad.array.dtype} for input {index}, "
                f"expected {dtype} (the input's dtype). This is a bug in the op."
            )
        if anomaly:
            _check_gradient(node, index, grad)
    return grad_inputs


def _check_gradient(node, index, grad):
    bad = first_bad_value(node.xp, grad.array)
    if bad is not None:
        trace = (
            node.extras and node.extras.forward_trace
        ) or "(unknown: the op was created before anomaly detection was on)\n"
        raise AnomalyError(
            f"Function '{node.op_name}Backward' returned {bad} values in its {index}th output. "
            f"The forward call that created it:\n{trace}"
        )


def _add_leaf_grad(leaf_grads, leaf, grad):
    key = id(leaf)
    if key in leaf_grads:
        leaf_grads[key] = (leaf, leaf_grads[key][1] + grad)
    else:
        leaf_grads[key] = (leaf, grad)


def _leaf_grad(leaf_grads, tensor):
    entry = leaf_grads.get(id(tensor))
    return None if entry is None else entry[1]


def _accumulate_all(leaf_grads, external, create_graph, delivered=()):
    """Write the summed gradients into the leaves' `.grad` (after their hooks).

    Without create_graph a leaf's `.grad` must own its memory: the same array
    can reach two leaves (Add sends grad_out to both), be a view, or be the
    caller's own gradient; an optimizer updating one in place must not change
    another. Those are copied; a fresh array is taken as it is. `delivered` holds
    the arrays already given to a leaf earlier in this backward.
    """
    deliveries = {}
    for _, grad in leaf_grads.values():
        deliveries[id(grad.array)] = deliveries.get(id(grad.array), 0) + 1
    for leaf, grad in leaf_grads.values():
        shared = deliveries.get(id(grad.array), 0) > 1 or id(grad.array) in delivered
        _accumulate_one(leaf, grad, external, create_graph, shared)


def _accumulate_one(leaf, grad, external, create_graph, shared):
    """The leaf's gradient hooks, then `.grad` written (summed onto an existing one), then its post-accumulate
    hooks."""
    for hook in leaf._hooks:
        if type(hook) is PostAccumulateGradHook:
            continue
        replaced = hook(grad)
        if replaced is not None:
            grad = replaced
    if leaf.grad is not None:
        leaf.grad = leaf.grad + grad if create_graph else (leaf.grad + grad).detach()
    else:
        if not create_graph:
            data = grad.array
            copy = shared or id(data) in external or not data.flags.owndata
            grad = Tensor._make(data.copy(), grad.device) if copy else grad.detach()
        leaf.grad = grad
    for hook in leaf._hooks:
        if type(hook) is PostAccumulateGradHook:
            hook.function(leaf)


def store_grads(inputs, grads, create_graph):
    """`backward(inputs=...)`: accumulate only into the given tensors' `.grad`."""
    for tensor, grad in zip(inputs, grads):
        if grad is None:
            continue
        if not create_graph:
            grad = grad.detach()
        tensor.grad = (
            grad.clone()
            if tensor.grad is None and not create_graph
            else (grad if tensor.grad is None else tensor.grad + grad)
        )
