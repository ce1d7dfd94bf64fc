"""Property tests against torch (issue 23): reductions over random shapes, dims and dtypes, empty tensors and
float16 included. lamina answers as torch does, or both refuse; lamina's error is a ShapeError/IndexError."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import lamina

torch = pytest.importorskip("torch")

REDUCTIONS = ["sum", "mean", "amax", "amin", "max", "min", "argmax", "argmin", "prod", "logsumexp", "var", "std"]
DTYPES = {"float32": (np.float32, 1e-5), "float64": (np.float64, 1e-10), "float16": (np.float16, 2e-2)}


@st.composite
def reduction_cases(draw):
    shape = draw(array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    op = draw(st.sampled_from(REDUCTIONS))
    dims = [None] + list(range(-len(shape), len(shape))) if shape else [None]
    dim = draw(st.sampled_from(dims))
    keepdim = draw(st.booleans())
    dtype = draw(st.sampled_from(sorted(DTYPES)))
    return shape, op, dim, keepdim, dtype


def call(library, tensor, op, dim, keepdim):
    if op in ("max", "min", "argmax", "argmin") and dim is None:
        return getattr(tensor, op)()
    if op == "logsumexp" and dim is None:
        dim = tuple(range(tensor.ndim))
    result = getattr(tensor, op)(dim=dim, keepdim=keepdim) if dim is not None else getattr(tensor, op)()
    return result.values if hasattr(result, "values") and not isinstance(result, library.Tensor) else result


@settings(max_examples=300, deadline=None)
@given(case=reduction_cases())
def test_reductions_agree_with_torch(case):
    shape, op, dim, keepdim, dtype_name = case
    dtype, tolerance = DTYPES[dtype_name]
    values = (np.random.default_rng(0).standard_normal(shape) * 3).astype(dtype)
    if op == "prod":
        values = (1 + values / 10).astype(dtype)  # products of small factors stay in float16's range
    try:
        theirs = call(torch, torch.tensor(values), op, dim, keepdim)
    except (RuntimeError, IndexError, ValueError):
        with pytest.raises((lamina.ShapeError, IndexError, ValueError)):
            call(lamina, lamina.tensor(values), op, dim, keepdim)
        return
    ours = call(lamina, lamina.tensor(values), op, dim, keepdim)
    assert tuple(ours.shape) == tuple(theirs.shape), (ours.shape, theirs.shape)
    assert ours.dtype.name == str(theirs.dtype).replace("torch.", ""), (ours.dtype, theirs.dtype)
    np.testing.assert_allclose(
        ours.numpy().astype(np.float64), theirs.numpy().astype(np.float64), rtol=tolerance, atol=tolerance
    )
