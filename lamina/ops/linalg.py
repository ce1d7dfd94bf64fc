"""Linear algebra primitives: batched matrix product and einsum."""

from lamina import dtypes
from lamina.autograd.autocast_mode import lower
from lamina.autograd.autocast_mode import state as autocast_state
from lamina.autograd.function import Function
from lamina.autograd.grad_mode import state
from lamina.errors import ShapeError, shape_str
from lamina.ops.elementwise import cast, sum_to
from lamina.ops.movement import Permute
from lamina.ops.shapes import broadcast_shape
from lamina.tensor import Tensor


class MatMul(Function):
    """z = x @ y for x: (*b, n, k), y: (*b, k, m) -> (*b, n, m), batch dims broadcast."""

    __slots__ = ()

    derivative = "dz/dx = grad @ y^T, dz/dy = x^T @ grad"

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return _matmul_arrays(ctx.device.backend, x, y)

    @staticmethod
    def backward(ctx, grad_out):
        x, y = ctx.saved
        # dz/dx: grad_out @ y^T, dz/dy: x^T @ grad_out; transposes are views, never copies
        grad_x = sum_to(_backward_matmul(grad_out, _transposed(y)), x.shape) if ctx.needs_input_grad[0] else None
        grad_y = None
        if ctx.needs_input_grad[1]:
            if x.ndim > 2 and y.ndim == 2:  # a shared matrix: one GEMM summing over every row at once
                rows = x.reshape(-1, x.shape[-1])
                grad_y = _backward_matmul(_transposed(rows), grad_out.reshape(-1, grad_out.shape[-1]))
            else:
                grad_y = sum_to(_backward_matmul(_transposed(x), grad_out), y.shape)
        return grad_x, grad_y


def _matmul_arrays(backend, x, y):
    if x.ndim > 2 and y.ndim == 2:
        # NOTE: one GEMM over all rows, (B*T, k) @ (k, n); NumPy would run B small ones, slower
        return _product(backend, x.reshape(-1, x.shape[-1]), y).reshape(x.shape[:-1] + (y.shape[1],))
    return _product(backend, x, y)


def _backward_matmul(a, b):
    """a @ b inside a backward. A plain backward records nothing, so it multiplies the arrays directly
    (no op's dispatch); with create_graph the product is recorded, differentiable again."""
    if state.grad_enabled:
        return MatMul.apply(a, b)
    return Tensor._make(_matmul_arrays(a.device.backend, a.array, b.array), a.device)


class Linear(Function):
    """y = x W^T + b for x (*, in), W (out, in), b (out,) -> (*, out): one GEMM, the bias added in place.

    A primitive rather than matmul + add (for speed, benchmarks/README.md): one graph node
    instead of three, no temporary for the sum, and dW = grad^T x is computed in W's own
    layout, so the optimizer gets an array it may update in place without a copy.
    The backward is written in Tensor ops, so it is differentiable again.
    """

    __slots__ = ()
    derivative = "dy/dx = W, dy/dW = x (summed over rows), dy/db = 1"

    @staticmethod
    def forward(ctx, x, weight, *bias):
        ctx.save_for_backward(x, weight)
        out = _product(ctx.device.backend, x.reshape(-1, x.shape[-1]), weight.T)  # (rows, out); W^T is a view
        if bias:
            out += bias[0]
        return out.reshape(x.shape[:-1] + (weight.shape[0],))

    @staticmethod
    def backward(ctx, grad_out):
        x, weight = ctx.saved
        needs = ctx.needs_input_grad
        if not state.grad_enabled:  # a plain backward records nothing: the same products on the arrays directly
            return _linear_backward_arrays(ctx.device, needs, grad_out.array, x.array, weight.array)
        rows = grad_out.reshape(-1, grad_out.shape[-1])  # (rows, out)
        grad_x = _backward_matmul(grad_out, weight) if needs[0] else None
        grad_w = _backward_matmul(_transposed(rows), x.reshape(-1, x.shape[-1])) if needs[1] else None
        if len(needs) == 2:
            return grad_x, grad_w
        return grad_x, grad_w, (rows.sum(0) if needs[2] else None)


