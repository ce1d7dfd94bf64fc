"""The margin, embedding and likelihood losses against torch: values and gradients (check_op, float64), every
reduction, the modules and their options, and the bad inputs each refuses by name."""

import numpy as np
import pytest
from helpers import check_op, compare_with_torch

import lamina

torch = pytest.importorskip("torch")

SIGNS = np.array([1.0, -1.0, -1.0, 1.0, 1.0])
REDUCTIONS = ["mean", "sum", "none"]


def _signs(lib, like):
    return lib.tensor(SIGNS, dtype=like.dtype, device=like.device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_ranking_hinge_soft_margin(reduction):
    check_op(
        lambda lib, a, b: lib.nn.functional.margin_ranking_loss(a, b, _signs(lib, a), 0.3, reduction=reduction),
        [(5,), (5,)],
    )
    check_op(
        lambda lib, x: lib.nn.functional.hinge_embedding_loss(x, _signs(lib, x), margin=0.7, reduction=reduction),
        [(5,)],
        away_from=0.7,
    )
    check_op(lambda lib, x: lib.nn.functional.soft_margin_loss(x, _signs(lib, x), reduction=reduction), [(5,)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.4])
def test_cosine_embedding(reduction, margin):
    check_op(
        lambda lib, a, b: lib.nn.functional.cosine_embedding_loss(a, b, _signs(lib, a), margin, reduction=reduction),
        [(5, 4), (5, 4)],
    )


@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("p", [1.0, 2.0])
def test_triplet_margin(swap, p):
    check_op(
        lambda lib, a, pos, neg: lib.nn.functional.triplet_margin_loss(a, pos, neg, margin=2.0, p=p, swap=swap),
        [(6, 3), (6, 3), (6, 3)],
    )
    check_op(lambda lib, a, pos, neg: lib.nn.TripletMarginLoss(reduction="sum")(a, pos, neg), [(3,), (3,), (3,)])


@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_multi_margin(p, weighted):
    def loss(lib, x):
        labels = lib.tensor([2, 0, 1, 2], device=x.device)
        weight = lib.tensor([0.5, 1.0, 2.0], dtype=x.dtype, device=x.device) if weighted else None
        return lib.nn.functional.multi_margin_loss(x, labels, p=p, margin=0.8, weight=weight)

    check_op(loss, [(4, 3)])
    check_op(lambda lib, x: lib.nn.MultiMarginLoss()(x, lib.tensor(1, device=x.device)), [(3,)])


def test_multilabel_soft_margin():
    target = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    check_op(
        lambda lib, x: lib.nn.functional.multilabel_soft_margin_loss(x, lib.tensor(target, device=x.device)), [(2, 3)]
    )
    check_op(
        lambda lib, x: lib.nn.MultiLabelSoftMarginLoss(
            weight=lib.tensor([1.0, 2.0, 0.5], dtype=x.dtype, device=x.device)
        )(x, lib.tensor(target, device=x.device)),
        [(2, 3)],
    )


@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
def test_poisson_nll(log_input, full):
    counts = np.array([0.0, 1.0, 3.0, 7.0])
    check_op(
        lambda lib, x: lib.nn.functional.poisson_nll_loss(
            x, lib.tensor(counts, device=x.device), log_input=log_input, full=full
        ),
        [(4,)],
        positive=not log_input,
    )
    check_op(
        lambda lib, x: lib.nn.PoissonNLLLoss(full=full, reduction="none")(x, lib.tensor(counts, device=x.device)),
        [(4,)],
    )


@pytest.mark.parametrize("var_shape", [(4, 3), (4,), (4, 1)])
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll(var_shape, full):
    check_op(
        lambda lib, x, t, v: lib.nn.functional.gaussian_nll_loss(x, t, v, full=full),
        [(4, 3), (4, 3), var_shape],
        positive=True,
    )
    tiny = [np.random.default_rng(1).standard_normal((3, 2)), np.zeros((3, 2)), np.full((3, 2), 1e-4)]
    # below eps the clamp passes var's gradient unchanged (torch's rule, not the derivative: no gradcheck)
    compare_with_torch(lambda lib, x, t, v: lib.nn.GaussianNLLLoss(eps=1e-3)(x, t, v), tiny)


def test_legacy_reduction_arguments():
    x = lamina.randn(5)
    summed = lamina.nn.MarginRankingLoss(size_average=False)(x, x * 0, lamina.tensor(SIGNS, dtype=lamina.float32))
    unreduced = lamina.nn.SoftMarginLoss(reduce=False)(x, lamina.tensor(SIGNS, dtype=lamina.float32))
    assert summed.shape == () and unreduced.shape == (5,)


def test_bad_inputs_are_named():
    x = lamina.randn(4, 3)
    with pytest.raises(ValueError, match="hinge_embedding_loss: every target must be 1 or -1"):
        lamina.nn.functional.hinge_embedding_loss(x[:, 0], lamina.tensor([1.0, 0.0, 1.0, -1.0]))
    with pytest.raises(lamina.ShapeError, match="margin_ranking_loss: input shape"):
        lamina.nn.functional.margin_ranking_loss(x[:, 0], x[:2, 0], lamina.ones(4))
    with pytest.raises(IndexError, match="multi_margin_loss: label 3 is out of range for 3 classes"):
        lamina.nn.functional.multi_margin_loss(x, lamina.tensor([0, 1, 3, 0]))
    with pytest.raises(lamina.ShapeError, match="multi_margin_loss: expected input"):
        lamina.nn.functional.multi_margin_loss(x, lamina.tensor([0.0, 1.0, 2.0, 0.0]))
    with pytest.raises(ValueError, match="multi_margin_loss: p must be 1 or 2"):
        lamina.nn.functional.multi_margin_loss(x, lamina.tensor([0, 1, 2, 0]), p=3)
    with pytest.raises(lamina.ShapeError, match="gaussian_nll_loss: var"):
        lamina.nn.functional.gaussian_nll_loss(x, x, lamina.ones(3))
    with pytest.raises(ValueError, match="gaussian_nll_loss: var has negative entries"):
        lamina.nn.functional.gaussian_nll_loss(x, x, -lamina.ones(4, 3))
    with pytest.raises(lamina.ShapeError, match="cosine_embedding_loss: expected inputs"):
        lamina.nn.functional.cosine_embedding_loss(x, x, lamina.ones(3))
    with pytest.raises(ValueError, match="soft_margin_loss: reduction must be one of"):
        lamina.nn.functional.soft_margin_loss(x, x, reduction="avg")
