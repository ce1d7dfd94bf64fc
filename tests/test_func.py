"""lamina.func (issue 17): functional_call (tied weights, buffers, restoring on error), grad / grad_and_value,
vmap, jacrev, hessian, against torch.func on the same functions and weights."""

import numpy as np
import pytest

import lamina

torch = pytest.importorskip("torch")


def _model(lib):
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2))
    return model


def _same_weights(ours, theirs):
    with torch.no_grad():
        for key, value in ours.state_dict().items():
            theirs.state_dict()[key].copy_(torch.from_numpy(value.numpy()))


def test_per_sample_gradients_through_functional_call_grad_and_vmap():
    ours, theirs = _model(lamina), _model(torch)
    _same_weights(ours, theirs)
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    y = np.random.default_rng(1).standard_normal((5, 2)).astype(np.float32)
    results = []
    for lib, model in ((lamina, ours), (torch, theirs)):
        params = {k: v.detach() for k, v in model.named_parameters()}

        def loss(p, sample, target, lib=lib, model=model):
            out = lib.func.functional_call(model, p, (sample.unsqueeze(0),))
            return ((out - target.unsqueeze(0)) ** 2).mean()

        per_sample = lib.func.vmap(lib.func.grad(loss), in_dims=(None, 0, 0))(params, lib.tensor(x), lib.tensor(y))
        results.append({k: v.detach().numpy() for k, v in per_sample.items()})
    assert results[0].keys() == results[1].keys()
    for key in results[0]:
        np.testing.assert_allclose(results[0][key], results[1][key], rtol=1e-5, atol=1e-6, err_msg=key)
    assert all(p.grad is None for p in ours.parameters())  # the module's own parameters untouched


def test_functional_call_replaces_tied_weights_and_buffers_then_restores():
    class Tied(lamina.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = lamina.nn.Embedding(4, 3)
            self.out = lamina.nn.Linear(3, 4, bias=False)
            self.out.weight = self.embed.weight
            self.norm = lamina.nn.BatchNorm1d(3)

        def forward(self, index):
            return self.out(self.norm(self.embed(index)))

    model = Tied().eval()
    weight = lamina.ones(4, 3)
    out = lamina.func.functional_call(model, {"embed.weight": weight, "norm.running_var": lamina.full((3,), 4.0)},
                                      lamina.tensor([0, 1]))  # fmt: skip
    np.testing.assert_allclose(out.detach().numpy(), np.full((2, 4), 1.5), rtol=1e-5)  # 3 * (1 / sqrt(4))
    assert model.out.weight is model.embed.weight and model.embed.weight is not weight
    with pytest.raises(lamina.ShapeError, match="no parameter or buffer named missing.weight"):
        lamina.func.functional_call(model, {"missing.weight": weight}, lamina.tensor([0]))
    with pytest.raises(IndexError):
        lamina.func.functional_call(model, {"embed.weight": weight}, lamina.tensor([9]))
    assert model.embed.weight is not weight  # restored after the error too


def test_grad_and_value_jacrev_hessian_match_torch():
    x = np.random.default_rng(2).standard_normal(4)
    results = []
    for lib in (lamina, torch):

        def f(v, lib=lib):
            return (v.sin() * v.exp()).sum()

        t = lib.tensor(x)
        gradient, value = lib.func.grad_and_value(f)(t)
        results.append([gradient.detach().numpy(), value.detach().numpy(),
                        lib.func.jacrev(lambda v: v.sin() * v.sum())(t).detach().numpy(),
                        lib.func.hessian(f)(t).detach().numpy()])  # fmt: skip
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    with pytest.raises(lamina.AutogradError, match="one element"):
        lamina.func.grad(lambda v: v * 2)(lamina.tensor(x))
    with pytest.raises(lamina.ShapeError, match="one size"):
        lamina.vmap(lambda a, b: a + b)(lamina.ones(2, 3), lamina.ones(3, 3))
