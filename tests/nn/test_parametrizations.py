"""nn.utils.parametrize, parametrizations.weight_norm/spectral_norm and the older hook-based forms, against torch:
the same state_dict keys, outputs, gradients and power-iteration buffers, in training and eval mode."""

import numpy as np
import pytest
from layer_helpers import compare_layer, copy_weights_to_torch

import lamina
from lamina import nn
from lamina.nn.utils import parametrize

torch = pytest.importorskip("torch")


def x(*shape):
    return np.random.default_rng(sum(shape)).standard_normal(shape)


def layer(lib, kind):
    return {
        "linear": lambda: lib.nn.Linear(5, 4),
        "conv": lambda: lib.nn.Conv2d(3, 4, 3),
        "convT": lambda: lib.nn.ConvTranspose2d(3, 2, 3),
    }[kind]()


INPUTS = {"linear": (3, 5), "conv": (2, 3, 6, 6), "convT": (2, 3, 4, 4)}


def _normalised(lib, kind, how, **options):
    utils = lib.nn.utils
    wrap = {
        "weight_norm": utils.parametrizations.weight_norm,
        "spectral_norm": utils.parametrizations.spectral_norm,
        "old weight_norm": utils.weight_norm,
        "old spectral_norm": utils.spectral_norm,
    }[how]
    return wrap(layer(lib, kind), **options)


CASES = [
    ("weight_norm", "linear", {}),
    ("weight_norm", "conv", {"dim": 1}),
    ("weight_norm", "conv", {"dim": None}),
    ("spectral_norm", "linear", {}),
    ("spectral_norm", "conv", {"n_power_iterations": 3}),
    ("spectral_norm", "convT", {}),  # dim 1 by default for transposed convolutions
    ("old weight_norm", "linear", {}),
    ("old weight_norm", "conv", {"dim": None}),
    ("old spectral_norm", "linear", {}),
    ("old spectral_norm", "convT", {"n_power_iterations": 2}),
]


@pytest.mark.parametrize("how,kind,options", CASES, ids=[f"{h}-{k}-{o}" for h, k, o in CASES])
def test_normalised_layers_match_torch(how, kind, options):
    ours, theirs = compare_layer(
        lambda: _normalised(lamina, kind, how, **options),
        lambda: _normalised(torch, kind, how, **options),
        [x(*INPUTS[kind])],
    )
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert type(ours).__name__ == type(theirs).__name__  # ParametrizedLinear, or Linear for the older forms


@pytest.mark.parametrize("how", ["spectral_norm", "old spectral_norm", "weight_norm"])
def test_several_training_steps_match_torch(how):
    """Five SGD steps: the power iteration advances once per training call, the weights follow torch's."""
    ours, theirs = _normalised(lamina, "conv", how).double(), _normalised(torch, "conv", how).double()
    copy_weights_to_torch(ours, theirs)
    ours_opt = lamina.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    theirs_opt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    batch = x(2, 3, 6, 6)
    for _ in range(5):
        for model, opt, lib in ((ours, ours_opt, lamina), (theirs, theirs_opt, torch)):
            opt.zero_grad()
            (model(lib.tensor(batch)) ** 2).mean().backward()
            opt.step()
    theirs_state = theirs.state_dict()
    for key, value in ours.state_dict().items():
        np.testing.assert_allclose(value.numpy(), theirs_state[key].numpy(), rtol=1e-9, atol=1e-12, err_msg=key)
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_spectral_norm_gives_a_unit_largest_singular_value():
    lamina.manual_seed(0)
    model = nn.utils.parametrizations.spectral_norm(nn.Linear(20, 10), n_power_iterations=5)
    for _ in range(10):
        model(lamina.randn(1, 20))
    assert np.linalg.svd(model.weight.detach().numpy(), compute_uv=False)[0] == pytest.approx(1.0, rel=1e-4)
    model.eval()
    before = model.parametrizations.weight[0]._u.numpy().copy()
    model(lamina.randn(1, 20))
    np.testing.assert_array_equal(model.parametrizations.weight[0]._u.numpy(), before)  # eval: no iteration


class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)

    def right_inverse(self, A):
        return A.triu()


