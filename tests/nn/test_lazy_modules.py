"""The lazy layers (issue 17): input size read from the first input or from a state_dict loaded before it,
the same Parameter objects kept, the full class afterwards, and torch's shapes and results."""

import numpy as np
import pytest

import lamina

torch = pytest.importorskip("torch")
nn = lamina.nn

LAYERS = [  # lazy class, its arguments, an input shape, the full layer's first argument
    ("LazyConv1d", (4, 3), {}, (2, 5, 9)),
    ("LazyConv2d", (8, 3), {"padding": 1}, (2, 3, 6, 6)),
    ("LazyConv2d", (8, 3), {"groups": 2}, (2, 4, 5, 5)),
    ("LazyConvTranspose2d", (4, 3), {"stride": 2}, (2, 3, 5, 5)),
    ("LazyConvTranspose1d", (4, 3), {"padding": 1, "output_padding": 1, "stride": 2}, (2, 3, 7)),
    ("LazyBatchNorm1d", (), {}, (4, 6)),
    ("LazyBatchNorm2d", (), {"momentum": 0.3}, (4, 3, 2, 2)),
    ("LazyInstanceNorm1d", (), {"affine": True}, (2, 3, 7)),
    ("LazyInstanceNorm2d", (), {}, (2, 3, 4, 4)),
    ("LazyLinear", (3,), {}, (4, 5)),
]


@pytest.mark.parametrize("name,args,kwargs,shape", LAYERS)
def test_lazy_layer_becomes_torchs_full_layer(name, args, kwargs, shape):
    ours = getattr(nn, name)(*args, **kwargs)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    before = dict(ours.named_parameters())
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    y = ours(lamina.tensor(x))
    theirs(torch.from_numpy(x))  # materialise torch's, then give it lamina's values
    assert type(ours).__name__ == type(theirs).__name__
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()
    }
    assert all(ours._parameters[k] is p for k, p in before.items())  # an optimizer made before keeps them
    with torch.no_grad():
        for key, value in ours.state_dict().items():
            theirs.state_dict()[key].copy_(torch.from_numpy(value.numpy()))
    theirs.train()
    np.testing.assert_allclose(y.detach().numpy(), theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-4, atol=1e-5)


def test_a_state_dict_loads_into_lazy_layers_before_their_first_call():
    full = nn.Sequential(nn.Conv2d(3, 8, 3, groups=1), nn.BatchNorm2d(8), nn.Flatten(), nn.Linear(8 * 4 * 4, 5))
    full(lamina.randn(4, 3, 6, 6))  # running statistics that are not the initial ones
    lazy = nn.Sequential(nn.LazyConv2d(8, 3), nn.LazyBatchNorm2d(), nn.Flatten(), nn.LazyLinear(5))
    assert lazy.load_state_dict(full.state_dict()) == ([], [])
    assert type(lazy[0]) is nn.Conv2d and lazy[3].in_features == 128
    full.eval(), lazy.eval()
    x = lamina.randn(2, 3, 6, 6)
    np.testing.assert_array_equal(lazy(x).detach().numpy(), full(x).detach().numpy())
    grouped = nn.Sequential(nn.LazyConv2d(6, 3, groups=3))
    grouped.load_state_dict(nn.Sequential(nn.Conv2d(9, 6, 3, groups=3)).state_dict())
    assert grouped[0].in_channels == 9


def test_lazy_layers_follow_to_and_keep_optimizer_parameters():
    layer = nn.LazyConv2d(4, 3).double()
    optimizer = lamina.optim.SGD(layer.parameters(), lr=0.1)
    out = layer(lamina.randn(2, 3, 5, 5, dtype=lamina.float64))
    assert layer.weight.dtype is lamina.float64 and layer.weight.shape == (4, 3, 3, 3)
    before = layer.weight.detach().numpy().copy()
    out.sum().backward()
    optimizer.step()
    assert not np.array_equal(before, layer.weight.detach().numpy())


def test_lazy_layers_refuse_bad_arguments_and_inputs_clearly():
    with pytest.raises(TypeError, match="kernel_size"):
        nn.LazyConv2d(4)  # no kernel size: named at construction, as a Conv2d would
    with pytest.raises(lamina.ShapeError, match=r"LazyConv2d: expects a 4-d \(batched\) or 3-d input"):
        nn.LazyConv2d(4, 3)(lamina.randn(5, 5))
    with pytest.raises(lamina.ShapeError, match="LazyBatchNorm2d: expects a 4-d input"):
        nn.LazyBatchNorm2d()(lamina.randn(2, 3))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups|groups"):
        nn.LazyConv2d(4, 3, groups=2)(lamina.randn(1, 3, 5, 5))


@pytest.mark.parametrize("name,shape", [("InstanceNorm1d", (3, 4, 9)), ("InstanceNorm2d", (3, 4, 5, 5))])
def test_instance_norm_running_statistics_match_torch_over_steps(name, shape):
    ours = getattr(nn, name)(4, momentum=0.2, affine=True, track_running_stats=True)
    theirs = getattr(torch.nn, name)(4, momentum=0.2, affine=True, track_running_stats=True)
    rng = np.random.default_rng(1)
    for _ in range(3):
        x = (rng.standard_normal(shape) * 2 + 0.5).astype(np.float32)
        np.testing.assert_allclose(
            ours(lamina.tensor(x)).detach().numpy(), theirs(torch.from_numpy(x)).detach().numpy(), atol=1e-5
        )
    for key in ("running_mean", "running_var", "num_batches_tracked"):
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), theirs.state_dict()[key].numpy(), rtol=1e-5)
    ours.eval(), theirs.eval()
    x = rng.standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(
        ours(lamina.tensor(x)).detach().numpy(), theirs(torch.from_numpy(x)).detach().numpy(), atol=1e-5
    )
    with pytest.raises(ValueError, match="use_input_stats=False needs running_mean"):
        nn.functional.instance_norm(lamina.randn(*shape), use_input_stats=False)
