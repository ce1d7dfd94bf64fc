"""PyTorch's out= keyword: the same values as torch, written into out's memory, and torch's refusals."""

import warnings

import numpy as np
import pytest

import lamina
from lamina.errors import AutogradError, DTypeError

torch = pytest.importorskip("torch")

CASES = [
    ("add", lambda lib, a, b: (a, b)),
    ("mul", lambda lib, a, b: (a, b)),
    ("matmul", lambda lib, a, b: (a, b.T)),
    ("exp", lambda lib, a, b: (a,)),
    ("clamp", lambda lib, a, b: (a, -0.5, 0.5)),
    ("sum", lambda lib, a, b: (a, 1)),
    ("cumsum", lambda lib, a, b: (a, 0)),
    ("cat", lambda lib, a, b: ([a, b],)),
    ("stack", lambda lib, a, b: ([a, b],)),
    ("where", lambda lib, a, b: (a > 0, a, b)),
    ("softmax", lambda lib, a, b: (a, 1)),
]


@pytest.mark.parametrize("name,arguments", CASES, ids=[c[0] for c in CASES])
def test_out_matches_torch_and_is_written_in_place(name, arguments):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((3, 4)).astype(np.float32)
    expected = getattr(torch, name)(*arguments(torch, torch.tensor(a), torch.tensor(b)))
    out = lamina.empty(*expected.shape)
    alias = out.view(-1)  # a view of out's memory sees the result
    returned = getattr(lamina, name)(*arguments(lamina, lamina.tensor(a), lamina.tensor(b)), out=out)
    assert returned is out
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(alias.numpy(), out.numpy().reshape(-1))


def test_tuple_results_fill_a_tuple_of_outs():
    x = [[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]]
    values, indices = lamina.empty(2), lamina.empty(2, dtype=lamina.int64)
    lamina.max(lamina.tensor(x), 1, out=(values, indices))
    want = torch.max(torch.tensor(x), 1)
    assert values.tolist() == want.values.tolist() and indices.tolist() == want.indices.tolist()
    top_values, top_indices = lamina.empty(2, 2), lamina.empty(2, 2, dtype=lamina.int64)
    lamina.topk(lamina.tensor(x), 2, out=(top_values, top_indices))
    assert top_indices.tolist() == torch.topk(torch.tensor(x), 2).indices.tolist()


def test_torchs_refusals_and_resize():
    a = lamina.tensor([1.5, 2.5])
    with pytest.raises(DTypeError, match="result type float32 can't be cast to the desired output type int64"):
        lamina.add(a, a, out=lamina.empty(2, dtype=lamina.int64))
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):  # torch refuses it too
        torch.add(torch.tensor([1.5]), 1, out=torch.empty(1, dtype=torch.int64))
    grad = lamina.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(AutogradError, match="don't support automatic differentiation"):
        lamina.mul(grad, 2, out=lamina.empty(2))
    with lamina.no_grad():
        assert lamina.mul(grad, 2, out=lamina.empty(2)).tolist() == [2.0, 4.0]
    ints = lamina.empty(2)
    lamina.add(lamina.tensor([1, 2]), 1, out=ints)  # an int64 result into a float out: allowed, as in torch
    assert ints.dtype == lamina.float32 and ints.tolist() == [2.0, 3.0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        resized = lamina.mul(a, 2, out=lamina.zeros(5))
        empty = lamina.mul(a, 2, out=lamina.empty(0))
    assert resized.shape == (2,) and empty.tolist() == [3.0, 5.0]
    assert len(caught) == 1 and "resized" in str(caught[0].message)  # an empty out is resized silently
    with pytest.raises(TypeError, match="argument 'out' must be Tensor"):
        lamina.add(a, a, out=[0.0, 0.0])