def _linear_backward_arrays(device, needs, grad, x, weight):
    """Linear's backward on arrays (no graph to record): five small ops less than through Tensor ops."""
    backend, rows = device.backend, grad.reshape(-1, grad.shape[-1])
    grads = [
        _matmul_arrays(backend, grad, weight) if needs[0] else None,
        _product(backend, rows.T, x.reshape(-1, x.shape[-1])) if needs[1] else None,  # in W's own layout
    ]
    if len(needs) == 3:
        grads.append(backend.kernels.sum_dims(rows, (0,), False) if needs[2] else None)
    return tuple([None if g is None else Tensor._make(g, device) for g in grads])


# Multiply-adds per product below which OpenBLAS itself runs one thread (its SMP threshold):
# such products skip the backend's thread policy, which costs microseconds.
_THREADED_PRODUCT_MIN = 262_144


def _product(backend, a, b):
    """a @ b for arrays of 2 or more dims: small 2-D ones by the kernel set (in C, where NumPy's call costs
    more than the product), big ones through the backend (its BLAS thread policy)."""
    small = backend.kernels.small_product(a, b)
    if small is not None:
        return small
    if a.shape[-2] * a.shape[-1] * b.shape[-1] < _THREADED_PRODUCT_MIN:
        # NOTE: ndarray.dot goes to the GEMM directly; `@` first runs the ufunc machinery
        return a.dot(b) if a.ndim == 2 and b.ndim == 2 else a @ b
    return backend.matmul(a, b)


def _transposed(x):
    """x with its last two dims swapped, as a view (the shapes are known valid inside a backward)."""
    if not state.grad_enabled:  # a plain backward records nothing: the view directly (per-op cost)
        view = Tensor._make(x.array.swapaxes(-2, -1), x.device)
        view._version, view._base = x._version, (x._base if x._base is not None else x)
        return view
    dims = list(range(x.ndim))
    dims[-2], dims[-1] = dims[-1], dims[-2]
    return Permute.apply(x, dims=tuple(dims))


def matmul(x, y):
    """PyTorch's matmul: 1-D operands act as row/column vectors and their dim is dropped after."""
    if autocast_state.enabled:  # a mixed-precision region: float32 operands in its lower dtype
        x, y = lower(x, y)
    a, b = x.array, y.array
    if a.ndim == 2 and b.ndim == 2 and a.shape[1] == b.shape[0] and a.dtype == b.dtype:
        return MatMul.apply(x, y)  # the common case, checked in three comparisons
    if x.ndim == 0 or y.ndim == 0:
        raise ShapeError(
            f"matmul: both arguments need to be at least 1D, but they are {x.ndim}D and {y.ndim}D "
            f"(shapes {shape_str(x.shape)} and {shape_str(y.shape)}). Use * for scalars."
        )
    inner_x = x.shape[-1]
    inner_y = y.shape[-2] if y.ndim > 1 else y.shape[0]
    if inner_x != inner_y:
        raise ShapeError(
            f"matmul: shapes {shape_str(x.shape)} and {shape_str(y.shape)} cannot be multiplied: the last dim of "
            f"the first ({inner_x}) must equal the {'first' if y.ndim == 1 else 'second-to-last'} dim of the "
            f"second ({inner_y})."
        )
    if x.ndim > 2 or y.ndim > 2:
        broadcast_shape("matmul (batch dims)", x.shape[:-2], y.shape[:-2] if y.ndim > 1 else ())
    if x.array.dtype != y.array.dtype:
        common = dtypes.promote_types(x.dtype, y.dtype)
        x, y = cast(x, common), cast(y, common)
    if x.ndim == 1 and y.ndim == 1:
        return MatMul.apply(x.reshape(1, -1), y.reshape(-1, 1)).reshape(())
    if x.ndim == 1:
        return MatMul.apply(x.reshape(1, -1), y).squeeze(-2)
    if y.ndim == 1:
        return MatMul.apply(x, y.reshape(-1, 1)).squeeze(-1)
    return MatMul.apply(x, y)


