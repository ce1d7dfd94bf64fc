"""Losses against torch and finite differences, and the target checks of BAD_INPUTS rows 8-10, 12, 15."""

import numpy as np
import pytest
from helpers import check_op

import lamina

rng = np.random.default_rng(0)
LOGITS = rng.standard_normal((5, 4))
LABELS = np.array([0, 3, 1, 1, 2])


def F(lib):
    return lib.nn.functional


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"label_smoothing": 0.1},
        {"ignore_index": 1},
        {"weight": "w"},
        {"weight": "w", "label_smoothing": 0.2, "ignore_index": 3},
    ],
    ids=["plain", "smoothing", "ignore", "weight", "all"],
)
def test_cross_entropy_class_indices(kwargs, reduction):
    weight = np.array([0.5, 1.0, 2.0, 1.5])

    def fn(lib, x, t):
        options = {k: (x.new_tensor(weight) if v == "w" else v) for k, v in kwargs.items()}  # weights are constants
        return F(lib).cross_entropy(x, t, reduction=reduction, **options)

    check_op(fn, arrays=[LOGITS, LABELS], gradgrad=kwargs == {} and reduction == "mean")


def test_cross_entropy_probabilities_and_spatial():
    probs = rng.dirichlet(np.ones(4), size=5)
    check_op(lambda lib, x, p: F(lib).cross_entropy(x, p), arrays=[LOGITS, probs])
    check_op(lambda lib, x, p: F(lib).cross_entropy(x, p, label_smoothing=0.1, reduction="sum"), arrays=[LOGITS, probs])
    spatial = rng.standard_normal((2, 3, 4, 5))
    targets = rng.integers(0, 3, (2, 4, 5))
    check_op(lambda lib, x, t: F(lib).cross_entropy(x, t), arrays=[spatial, targets])
    check_op(lambda lib, x, t: F(lib).cross_entropy(x, t), arrays=[LOGITS[0], np.array(2)])  # unbatched


def test_nll_loss():
    check_op(lambda lib, x, t: F(lib).nll_loss(x.log_softmax(1), t, ignore_index=0), arrays=[LOGITS, LABELS])


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses(name, reduction):
    check_op(lambda lib, x, t: getattr(F(lib), name)(x, t, reduction=reduction), [(4, 3), (4, 3)], seed=3)


def test_smooth_l1_and_huber_parameters():
    check_op(lambda lib, x, t: F(lib).smooth_l1_loss(x, t, beta=0.5) + F(lib).huber_loss(x, t, delta=2.0), [(6,), (6,)])


def test_binary_cross_entropies():
    probabilities = rng.uniform(0.05, 0.95, (4, 3))
    targets = rng.uniform(0, 1, (4, 3))
    check_op(lambda lib, p, t: F(lib).binary_cross_entropy(p, t), arrays=[probabilities, targets])
    weight, pos_weight = rng.uniform(0.5, 2, (3,)), rng.uniform(0.5, 2, (3,))
    check_op(
        lambda lib, p, t: F(lib).binary_cross_entropy(p, t, weight=p.new_tensor(weight), reduction="sum"),
        arrays=[probabilities, targets],
    )
    check_op(
        lambda lib, x, t: F(lib).binary_cross_entropy_with_logits(x * 5, t, pos_weight=x.new_tensor(pos_weight)),
        arrays=[rng.standard_normal((4, 3)), targets],
        gradgrad=True,
    )


def test_bce_with_logits_is_stable():
    x = lamina.tensor([-1000.0, 1000.0])
    t = lamina.tensor([0.0, 1.0])
    assert F(lamina).binary_cross_entropy_with_logits(x, t).item() == 0.0


