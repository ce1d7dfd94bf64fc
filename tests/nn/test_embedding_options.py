"""Embedding's and EmbeddingBag's max_norm and scale_grad_by_freq, Embedding.from_pretrained (issue 17):
outputs, renormalised weights and gradients equal to torch's from the same weights."""

import numpy as np
import pytest

import lamina

torch = pytest.importorskip("torch")

INDICES = np.array([[0, 2, 2, 5], [5, 5, 1, 2]])


def _both(make_ours, make_theirs, weight):
    ours = lamina.tensor(weight, requires_grad=True)
    theirs = torch.tensor(weight, requires_grad=True)
    out_ours, out_theirs = make_ours(ours), make_theirs(theirs)
    grad = np.random.default_rng(1).standard_normal(tuple(out_theirs.shape))
    out_ours.backward(lamina.tensor(grad))
    out_theirs.backward(torch.tensor(grad))
    np.testing.assert_allclose(out_ours.detach().numpy(), out_theirs.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)  # max_norm's renorm
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("max_norm,norm_type,by_freq", [(1.0, 2.0, False), (None, 2.0, True), (1.5, 1.0, True)])
def test_embedding_options_match_torch(max_norm, norm_type, by_freq):
    weight = np.random.default_rng(0).standard_normal((7, 3)) * 2
    kwargs = dict(max_norm=max_norm, norm_type=norm_type, scale_grad_by_freq=by_freq)
    _both(
        lambda w: lamina.nn.functional.embedding(lamina.tensor(INDICES), w, **kwargs),
        lambda w: torch.nn.functional.embedding(torch.tensor(INDICES), w, **kwargs),
        weight,
    )


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_options_match_torch(mode):
    weight = np.random.default_rng(2).standard_normal((7, 3)) * 2
    kwargs = dict(max_norm=1.2, scale_grad_by_freq=mode != "max", mode=mode)
    flat, offsets = INDICES.reshape(-1), np.array([0, 3, 5])
    _both(
        lambda w: lamina.nn.functional.embedding_bag(lamina.tensor(flat), w, lamina.tensor(offsets), **kwargs),
        lambda w: torch.nn.functional.embedding_bag(torch.tensor(flat), w, torch.tensor(offsets), **kwargs),
        weight,
    )


def test_embedding_layer_options_and_from_pretrained():
    weight = np.random.default_rng(3).standard_normal((5, 4))
    layer = lamina.nn.Embedding.from_pretrained(lamina.tensor(weight), max_norm=1.0)
    assert not layer.weight.requires_grad and layer.num_embeddings == 5
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(weight), max_norm=1.0)
    np.testing.assert_allclose(layer(lamina.tensor([1, 3])).numpy(), theirs(torch.tensor([1, 3])).numpy(), rtol=1e-12)
    trainable = lamina.nn.Embedding.from_pretrained(lamina.tensor(weight), freeze=False)
    assert trainable.weight.requires_grad
    with pytest.raises(ValueError, match="_weight has shape"):
        lamina.nn.Embedding(3, 4, _weight=lamina.ones(2, 4))
