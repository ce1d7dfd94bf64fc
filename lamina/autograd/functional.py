"""torch.autograd.functional's names: vjp, jvp, jacobian, hessian, vhp, hvp of a function of tensors.

Each is built on `autograd.grad` (reverse mode): a Jacobian is one backward per output element, a
Jacobian-vector product the double-backward trick (J v = d/du <J^T u, v>), a Hessian the Jacobian of the
gradient. With create_graph=True the results are themselves differentiable. Like PyTorch, an input the
function does not use gets zeros (strict=True makes that an error instead).
"""

from lamina.autograd import grad
from lamina.autograd.grad_mode import enable_grad
from lamina.errors import AutogradError, ShapeError, shape_str
from lamina.tensor import Tensor


def _as_tuple(op, value, what):
    """(tuple of tensors, whether value was a tuple/list) for PyTorch's "a Tensor or a tuple of Tensors"."""
    is_tuple = isinstance(value, (tuple, list))
    values = tuple(value) if is_tuple else (value,)
    for index, item in enumerate(values):
        if not isinstance(item, Tensor):
            raise TypeError(
                f"{op}: the {what} must be a Tensor or a tuple of Tensors; item {index} is {type(item).__name__}."
            )
    return values, is_tuple


def _prepared(inputs, create_graph):
    """Inputs to differentiate at: fresh leaves, or (create_graph) views that keep the inputs' own graph."""
    return tuple(x.view_as(x) if create_graph and x.requires_grad else x.detach().requires_grad_(True) for x in inputs)


def _gradients(op, outputs, inputs, grad_outputs, create_graph, strict):
    """grad of outputs w.r.t. inputs, zeros where an input is unused (or, strict, an error naming it)."""
    needed = [o for o in outputs if o.requires_grad]
    seeds = [g for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    found = (None,) * len(inputs)
    if needed:
        found = grad(needed, inputs, seeds, retain_graph=True, create_graph=create_graph, allow_unused=True)
    result = []
    for index, (value, x) in enumerate(zip(found, inputs)):
        if value is None:
            if strict:
                raise AutogradError(f"{op}: the output does not depend on input {index} (strict=True).")
            value = x.new_zeros(*x.shape)
        result.append(value if create_graph else value.detach())
    return tuple(result)


def _unpack(values, is_tuple):
    return values if is_tuple else values[0]


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the vector-Jacobian product (v may be omitted for a one-element output)."""
    inputs, inputs_tuple = _as_tuple("vjp", inputs, "inputs")
    with enable_grad():
        inputs = _prepared(inputs, create_graph)
        outputs, outputs_tuple = _as_tuple("vjp", func(*inputs), "function's outputs")
        vs = _vectors("vjp", v, outputs)
        products = _gradients("vjp", outputs, inputs, vs, create_graph, strict)
    outputs = tuple(o if create_graph else o.detach() for o in outputs)
    return _unpack(outputs, outputs_tuple), _unpack(products, inputs_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product, as the gradient of u -> <J^T u, v> (linear in u)."""
    inputs, inputs_tuple = _as_tuple("jvp", inputs, "inputs")
    with enable_grad():
        inputs = _prepared(inputs, create_graph)
        vs = _vectors("jvp", v, inputs)
        outputs, outputs_tuple = _as_tuple("jvp", func(*inputs), "function's outputs")
        dummies = tuple(o.new_zeros(*o.shape).requires_grad_(True) for o in outputs)  # u: J^T u is linear in u
        transposed = _gradients("jvp", outputs, inputs, dummies, True, strict)
        products = _gradients("jvp", transposed, dummies, vs, create_graph, strict)
    outputs = tuple(o if create_graph else o.detach() for o in outputs)
    return _unpack(outputs, outputs_tuple), _unpack(products, outputs_tuple)


def _vectors(op, v, like):
    if v is None:
        if any(t.numel() != 1 for t in like):
            raise AutogradError(f"{op}: v can be omitted only when every tensor it pairs with has one element.")
        return tuple(t.new_ones(*t.shape) for t in like)
    vs, _ = _as_tuple(op, v, "v")
    if len(vs) != len(like) or any(tuple(a.shape) != tuple(b.shape) for a, b in zip(vs, like)):
        raise ShapeError(
            f"{op}: v has shapes {[shape_str(a.shape) for a in vs]}; expected {[shape_str(b.shape) for b in like]}."
        )
    return vs


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """d func(inputs) / d inputs: for output o and input x, a tensor of shape o.shape + x.shape (nested tuples
    for several of either, as PyTorch). One backward pass per output element."""
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(f"jacobian: strategy must be 'reverse-mode' or 'forward-mode'; got {strategy!r}.")
    from lamina.functional import stack

    inputs, inputs_tuple = _as_tuple("jacobian", inputs, "inputs")
    with enable_grad():
        inputs = _prepared(inputs, create_graph)
        outputs, outputs_tuple = _as_tuple("jacobian", func(*inputs), "function's outputs")
        rows = []
        for output in outputs:
            flat = output.reshape(-1)
            per_element = [_gradients("jacobian", (flat[i],), inputs, (None,), create_graph, strict)
                           for i in range(flat.shape[0])]  # fmt: skip
            blocks = []
            for j, x in enumerate(inputs):
                if per_element:
                    block = stack([grads[j] for grads in per_element]).reshape(*output.shape, *x.shape)
                else:
                    block = x.new_zeros(*output.shape, *x.shape)
                blocks.append(block)
            rows.append(_unpack(tuple(blocks), inputs_tuple))
    return _unpack(tuple(rows), outputs_tuple)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a function with one-element output: the Jacobian of its gradient, of shape
    x.shape + x.shape (nested tuples for several inputs)."""
    inputs, inputs_tuple = _as_tuple("hessian", inputs, "inputs")

    def gradient(*xs):
        output = func(*xs)
        if not isinstance(output, Tensor) or output.numel() != 1:
            raise AutogradError("hessian: the function must return a single Tensor with one element.")
        return _gradients("hessian", (output.reshape(()),), xs, (None,), True, strict)

    return jacobian(lambda *xs: _unpack(gradient(*xs), inputs_tuple), _unpack(inputs, inputs_tuple), create_graph,
                    strict)  # fmt: skip


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H) for a function with one-element output."""
    inputs, inputs_tuple = _as_tuple("vhp", inputs, "inputs")
    with enable_grad():
        inputs = _prepared(inputs, create_graph)
        output = func(*inputs)
        if not isinstance(output, Tensor) or output.numel() != 1:
            raise AutogradError("vhp: the function must return a single Tensor with one element.")
        vs = _vectors("vhp", v, inputs)
        gradients = _gradients("vhp", (output.reshape(()),), inputs, (None,), True, strict)
        products = _gradients("vhp", gradients, inputs, vs, create_graph, strict)
    return (output if create_graph else output.detach()), _unpack(products, inputs_tuple)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) for a function with one-element output (H is symmetric: the same as vhp's)."""
    return vhp(func, inputs, v, create_graph, strict)
