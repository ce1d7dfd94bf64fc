"""gradcheck and gradgradcheck: compare backward with central differences.

The analytical Jacobian is built one output element at a time with
`autograd.grad`; the numerical one by nudging each input element by +-eps.
Use float64 inputs: float32 rounding swamps a finite difference.
"""

from lamina.autograd.grad_mode import enable_grad, no_grad
from lamina.errors import AutogradError
from lamina.tensor import Tensor


def _outputs(function, inputs):
    result = function(*inputs)
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def _analytical_jacobian(outputs, inputs):
    """rows[i][j] = d output_j / d input_i as flat lists, all outputs concatenated along j."""
    from lamina.autograd import grad

    columns = [[] for _ in inputs]
    for output in outputs:
        flat_size = output.numel()
        for j in range(flat_size):
            if not output.requires_grad:
                for column, x in zip(columns, inputs):
                    column.append([0.0] * x.numel())
                continue
            seed = output.new_zeros(output.shape)
            seed.array.reshape(-1)[j] = 1
            grads = grad(output, inputs, grad_outputs=seed, retain_graph=True, allow_unused=True)
            for column, x, g in zip(columns, inputs, grads):
                column.append([0.0] * x.numel() if g is None else g.numpy().reshape(-1).tolist())
    # transpose to [input][input element][output element]
    return [[list(row) for row in zip(*column)] if column else [] for column in columns]


def _numerical_jacobian(function, inputs, checked, eps):
    jacobians = []
    for x in checked:
        rows = []
        for k in range(x.numel()):
            position = _unravel(k, x.shape)  # works for non-contiguous inputs too
            original = x.array[position].item()
            with no_grad():
                x.array[position] = original + eps
                plus = [o.numpy().reshape(-1).tolist() for o in _outputs(function, inputs)]
                x.array[position] = original - eps
                minus = [o.numpy().reshape(-1).tolist() for o in _outputs(function, inputs)]
                x.array[position] = original
            rows.append([(p - m) / (2 * eps) for po, mo in zip(plus, minus) for p, m in zip(po, mo)])
        jacobians.append(rows)
    return jacobians


def _unravel(flat_index, shape):
    position = []
    for size in reversed(shape):
        position.append(flat_index % size)
        flat_index //= size
    return tuple(reversed(position))


def gradcheck(function, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True) -> bool:
    """True if backward matches central differences for every input that requires grad."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    checked = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    for x in checked:
        if x.dtype.name != "float64":
            raise AutogradError(f"gradcheck: inputs should be float64 for a meaningful check; got {x.dtype.name}.")
    outputs = _outputs(function, inputs)
    analytical = _analytical_jacobian(outputs, checked)
    numerical = _numerical_jacobian(function, inputs, checked, eps)
    for input_index, (a_rows, n_rows) in enumerate(zip(analytical, numerical)):
        for k, (a_row, n_row) in enumerate(zip(a_rows, n_rows)):
            for j, (a, n) in enumerate(zip(a_row, n_row)):
                if abs(a - n) > atol + rtol * abs(n):
                    if not raise_exception:
                        return False
                    raise AutogradError(
                        f"gradcheck: Jacobian mismatch for input {input_index}, element {k}, output element {j}: "
                        f"analytical {a!r} vs numerical {n!r} (atol={atol}, rtol={rtol})."
                    )
    return True


def gradgradcheck(function, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True) -> bool:
    """gradcheck of the backward itself: checks second derivatives (create_graph=True)."""
    from lamina import creation
    from lamina.autograd import grad

    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    outputs = _outputs(function, inputs)
    if grad_outputs is None:
        grad_outputs = [creation.randn(*o.shape, dtype=o.dtype, requires_grad=True) for o in outputs]
    count = len(inputs)

    def first_derivatives(*args):
        values, seeds = args[:count], args[count:]
        wrt = [v for v in values if isinstance(v, Tensor) and v.requires_grad]
        with enable_grad():  # the numerical pass calls this under no_grad; the first derivative needs a graph
            result = grad(
                _outputs(function, values), wrt, grad_outputs=list(seeds), create_graph=True, allow_unused=True
            )
        return tuple(g if g is not None else w.new_zeros(w.shape) for g, w in zip(result, wrt))

    return gradcheck(first_derivatives, inputs + tuple(grad_outputs), eps, atol, rtol, raise_exception)
