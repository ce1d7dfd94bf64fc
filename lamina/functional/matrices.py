"""Matrix composites at PyTorch's names: mm, bmm, mv, dot, outer, triangles, diagonals, trace, norms.

Each checks its operands' ranks (the point of mm/bmm over matmul is that they refuse the wrong rank)
and is built from primitives, so gradients, and second derivatives, come from those.
"""

import builtins

from lamina.errors import ShapeError, shape_str
from lamina.ops import elementwise, linalg, reduce, scan
from lamina.ops.decompositions import inv
from lamina.ops.indexing import getitem
from lamina.ops.movement import ConstantPad, permute
from lamina.ops.shapes import normalize_dim, normalize_dims
from lamina.tensor import Tensor


def _require_ndim(op: str, ndim: int, **operands):
    for name, tensor in operands.items():
        if tensor.ndim != ndim:
            raise ShapeError(f"{op}: {name} must be a {ndim}-D tensor; got shape {shape_str(tensor.shape)}.")


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """(n, m) @ (m, p) -> (n, p)."""
    _require_ndim("mm", 2, input=input, mat2=mat2)
    return linalg.matmul(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """(b, n, m) @ (b, m, p) -> (b, n, p); the batch sizes must match (no broadcasting, as PyTorch)."""
    _require_ndim("bmm", 3, input=input, mat2=mat2)
    if input.shape[0] != mat2.shape[0]:
        raise ShapeError(
            f"bmm: batch sizes differ: input {shape_str(input.shape)} and mat2 {shape_str(mat2.shape)}. "
            "Use matmul to broadcast the batch."
        )
    return linalg.matmul(input, mat2)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    _require_ndim("mv", 2, input=input)
    _require_ndim("mv", 1, vec=vec)
    return linalg.matmul(input, vec)


def dot(input: Tensor, other: Tensor) -> Tensor:
    _require_ndim("dot", 1, input=input, other=other)
    return linalg.matmul(input, other)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """(n,) x (m,) -> (n, m) with out[i, j] = input[i] * vec2[j]."""
    _require_ndim("outer", 1, input=input, vec2=vec2)
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


def _triangle(op: str, x: Tensor, diagonal: int, lower: bool) -> Tensor:
    if x.ndim < 2:
        raise ShapeError(f"{op}: input must have at least 2 dimensions; got shape {shape_str(x.shape)}.")
    xp = x.device.xp
    rows, cols = x.shape[-2:]
    keep = xp.tri(rows, cols, k=diagonal, dtype=bool) if lower else ~xp.tri(rows, cols, k=diagonal - 1, dtype=bool)
    return elementwise.where(Tensor._make(keep, x.device), x, x.new_zeros(()))


def tril(x: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle (on and below the `diagonal`-th diagonal) of the last two dims; zeros above."""
    return _triangle("tril", x, diagonal, lower=True)


def triu(x: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle (on and above the `diagonal`-th diagonal) of the last two dims; zeros below."""
    return _triangle("triu", x, diagonal, lower=False)


def diagonal(x: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The `offset`-th diagonal of the (dim1, dim2) planes, as a last dim (PyTorch's layout)."""
    if x.ndim < 2:
        raise ShapeError(f"diagonal: input must have at least 2 dimensions; got shape {shape_str(x.shape)}.")
    dim1, dim2 = normalize_dim("diagonal", dim1, x.ndim), normalize_dim("diagonal", dim2, x.ndim)
    if dim1 == dim2:
        raise ShapeError(f"diagonal: dim1 and dim2 must differ; both are {dim1}.")
    others = [d for d in range(x.ndim) if d not in (dim1, dim2)]
    planes = permute(x, (*others, dim1, dim2))  # (..., rows, cols)
    rows, cols = planes.shape[-2:]
    length = builtins.max(0, builtins.min(rows, cols - offset) if offset >= 0 else builtins.min(rows + offset, cols))
    xp = x.device.xp
    start_row, start_col = (0, offset) if offset >= 0 else (-offset, 0)
    row_index = xp.arange(start_row, start_row + length)
    col_index = xp.arange(start_col, start_col + length)
    return getitem(planes, (Ellipsis, Tensor._make(row_index, x.device), Tensor._make(col_index, x.device)))


_diagonal_of = diagonal  # diag's argument is named `diagonal` (PyTorch's signature)


def diag(x: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-D tensor -> the square matrix with it on the `diagonal`-th diagonal; a 2-D one -> that diagonal."""
    if x.ndim == 2:
        return _diagonal_of(x, diagonal)
    _require_ndim("diag", 1, input=x)
    n = x.shape[0]
    square = x.reshape(1, n) * x.new_tensor(x.device.xp.eye(n))  # column j holds x[j] on the diagonal
    k = builtins.abs(diagonal)
    widths = ((0, k), (k, 0)) if diagonal > 0 else ((k, 0), (0, k))
    return ConstantPad.apply(square, widths=widths, value=0) if k else square


def trace(x: Tensor) -> Tensor:
    _require_ndim("trace", 2, input=x)
    return reduce.Sum.apply(diagonal(x), dims=(0,), keepdim=False)


def norm(x: Tensor, p="fro", dim=None, keepdim=False, dtype=None) -> Tensor:
    """The vector p-norm over `dim` (all dims by default); 'fro' and 2 are the 2-norm, inf the max of |x|."""
    if dtype is not None:
        x = elementwise.cast(x, dtype)
    if not x.is_floating_point():
        raise ShapeError(f"norm: input must be a floating point tensor; got {x.dtype.name}. Convert with .float().")
    dims = normalize_dims("norm", dim, x.ndim)
    if p in ("fro", 2, 2.0, None):
        return scan.Norm2.apply(x, dims=dims, keepdim=keepdim)
    if p in (float("inf"), "inf"):
        return reduce.Amax.apply(x.abs(), dims=dims, keepdim=keepdim)
    if p in (float("-inf"), "-inf"):
        return reduce.Amin.apply(x.abs(), dims=dims, keepdim=keepdim)
    if p == 1:
        return reduce.Sum.apply(x.abs(), dims=dims, keepdim=keepdim)
    if p == 0:
        return reduce.Sum.apply(elementwise.cast(x != 0, x.dtype), dims=dims, keepdim=keepdim)
    if not isinstance(p, (int, float)) or isinstance(p, bool):
        raise ValueError(f"norm: p must be a number, 'fro' or inf; got {p!r}.")
    return reduce.Sum.apply(x.abs() ** p, dims=dims, keepdim=keepdim) ** (1.0 / p)


# --- more products and structured matrices ---
def tensordot(a: Tensor, b: Tensor, dims=2) -> Tensor:
    """Sum over the last `dims` dims of a and the first of b (or the two given lists of dims)."""
    if isinstance(dims, int):
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        dims_a, dims_b = [list(d) if not isinstance(d, int) else [d] for d in dims]
    dims_a = [d % a.ndim for d in dims_a]
    dims_b = [d % b.ndim for d in dims_b]
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    inner = 1
    for d in dims_a:
        inner *= a.shape[d]
    left = permute(a, (*free_a, *dims_a)).reshape(-1, inner)
    right = permute(b, (*dims_b, *free_b)).reshape(inner, -1)
    return linalg.matmul(left, right).reshape(*[a.shape[d] for d in free_a], *[b.shape[d] for d in free_b])


def inner(a: Tensor, b: Tensor) -> Tensor:
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return tensordot(a, b, ([-1], [-1]))


def vdot(a: Tensor, b: Tensor) -> Tensor:
    return dot(a, b)


ger = outer


def cross(a: Tensor, b: Tensor, dim=None) -> Tensor:
    """The 3-vector cross product along dim (the first dim of size 3 when dim is None)."""
    if dim is None:
        dim = next((i for i, s in enumerate(a.shape) if s == 3), None)
        if dim is None:
            raise ShapeError(f"cross: no dimension of size 3 in shape {shape_str(a.shape)}.")
    if a.shape[dim] != 3:
        raise ShapeError(f"cross: dimension {dim} must have size 3; got shape {shape_str(a.shape)}.")
    a0, a1, a2 = a.unbind(dim)
    b0, b1, b2 = b.unbind(dim)
    from lamina.functional import stack

    return stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], dim)


def kron(a: Tensor, b: Tensor) -> Tensor:
    """The Kronecker product of two matrices (or vectors)."""
    if a.ndim != b.ndim or a.ndim not in (1, 2):
        raise ShapeError(
            f"kron: expects two 1-D or two 2-D tensors; got {shape_str(a.shape)} and {shape_str(b.shape)}."
        )
    if a.ndim == 1:
        return (a.reshape(-1, 1) * b.reshape(1, -1)).reshape(-1)
    (m, n), (p, q) = a.shape, b.shape
    return (a.reshape(m, 1, n, 1) * b.reshape(1, p, 1, q)).reshape(m * p, n * q)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0) -> Tensor:
    """Pairwise p-norm distances between the rows of x1 (.., P, M) and x2 (.., R, M) -> (.., P, R)."""
    differences = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return norm(differences, p, dim=-1)


def _triangle_indices(row, col, offset, lower):
    from lamina.creation import tensor

    indices = [(i, j) for i in range(row) for j in range(col) if (j - i <= offset if lower else j - i >= offset)]
    rows = [i for i, _ in indices]
    cols = [j for _, j in indices]
    return tensor([rows, cols]) if indices else tensor([[], []]).long()


def tril_indices(row: int, col: int, offset: int = 0, **_) -> Tensor:
    return _triangle_indices(row, col, offset, lower=True)


def triu_indices(row: int, col: int, offset: int = 0, **_) -> Tensor:
    return _triangle_indices(row, col, offset, lower=False)


def block_diag(*tensors) -> Tensor:
    """The matrices on the diagonal of one block matrix, zeros elsewhere."""
    from lamina.ops.movement import cat

    matrices = [t.reshape(1, -1) if t.ndim == 1 else t.reshape(1, 1) if t.ndim == 0 else t for t in tensors]
    width = builtins.sum(m.shape[1] for m in matrices)
    rows, offset = [], 0
    for m in matrices:
        rows.append(ConstantPad.apply(m, widths=((0, 0), (offset, width - offset - m.shape[1])), value=0))
        offset += m.shape[1]
    return cat(rows, 0)


def diag_embed(x: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The last dim of x on the diagonal of new (dim1, dim2) planes (dims -2, -1 only)."""
    if (dim1, dim2) != (-2, -1):
        raise ValueError("diag_embed: only dim1=-2, dim2=-1 are supported in lamina.")
    n = x.shape[-1] + builtins.abs(offset)
    eye = x.new_tensor(x.device.xp.eye(n, k=offset))  # (n, n): ones on the offset-th diagonal
    # (..., 1, n): x shifted so that column j holds the value the diagonal takes in column j
    widths = ((0, 0),) * (x.ndim - 1) + ((0, 0), (builtins.max(offset, 0), builtins.max(-offset, 0)))
    return ConstantPad.apply(x.unsqueeze(-2), widths=widths, value=0) * eye


def cartesian_prod(*tensors) -> Tensor:
    from lamina.functional import stack
    from lamina.functional.shaping import meshgrid

    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1) if len(grids) > 1 else tensors[0]


def diagflat(x: Tensor, offset: int = 0) -> Tensor:
    """The square matrix with x's elements (flattened) on its `offset`-th diagonal."""
    return diag(x.reshape(-1), offset)


def dist(a: Tensor, b: Tensor, p=2) -> Tensor:
    """The p-norm of a - b (broadcast)."""
    return norm(a - b, p)


def take(x: Tensor, index: Tensor) -> Tensor:
    """x's elements at the flat (row-major) positions in index, shaped as index; negative positions count from
    the end."""
    if not isinstance(index, Tensor) or index.array.dtype.kind not in "iu":
        raise ShapeError(f"take: index must be an integer tensor; got {getattr(index, 'dtype', type(index))}.")
    return getitem(x.reshape(-1), index)


def matrix_power(a: Tensor, n: int) -> Tensor:
    """A^n for square (..., m, m) a, by repeated squaring; n = 0 gives the identity, a negative n (A^-1)^|n|."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"matrix_power: n must be an int; got {type(n).__name__}.")
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ShapeError(f"matrix_power: expects square matrices (..., m, m); got {shape_str(a.shape)}.")
    if n == 0:  # the identity, linked to a with a zero gradient (as PyTorch's result, which requires grad too)
        eye = Tensor._make(a.device.xp.eye(a.shape[-1], dtype=a.array.dtype), a.device)
        everywhere = Tensor._make(a.device.xp.ones(a.shape, dtype=bool), a.device)
        return elementwise.where(everywhere, eye.expand(*a.shape), a)
    base, n = (inv(a), -n) if n < 0 else (a, n)
    result = None
    while n:
        if n & 1:
            result = base if result is None else linalg.matmul(result, base)
        n >>= 1
        if n:
            base = linalg.matmul(base, base)
    return result


def cov(x: Tensor, *, correction: int = 1, fweights=None, aweights=None) -> Tensor:
    """The covariance of the rows of x (variables) over its columns (observations), as torch.cov; a 1-D x is
    one variable. fweights (integer counts) and aweights (weights) per observation, as NumPy's cov."""
    if x.ndim > 2:
        raise ShapeError(f"cov: expects a 1-D or 2-D input; got {shape_str(x.shape)}.")
    rows = x.reshape(1, -1) if x.ndim < 2 else x
    if not rows.is_floating_point():
        rows = rows.float()
    weights = None
    for given in (fweights, aweights):
        if given is not None:
            weights = given if weights is None else weights * given
    if weights is None:
        total = rows.shape[1]
        mean = rows.mean(1, keepdim=True)
        normaliser = total - correction
    else:
        total = weights.sum()  # (float weights promote the result's dtype, as PyTorch)
        mean = (rows * weights).sum(1, keepdim=True) / total
        if correction == 0:
            normaliser = total
        elif aweights is None:
            normaliser = total - correction
        else:
            normaliser = total - correction * (weights * aweights).sum() / total
    centred = rows - mean
    weighted = centred if weights is None else centred * weights
    result = linalg.matmul(weighted, centred.transpose(0, 1)) / normaliser
    return result.reshape(()) if x.ndim < 2 else result


def corrcoef(x: Tensor) -> Tensor:
    """Pearson correlation coefficients of the rows of x, clipped to [-1, 1] as torch.corrcoef."""
    c = cov(x)
    if c.ndim == 0:
        return c / c
    std = diagonal(c).sqrt()
    return (c / std.reshape(-1, 1) / std.reshape(1, -1)).clamp(-1, 1)