@pytest.mark.parametrize("reduction", ["batchmean", "sum", "mean", "none"])
def test_kl_div(reduction):
    target = rng.dirichlet(np.ones(4), size=3)
    target[0, 1] = 0.0  # 0 log 0 = 0
    # the target holds a 0 (where d/dt of t log t is infinite): a constant here
    check_op(
        lambda lib, x: F(lib).kl_div(x.log_softmax(1), x.new_tensor(target), reduction=reduction),
        arrays=[rng.standard_normal((3, 4))],
    )
    check_op(
        lambda lib, x, t: F(lib).kl_div(x.log_softmax(1), t.log_softmax(1), reduction=reduction, log_target=True),
        [(3, 4), (3, 4)],
    )


def test_row_08_float_class_labels():
    with pytest.raises(lamina.DTypeError, match="expected target dtype to be int64 .* got float32"):
        F(lamina).cross_entropy(lamina.zeros(4, 3), lamina.zeros(4))
    with pytest.raises(lamina.DTypeError, match="expected target dtype"):
        F(lamina).nll_loss(lamina.zeros(4, 3), lamina.zeros(4))


def test_row_09_label_out_of_range_names_value_classes_and_position():
    with pytest.raises(IndexError, match=r"Target 3 is out of bounds: the input has 3 classes .* batch position 1"):
        F(lamina).cross_entropy(lamina.zeros(2, 3), lamina.tensor([0, 3]))
    with pytest.raises(IndexError, match=r"Target -5 is out of bounds"):
        F(lamina).nll_loss(lamina.zeros(2, 3), lamina.tensor([-5, 0]))
    assert F(lamina).cross_entropy(lamina.zeros(2, 3), lamina.tensor([-100, 0])).item() == pytest.approx(np.log(3))
    with pytest.raises(IndexError, match=r"Target 7 is out of bounds.* batch position \(1, 0\)"):  # (N, d) labels
        F(lamina).cross_entropy(lamina.zeros(2, 3, 2), lamina.tensor([[0, 1], [7, 2]], dtype="int32"))
    with pytest.raises(IndexError, match=r"Target 5 is out of bounds.* the \(unbatched\) target"):
        F(lamina).cross_entropy(lamina.zeros(3), lamina.tensor(5))


def test_row_10_batch_size_mismatch():
    with pytest.raises(ValueError, match=r"Expected input batch_size \(4\) to match target batch_size \(3\)"):
        F(lamina).cross_entropy(lamina.zeros(4, 3), lamina.tensor([0, 1, 2]))


def test_row_12_target_shape_broadcasting_is_an_error():
    with pytest.raises(lamina.ShapeError, match=r"input shape \(4, 1\) and target shape \(4,\) differ"):
        F(lamina).mse_loss(lamina.zeros(4, 1), lamina.zeros(4))
    for name in ("l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy_with_logits", "kl_div"):
        with pytest.raises(lamina.ShapeError):
            getattr(F(lamina), name)(lamina.zeros(4, 1), lamina.zeros(4))


def test_row_15_empty_batch_mean_raises_data_error():
    with pytest.raises(lamina.DataError, match="empty batch"):
        F(lamina).cross_entropy(lamina.zeros(0, 3), lamina.zeros(0, dtype=lamina.int64))
    with pytest.raises(lamina.DataError, match="empty batch"):
        F(lamina).mse_loss(lamina.zeros(0), lamina.zeros(0))
    assert F(lamina).mse_loss(lamina.zeros(0), lamina.zeros(0), reduction="sum").item() == 0.0


def test_loss_modules_match_functions():
    x, t = lamina.tensor(LOGITS), lamina.tensor(LABELS)
    assert (
        lamina.nn.CrossEntropyLoss(label_smoothing=0.1)(x, t).item()
        == F(lamina).cross_entropy(x, t, label_smoothing=0.1).item()
    )
    assert lamina.nn.MSELoss(reduction="sum")(x, x * 2).item() == pytest.approx(float((LOGITS**2).sum()))
    with pytest.raises(ValueError, match="reduction must be one of"):
        lamina.nn.MSELoss(reduction="avg")
