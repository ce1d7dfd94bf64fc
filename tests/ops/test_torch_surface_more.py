"""The third batch of PyTorch's names (issue 17): rearrangements, products, pointwise functions, settings;
differentiable ones gradchecked and compared with torch by check_op, the rest compared with torch directly."""

import numpy as np
import pytest
from helpers import check_op, torch

import lamina


@pytest.mark.parametrize(
    "fn, shapes",
    [
        (lambda lib, x: lib.movedim(x, 0, -1), [(2, 3, 4)]),
        (lambda lib, x: lib.swapaxes(x, 0, 2), [(2, 3, 4)]),
        (lambda lib, x: x.tile((2, 1)), [(2, 3)]),
        (lambda lib, x: lib.hstack([x, x]), [(2, 3)]),
        (lambda lib, x: lib.vstack([x, x]), [(3,)]),
        (lambda lib, x: lib.dstack([x, x]), [(2, 3)]),
        (lambda lib, x: lib.column_stack([x, x]), [(3,)]),
        (lambda lib, x: lib.rot90(x, 1, (0, 1)), [(2, 3)]),
        (lambda lib, x: lib.rot90(x, 3, (1, 2)), [(2, 3, 4)]),
        (lambda lib, x: lib.fliplr(x) + lib.flipud(x), [(3, 3)]),
        (lambda lib, x: lib.stack(lib.tensor_split(x, 3, dim=1)[:2], 0), [(2, 6)]),
        (lambda lib, x: x.diff(dim=1), [(3, 5)]),
        (lambda lib, x: x.diff(n=2, dim=0), [(5, 2)]),
        (lambda lib, a, b: lib.tensordot(a, b, 2), [(2, 3, 4), (3, 4, 5)]),
        (lambda lib, a, b: lib.tensordot(a, b, ([0], [1])), [(3, 4), (2, 3)]),
        (lambda lib, a, b: lib.inner(a, b), [(2, 4), (3, 4)]),
        (lambda lib, a, b: lib.cross(a, b, dim=1), [(2, 3), (2, 3)]),
        (lambda lib, a, b: lib.kron(a, b), [(2, 3), (2, 2)]),
        (lambda lib, a, b: lib.cdist(a, b), [(4, 3), (5, 3)]),
        (lambda lib, x: lib.diag_embed(x, 1), [(2, 3)]),
        (lambda lib, a, b: lib.block_diag(a, b), [(2, 3), (1, 2)]),
        (lambda lib, a, b: lib.logaddexp(a, b), [(4,), (4,)]),
        (lambda lib, a, b: lib.xlogy(a, b), [(4,), (4,)]),
        (lambda lib, x: lib.logit(x.sigmoid()), [(4,)]),
        (lambda lib, x: lib.erfc(x) + lib.deg2rad(x), [(4,)]),
        (lambda lib, x: lib.quantile(x, 0.3, dim=1), [(3, 5)]),
        (lambda lib, x: lib.nan_to_num(x), [(4,)]),
    ],
)
def test_names_match_torch(fn, shapes):
    check_op(fn, shapes, positive=True)


@pytest.mark.skipif(torch is None, reason="compares with torch, which is not installed")
def test_non_differentiable_names_match_torch():
    data = np.array([[1.0, np.nan, np.inf], [-np.inf, 0.0, 2.0]])
    assert np.array_equal(lamina.tensor(data).nan_to_num().numpy(), torch.tensor(data).nan_to_num().numpy())
    values = [1, 1, 2, 2, 2, 3, 1]
    ours = lamina.unique_consecutive(lamina.tensor(values), return_inverse=True, return_counts=True)
    theirs = torch.unique_consecutive(torch.tensor(values), return_inverse=True, return_counts=True)
    assert [t.tolist() for t in ours] == [t.tolist() for t in theirs]
    assert lamina.count_nonzero(lamina.tensor([[0, 1], [2, 0]]), 0).tolist() == [1, 1]
    assert lamina.isin(lamina.tensor([1, 2, 3]), lamina.tensor([2])).tolist() == [False, True, False]
    assert lamina.tril_indices(3, 4, 1).tolist() == torch.tril_indices(3, 4, 1).tolist()
    assert lamina.triu_indices(4, 3, -1).tolist() == torch.triu_indices(4, 3, -1).tolist()
    assert lamina.fmod(lamina.tensor([-3.0, 3.0]), 2.0).tolist() == torch.fmod(torch.tensor([-3.0, 3.0]), 2.0).tolist()
    assert lamina.cartesian_prod(lamina.tensor([1, 2]), lamina.tensor([3, 4])).tolist() == (
        torch.cartesian_prod(torch.tensor([1, 2]), torch.tensor([3, 4])).tolist()
    )
    assert [t.shape for t in lamina.broadcast_tensors(lamina.ones(3, 1), lamina.ones(4))] == [(3, 4), (3, 4)]
    assert lamina.quantile(lamina.tensor([1.0, 2.0, 3.0, 4.0]), lamina.tensor([0.25, 0.5])).tolist() == (
        torch.quantile(torch.tensor([1.0, 2.0, 3.0, 4.0]), torch.tensor([0.25, 0.5])).tolist()
    )
    x = lamina.zeros(3, 3).fill_diagonal_(5.0)
    assert x.tolist() == torch.zeros(3, 3).fill_diagonal_(5.0).tolist()
    assert lamina.nansum(lamina.tensor([1.0, float("nan"), 2.0])).item() == 3.0
    assert lamina.logspace(0, 2, 3).tolist() == pytest.approx(torch.logspace(0, 2, 3).tolist())


def test_settings_and_aliases():
    assert lamina.add(lamina.ones(1), 2).item() == 3 and lamina.eq(lamina.ones(2), 1).all()
    assert lamina.Size([2, 3]).numel() == 6 and lamina.pi == pytest.approx(3.14159265)
    lamina.manual_seed(123)
    assert lamina.initial_seed() == 123
    assert lamina.promote_types(lamina.int64, lamina.float32) is lamina.float32
    assert lamina.result_type(lamina.ones(1, dtype=lamina.int64), 1.5) is lamina.float32
    assert lamina.can_cast(lamina.int64, lamina.float32) and not lamina.can_cast(lamina.float32, lamina.int64)
    lamina.use_deterministic_algorithms(True)
    lamina.set_float32_matmul_precision("high")
    assert lamina.get_float32_matmul_precision() == "high"
    lamina.set_float32_matmul_precision("highest")  # the default again: "high" changes 3x3 convolutions
    assert lamina.get_default_device().type == "cpu" and lamina.get_num_threads() >= 1
    if not lamina.cuda.is_available():
        with pytest.raises(lamina.DeviceError, match="'cuda' is not available"):
            lamina.set_default_device("cuda")