class Einsum(Function):
    """Einstein summation; each operand's gradient is another einsum of the rest.

    The equation arrives normalised: explicit output, no ellipsis, no subscript
    repeated within one operand (see `einsum`).
    """

    __slots__ = ("equation",)

    @staticmethod
    def forward(ctx, *operands, equation):
        ctx.equation = equation
        ctx.save_for_backward(*operands)
        return ctx.xp.einsum(equation, *operands)

    @staticmethod
    def backward(ctx, grad_out):
        operands = ctx.saved
        inputs_part, output = ctx.equation.split("->")
        inputs_part = inputs_part.split(",")
        grads = []
        for index, subscripts in enumerate(inputs_part):
            if not ctx.needs_input_grad[index]:
                grads.append(None)
                continue
            others = [(s, t) for i, (s, t) in enumerate(zip(inputs_part, operands)) if i != index]
            available = set(output).union(*[set(s) for s, _ in others])
            # letters summed away inside this operand alone get the gradient broadcast along them
            kept = "".join(letter for letter in subscripts if letter in available)
            equation = ",".join([output] + [s for s, _ in others]) + "->" + kept
            grad = Einsum.apply(grad_out, *[t for _, t in others], equation=equation)
            grad = grad.reshape([operands[index].shape[subscripts.index(c)] if c in kept else 1 for c in subscripts])
            grads.append(grad.expand(operands[index].shape))
        return tuple(grads)


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def einsum(equation: str, *operands):
    """`lamina.einsum("bij,bjk->bik", a, b)`: NumPy/PyTorch einsum, differentiable.

    Ellipsis is supported; a subscript repeated within one operand (a trace or
    diagonal, such as "ii->i") is refused with ShapeError: its gradient is not
    implemented.
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    equation = equation.replace(" ", "")
    inputs_part, _, output = equation.partition("->")
    subscripts = inputs_part.split(",")
    if len(subscripts) != len(operands):
        raise ShapeError(
            f"einsum: equation '{equation}' names {len(subscripts)} operands but {len(operands)} were given."
        )
    subscripts, output, batch_letters = _expand_ellipsis(
        equation, subscripts, output if "->" in equation else None, operands
    )
    for s, operand in zip(subscripts, operands):
        if len(s) != operand.ndim:
            raise ShapeError(
                f"einsum: subscripts '{s}' name {len(s)} dims but the operand has shape {shape_str(operand.shape)}."
            )
        if len(set(s)) != len(s):
            raise ShapeError(
                f"einsum: repeated subscript in '{s}' (trace/diagonal) is not supported by lamina's einsum."
            )
    operands = _broadcast_batch_dims(subscripts, operands, batch_letters)
    sizes = {}
    for s, operand in zip(subscripts, operands):
        for letter, size in zip(s, operand.shape):
            if sizes.setdefault(letter, size) != size:
                raise ShapeError(
                    f"einsum: subscript '{letter}' has size {sizes[letter]} in one operand and {size} in another "
                    f"(equation '{equation}')."
                )
    common = operands[0].dtype
    for operand in operands[1:]:
        common = dtypes.promote_types(common, operand.dtype)
    operands = [cast(o, common) for o in operands]
    return Einsum.apply(*operands, equation=",".join(subscripts) + "->" + output)


def _expand_ellipsis(equation, subscripts, output, operands):
    """Replace '...' by explicit letters and make the output explicit (implicit mode: sorted singles)."""
    unused = [c for c in _LETTERS if c not in equation]
    batch_rank = max(
        (o.ndim - len(s.replace("...", "")) for s, o in zip(subscripts, operands) if "..." in s), default=0
    )
    batch_letters = "".join(unused[:batch_rank])
    expanded = []
    for s, operand in zip(subscripts, operands):
        if "..." in s:
            rank = operand.ndim - len(s.replace("...", ""))
            s = s.replace("...", batch_letters[batch_rank - rank :] if rank else "")
        expanded.append(s)
    if output is None:  # implicit mode: letters that appear once, in alphabetical order, after the batch dims
        counts = {}
        for s in expanded:
            for letter in s:
                counts[letter] = counts.get(letter, 0) + 1
        output = batch_letters + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in batch_letters))
    else:
        output = output.replace("...", batch_letters)
    return expanded, output, batch_letters


def _broadcast_batch_dims(subscripts, operands, batch_letters):
    """Dims under '...' broadcast (size 1 stretches), as in NumPy; expand them explicitly."""
    sizes = {}
    for s, operand in zip(subscripts, operands):
        for letter, size in zip(s, operand.shape):
            if letter in batch_letters and size != 1:
                sizes[letter] = size
    result = []
    for s, operand in zip(subscripts, operands):
        target = tuple(
            sizes.get(letter, size) if letter in batch_letters else size for letter, size in zip(s, operand.shape)
        )
        result.append(operand.expand(target) if target != operand.shape else operand)
    return result
