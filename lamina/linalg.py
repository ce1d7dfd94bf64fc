"""lamina.linalg: PyTorch's torch.linalg names that everyday code uses (norms, inverse, determinant, solve)."""

from lamina.functional.matrices import norm as _norm
from lamina.ops.decompositions import det, inv, slogdet, solve


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The vector ord-norm over `dim` (all dims when None)."""
    return _norm(x, p=ord, dim=dim, keepdim=keepdim, dtype=dtype)


def matrix_norm(x, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """The Frobenius norm of the matrices over `dim` (the only ord lamina computes)."""
    if ord != "fro":
        raise ValueError(f"matrix_norm: lamina computes ord='fro' only; got {ord!r}.")
    return _norm(x, p="fro", dim=dim, keepdim=keepdim, dtype=dtype)


def norm(x, ord=None, dim=None, keepdim=False, *, dtype=None):
    """torch.linalg.norm: the 2-norm of a vector, the Frobenius norm of a matrix (ord None), or vector_norm."""
    if ord is None or ord == "fro":
        return _norm(x, p="fro", dim=dim, keepdim=keepdim, dtype=dtype)
    if isinstance(dim, (tuple, list)) and len(dim) == 2 or (dim is None and x.ndim == 2):
        raise ValueError(f"linalg.norm: matrix norms other than 'fro' are not in lamina; got ord={ord!r}.")
    return vector_norm(x, ord, dim, keepdim, dtype=dtype)


def matrix_power(a, n: int):
    """A^n by repeated squaring; n = 0 gives the identity, a negative n the inverse's power."""
    from lamina.functional.matrices import matrix_power as power

    return power(a, n)


__all__ = ["det", "inv", "matrix_norm", "matrix_power", "norm", "slogdet", "solve", "vector_norm"]
