"""Activations, distances, resampling, padding and normalisation layers added for PyTorch programs (issue 17):
functional forms gradchecked and compared with torch by check_op, modules compared with torch's."""

import numpy as np
import pytest
from helpers import check_op, torch

import lamina
from lamina import nn


def F(lib):
    return lib.nn.functional


@pytest.mark.parametrize(
    "fn, shapes",
    [
        (lambda lib, x: F(lib).selu(x), [(3, 4)]),
        (lambda lib, x: F(lib).celu(x, 0.7), [(3, 4)]),
        (lambda lib, x: F(lib).mish(x), [(3, 4)]),
        (lambda lib, x: F(lib).hardswish(x), [(3, 4)]),
        (lambda lib, x: F(lib).hardsigmoid(x), [(3, 4)]),
        (lambda lib, x: F(lib).logsigmoid(x), [(3, 4)]),
        (lambda lib, x: F(lib).softsign(x), [(3, 4)]),
        (lambda lib, x: F(lib).tanhshrink(x), [(3, 4)]),
        (lambda lib, x: F(lib).softshrink(x, 0.3), [(3, 4)]),
        (lambda lib, x: F(lib).glu(x, 1), [(3, 4)]),
        (lambda lib, x: F(lib).softmin(x, 1), [(3, 4)]),
        (lambda lib, x, w: F(lib).prelu(x, w), [(2, 3, 4), (3,)]),
        (lambda lib, x: F(lib).normalize(x, dim=1), [(3, 4)]),
        (lambda lib, a, b: F(lib).cosine_similarity(a, b, dim=1), [(3, 4), (3, 4)]),
        (lambda lib, a, b: F(lib).pairwise_distance(a, b), [(3, 4), (3, 4)]),
        (lambda lib, x: F(lib).interpolate(x, scale_factor=2, mode="nearest"), [(1, 2, 3, 3)]),
        (lambda lib, x: F(lib).interpolate(x, size=(5, 4), mode="bilinear", align_corners=False), [(1, 2, 3, 3)]),
        (lambda lib, x: F(lib).interpolate(x, size=(5, 4), mode="bilinear", align_corners=True), [(1, 2, 3, 3)]),
        (lambda lib, x: F(lib).interpolate(x, scale_factor=1.5, mode="linear"), [(1, 2, 4)]),
        (lambda lib, x: F(lib).pixel_shuffle(x, 2), [(1, 8, 2, 3)]),
        (lambda lib, x: F(lib).pixel_unshuffle(x, 2), [(1, 2, 4, 6)]),
        (lambda lib, x: F(lib).instance_norm(x), [(2, 3, 4, 5)]),
        (lambda lib, x, w: F(lib).rms_norm(x, (4,), w), [(3, 4), (4,)]),
        (lambda lib, x: x.tan(), [(4,)]),
        (lambda lib, x: (x * 0.5).asin() + (x * 0.5).acos() + x.atan(), [(4,)]),
        (lambda lib, x: x.sinh() + x.cosh() + x.asinh(), [(4,)]),
        (lambda lib, x: (x.abs() + 1.5).acosh() + (x * 0.3).atanh(), [(4,)]),
        (lambda lib, a, b: lib.atan2(a, b), [(3, 1), (4,)]),
        (lambda lib, c, a, b: lib.addmm(c, a, b, beta=0.5, alpha=2.0), [(3, 2), (3, 4), (4, 2)]),
        (lambda lib, c, a, b: lib.baddbmm(c, a, b), [(2, 3, 2), (2, 3, 4), (2, 4, 2)]),
    ],
)
def test_functional_forms_match_torch(fn, shapes):
    check_op(fn, shapes)


@pytest.mark.skipif(torch is None, reason="compares with torch, which is not installed")
@pytest.mark.parametrize(
    "name, args",
    [
        ("ZeroPad2d", (1,)),
        ("ConstantPad1d", ((2, 1), 3.5)),
        ("ReflectionPad2d", ((1, 2, 0, 1),)),
        ("ReplicationPad1d", (2,)),
        ("CircularPad2d", (1,)),
        ("PixelShuffle", (2,)),
        ("Upsample", (None, 2)),
        ("UpsamplingBilinear2d", (None, 2)),
        ("InstanceNorm2d", (4,)),
        ("RMSNorm", ((5,),)),
        ("PReLU", ()),
        ("Threshold", (0.1, 2.0)),
        ("Hardshrink", ()),
    ],
)
def test_modules_match_torch(name, args):
    x = np.random.default_rng(0).standard_normal((2, 4, 3, 5))
    if name.endswith("1d"):
        x = x[:, :, 0]  # (N, C, L): PyTorch's 1-d padding takes no 4-D input
    ours = getattr(nn, name)(*args).double()(lamina.tensor(x)).numpy()
    theirs = getattr(torch.nn, name)(*args).double()(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(ours, theirs, atol=1e-12)


def test_parameter_containers_register_their_parameters():
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.weights = nn.ParameterList([lamina.ones(2), nn.Parameter(lamina.zeros(3))])
            self.named = nn.ParameterDict({"scale": lamina.ones(1)})

    model = Model()
    assert [name for name, _ in model.named_parameters()] == ["weights.0", "weights.1", "named.scale"]
    assert len(model.weights) == 2 and "scale" in model.named and model.weights[1].shape == (3,)


def test_more_data_pieces():
    from lamina.utils.data import ChainDataset, DataLoader, StackDataset, SubsetRandomSampler

    sampler = SubsetRandomSampler([3, 5, 7], generator=lamina.Generator().manual_seed(0))
    assert sorted(sampler) == [3, 5, 7] and len(sampler) == 3
    stacked = StackDataset(range(3), [10, 11, 12])
    assert stacked[1] == (1, 11) and StackDataset(a=range(2), b=range(2))[1] == {"a": 1, "b": 1}
    with pytest.raises(lamina.DataError, match="different lengths"):
        StackDataset(range(2), range(3))

    class Stream(lamina.data.IterableDataset):
        def __init__(self, values):
            self.values = values

        def __iter__(self):
            return iter(self.values)

    assert list(ChainDataset([Stream([1, 2]), Stream([3])])) == [1, 2, 3]
    batches = [sorted(b.tolist()) for b in DataLoader(range(6), batch_size=2, sampler=SubsetRandomSampler([0, 1]))]
    assert batches == [[0, 1]]
    assert lamina.autograd.Variable(lamina.ones(2), requires_grad=True).requires_grad
