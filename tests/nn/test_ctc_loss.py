"""CTC loss (issue 17: speech models' loss): values and gradients against torch (check_op: gradcheck too),
padded and concatenated targets, repeated labels, another blank, shorter inputs, impossible alignments."""

import numpy as np
import pytest
from helpers import check_op

import lamina

torch = pytest.importorskip("torch")

TARGETS = np.array([[1, 2, 2, 3], [3, 3, 3, 3], [4, 1, 4, 2], [2, 1, 1, 1]])  # repeats need blanks between
TARGET_LENGTHS = [3, 4, 4, 1]
INPUT_LENGTHS = [10, 9, 10, 5]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_ctc_loss_with_padded_targets(reduction):
    def loss(lib, x):
        targets = lib.tensor(TARGETS, device=x.device)
        return lib.nn.functional.ctc_loss(x.log_softmax(2), targets, INPUT_LENGTHS, TARGET_LENGTHS, reduction=reduction)

    check_op(loss, [(10, 4, 5)])


def test_ctc_loss_with_concatenated_targets_another_blank_and_the_layer():
    flat = np.concatenate([TARGETS[n, :length] for n, length in enumerate(TARGET_LENGTHS)]) - 1  # labels 0..3

    def loss(lib, x):
        layer = lib.nn.CTCLoss(blank=4)
        lengths = lib.tensor(INPUT_LENGTHS, device=x.device)
        return layer(x.log_softmax(2), lib.tensor(flat, device=x.device), lengths, lib.tensor(TARGET_LENGTHS))

    check_op(loss, [(10, 4, 5)])


@pytest.mark.parametrize("zero_infinity", [False, True])
def test_an_impossible_alignment_is_inf_or_zero(zero_infinity):
    x = np.random.default_rng(0).standard_normal((10, 4, 5))
    short = [2, 9, 10, 0]  # 3 labels in 2 frames, and a sequence with no frames
    results = []
    for lib in (lamina, torch):
        log_probs = lib.tensor(x, requires_grad=True)
        losses = lib.nn.functional.ctc_loss(
            log_probs.log_softmax(2), lib.tensor(TARGETS), short, TARGET_LENGTHS, reduction="none",
            zero_infinity=zero_infinity,
        )  # fmt: skip
        results.append(losses.detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)
    assert np.isinf(results[0][0]) != zero_infinity


def test_ctc_loss_refuses_bad_lengths_and_labels():
    log_probs = lamina.randn(6, 2, 4).log_softmax(2)
    with pytest.raises(ValueError, match=r"input_lengths\[1\] = 7 must be between 0 and 6"):
        lamina.nn.functional.ctc_loss(log_probs, lamina.ones(2, 3).long(), [6, 7], [3, 3])
    with pytest.raises(lamina.ShapeError, match="one length per sequence"):
        lamina.nn.functional.ctc_loss(log_probs, lamina.ones(2, 3).long(), [6], [3, 3])
    with pytest.raises(ValueError, match="not a class index"):
        lamina.nn.functional.ctc_loss(log_probs, lamina.full((2, 3), 9).long(), [6, 6], [3, 3])
    with pytest.raises(lamina.DTypeError, match="targets must be an integer tensor"):
        lamina.nn.functional.ctc_loss(log_probs, lamina.ones(2, 3), [6, 6], [3, 3])