def test_register_assign_cache_and_remove_a_parametrization():
    model = nn.Linear(3, 3)
    parametrize.register_parametrization(model, "weight", Symmetric())
    assert parametrize.is_parametrized(model) and parametrize.is_parametrized(model, "weight")
    assert not parametrize.is_parametrized(model, "bias")
    assert parametrize.type_before_parametrizations(model) is nn.Linear and isinstance(model, nn.Linear)
    w = model.weight.detach().numpy()
    np.testing.assert_array_equal(w, w.T)
    target = lamina.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 5.0], [3.0, 5.0, 6.0]])
    model.weight = target  # through right_inverse: the original becomes its upper triangle
    np.testing.assert_array_equal(model.parametrizations.weight.original.numpy(), np.triu(target.numpy()))
    np.testing.assert_array_equal(model.weight.detach().numpy(), target.numpy())
    with parametrize.cached():
        assert model.weight is model.weight
    assert model.weight is not model.weight
    loss = model(lamina.ones(1, 3)).sum()
    loss.backward()
    assert model.parametrizations.weight.original.grad is not None
    parametrize.remove_parametrizations(model, "weight")
    assert type(model) is nn.Linear and isinstance(model.weight, nn.Parameter)
    np.testing.assert_array_equal(model.weight.detach().numpy(), target.numpy())
    assert list(model.state_dict()) == ["bias", "weight"]  # as torch: the parameter is registered again, last


def _symmetric_then_doubled(lib):
    class Symmetric(lib.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

    class Double(lib.nn.Module):
        def forward(self, X):
            return 2 * X

    model = lib.nn.Linear(3, 3)
    lib.nn.utils.parametrize.register_parametrization(model, "weight", Symmetric())
    lib.nn.utils.parametrize.register_parametrization(model, "weight", Double())  # chained after the first
    return model


def test_chained_parametrizations_match_torch():
    ours, theirs = compare_layer(
        lambda: _symmetric_then_doubled(lamina), lambda: _symmetric_then_doubled(torch), [x(2, 3)]
    )
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert len(ours.parametrizations.weight) == 2


def test_bad_parametrizations_are_refused_by_name():
    class Shrink(nn.Module):
        def forward(self, X):
            return X[:1]

    with pytest.raises(ValueError, match=r"must keep its shape and dtype \(\(3, 3\) .*unsafe=True"):
        parametrize.register_parametrization(nn.Linear(3, 3), "weight", Shrink())
    with pytest.raises(ValueError, match="has no parameter or buffer 'kernel'"):
        parametrize.register_parametrization(nn.Linear(3, 3), "kernel", Symmetric())
    with pytest.raises(TypeError, match="must be an nn.Module"):
        parametrize.register_parametrization(nn.Linear(3, 3), "weight", lambda w: w)
    with pytest.raises(ValueError, match="has no parametrization on 'weight'"):
        parametrize.remove_parametrizations(nn.Linear(3, 3), "weight")
    with pytest.raises(ValueError, match="n_power_iterations must be positive"):
        nn.utils.spectral_norm(nn.Linear(3, 3), n_power_iterations=0)
    with pytest.raises(RuntimeError, match="'weight' of Linear is already normalised"):
        nn.utils.weight_norm(nn.utils.weight_norm(nn.Linear(3, 3)))
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
        nn.utils.remove_weight_norm(nn.Linear(3, 3))


def test_removing_the_older_forms_leaves_torchs_parameter():
    ours, theirs = nn.utils.spectral_norm(nn.Linear(4, 3)).double(), torch.nn.utils.spectral_norm(torch.nn.Linear(4, 3))
    theirs = theirs.double()
    copy_weights_to_torch(ours, theirs)
    nn.utils.remove_spectral_norm(ours)
    torch.nn.utils.remove_spectral_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-12)
    ours = nn.utils.remove_weight_norm(nn.utils.weight_norm(nn.Linear(4, 3)))
    assert list(ours.state_dict()) == ["bias", "weight"] and isinstance(ours.weight, nn.Parameter)


def test_the_older_weight_norm_warns_as_torch_does():
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        nn.utils.weight_norm(nn.Linear(2, 2))
