"""EmbeddingBag against torch: every mode, 2-D bags and 1-D bags cut by offsets (with an empty bag and
include_last_offset), padding_idx, per_sample_weights; gradients to the weight and the per-sample weights."""

import numpy as np
import pytest
from helpers import check_op

import lamina

torch = pytest.importorskip("torch")

FLAT = np.array([1, 2, 4, 5, 4, 3, 2, 9])
OFFSETS = np.array([0, 4, 4, 6])  # the second bag is empty


def _bag(lib, w, mode, **options):
    flat, offsets = lib.tensor(FLAT, device=w.device), lib.tensor(OFFSETS, device=w.device)
    return lib.nn.functional.embedding_bag(flat, w, offsets, mode=mode, **options)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_offsets_with_an_empty_bag(mode):
    check_op(lambda lib, w: _bag(lib, w, mode), [(10, 3)])
    check_op(lambda lib, w: _bag(lib, w, mode, padding_idx=4), [(10, 3)])


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_two_dimensional_bags(mode):
    bags = np.array([[1, 2, 0], [4, 4, 9]])
    check_op(lambda lib, w: lib.nn.functional.embedding_bag(lib.tensor(bags, device=w.device), w, mode=mode), [(10, 4)])


def test_include_last_offset_and_per_sample_weights():
    ends = np.array([0, 3, 8])

    def loss(lib, w, weights):
        flat, offsets = lib.tensor(FLAT, device=w.device), lib.tensor(ends, device=w.device)
        return lib.nn.functional.embedding_bag(
            flat, w, offsets, mode="sum", per_sample_weights=weights, include_last_offset=True
        )

    check_op(loss, [(10, 3), (8,)])


def test_the_module_and_its_errors():
    lamina.manual_seed(0)
    bag = lamina.nn.EmbeddingBag(10, 3, mode="sum")
    out = bag(lamina.tensor(FLAT), lamina.tensor(OFFSETS))
    reference = torch.nn.functional.embedding_bag(
        torch.from_numpy(FLAT), torch.from_numpy(bag.weight.detach().numpy()), torch.from_numpy(OFFSETS), mode="sum"
    )
    np.testing.assert_allclose(out.detach().numpy(), reference.numpy(), rtol=1e-6)
    assert "mode='sum'" in repr(bag)
    with pytest.raises(ValueError, match="embedding_bag: mode must be 'sum', 'mean' or 'max'"):
        lamina.nn.functional.embedding_bag(lamina.tensor(FLAT), bag.weight, lamina.tensor(OFFSETS), mode="min")
    with pytest.raises(ValueError, match="embedding_bag: offsets must be None when input is 2-D"):
        bag(lamina.tensor(FLAT.reshape(2, 4)), lamina.tensor(OFFSETS))
    with pytest.raises(ValueError, match="embedding_bag: expects a 2-D input"):
        bag(lamina.tensor(FLAT))
    with pytest.raises(ValueError, match="per_sample_weights is only supported for mode='sum'"):
        lamina.nn.EmbeddingBag(10, 3)(lamina.tensor(FLAT), lamina.tensor(OFFSETS), lamina.ones(8))
    with pytest.raises(IndexError, match="embedding: index 12 is out of range"):
        bag(lamina.tensor([1, 12]), lamina.tensor([0]))
    with pytest.raises(ValueError, match="offsets\\[0\\] must be 0"):
        bag(lamina.tensor(FLAT), lamina.tensor([1, 4]))
