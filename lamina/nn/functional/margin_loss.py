"""Margin, embedding and likelihood losses at PyTorch's names and with its formulas (each function's docstring).

Composites of lamina's ops, so every gradient comes from the primitives. As the other losses, they check
their arguments first: a reduction they do not know, shapes that do not fit, labels other than 1 and -1.
"""

import math

from lamina.autograd.autocast_mode import in_float32
from lamina.backend import deferred
from lamina.errors import ShapeError, shape_str
from lamina.nn.functional._checks import check_not_empty, check_reduction, check_same_device, check_same_shape
from lamina.nn.functional._checks import reduce as reduced
from lamina.nn.functional.activation import logsigmoid, softplus
from lamina.nn.functional.distance import pairwise_distance
from lamina.ops.elementwise import maximum, minimum, where
from lamina.tensor import Tensor


def _check_signs(op, target):
    """Targets of the embedding losses are 1 or -1; anything else would be silently read as -1."""
    ok = ((target == 1) | (target == -1)).all()
    deferred.require(ok.array, lambda: ValueError(f"{op}: every target must be 1 or -1."), op)


def legacy_reduction(size_average, reduce, reduction):
    """PyTorch's deprecated size_average/reduce arguments, read as it reads them; `reduction` when both are None."""
    if size_average is None and reduce is None:
        return reduction
    if reduce is False:
        return "none"
    return "sum" if size_average is False else "mean"


def _begin(op, reduction, *tensors):
    check_reduction(op, reduction)
    named = {f"argument {i + 1}": t for i, t in enumerate(tensors)}
    check_same_device(op, **named)
    return [in_float32(t) if t.is_floating_point() else t for t in tensors]


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction="mean"):
    """max(0, -y (x1 - x2) + margin): y = 1 asks x1 to rank above x2 by the margin, y = -1 below."""
    input1, input2, target = _begin("margin_ranking_loss", reduction, input1, input2, target)
    check_same_shape("margin_ranking_loss", input1, input2)
    check_same_shape("margin_ranking_loss", input1, target)
    check_not_empty("margin_ranking_loss", input1, reduction)
    return reduced(maximum(-target * (input1 - input2) + margin, 0.0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, reduction="mean"):
    """x where y = 1, max(0, margin - x) where y = -1 (x: a distance)."""
    input, target = _begin("hinge_embedding_loss", reduction, input, target)
    check_same_shape("hinge_embedding_loss", input, target)
    check_not_empty("hinge_embedding_loss", input, reduction)
    _check_signs("hinge_embedding_loss", target)
    return reduced(where(target == 1, input, maximum(margin - input, 0.0)), reduction)


def soft_margin_loss(input, target, reduction="mean"):
    """log(1 + exp(-y x)), two-class logistic loss with labels 1 and -1 (softplus keeps it finite)."""
    input, target = _begin("soft_margin_loss", reduction, input, target)
    check_same_shape("soft_margin_loss", input, target)
    check_not_empty("soft_margin_loss", input, reduction)
    return reduced(softplus(-target * input), reduction)


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction="mean"):
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1; rows of (N, D) (or one (D,))."""
    input1, input2, target = _begin("cosine_embedding_loss", reduction, input1, input2, target)
    check_same_shape("cosine_embedding_loss", input1, input2)
    if input1.ndim not in (1, 2) or tuple(target.shape) != tuple(input1.shape[:-1]):
        raise ShapeError(
            f"cosine_embedding_loss: expected inputs (N, D) or (D,) and a target (N,) or (); got inputs "
            f"{shape_str(input1.shape)} and target {shape_str(target.shape)}."
        )
    _check_signs("cosine_embedding_loss", target)
    eps = 1e-12  # PyTorch's: added to each squared norm
    dot = (input1 * input2).sum(-1)
    cosine = dot / (((input1 * input1).sum(-1) + eps) * ((input2 * input2).sum(-1) + eps)).sqrt()
    return reduced(where(target == 1, 1 - cosine, maximum(cosine - margin, 0.0)), reduction)


def triplet_margin_loss(
    anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None, reduce=None,
    reduction="mean",
):  # fmt: skip
    """max(d(a, p) - d(a, n) + margin, 0), d the p-norm distance of rows (pairwise_distance); with swap, d(a, n)
    is the smaller of d(a, n) and d(p, n) (Balntas et al. 2016)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    anchor, positive, negative = _begin("triplet_margin_loss", reduction, anchor, positive, negative)
    for name, tensor in (("positive", positive), ("negative", negative)):
        if tensor.ndim != anchor.ndim:
            raise ShapeError(
                f"triplet_margin_loss: anchor {shape_str(anchor.shape)} and {name} {shape_str(tensor.shape)} "
                "must have the same number of dims."
            )
    check_not_empty("triplet_margin_loss", anchor, reduction)
    to_positive = pairwise_distance(anchor, positive, p, eps)
    to_negative = pairwise_distance(anchor, negative, p, eps)
    if swap:
        to_negative = minimum(to_negative, pairwise_distance(positive, negative, p, eps))
    return reduced(maximum(to_positive - to_negative + margin, 0.0), reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, reduction="mean"):
    """Per row: sum over classes i != y of max(0, margin - x[y] + x[i])^p / C (times weight[y])."""
    input, target = _begin("multi_margin_loss", reduction, input, target)
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: p must be 1 or 2; got {p!r}.")
    rows = input.reshape(1, -1) if input.ndim == 1 else input
    labels = target.reshape(1) if target.ndim == 0 else target
    if rows.ndim != 2 or tuple(labels.shape) != (rows.shape[0],) or labels.array.dtype.kind not in "iu":
        raise ShapeError(
            f"multi_margin_loss: expected input (N, C) or (C,) and integer labels (N,) or (); got input "
            f"{shape_str(input.shape)} and target {shape_str(target.shape)} of {target.dtype.name}."
        )
    check_not_empty("multi_margin_loss", rows, reduction)
    classes = rows.shape[1]

    def out_of_range(label):
        return IndexError(
            f"multi_margin_loss: label {label} is out of range for {classes} classes (valid 0..{classes - 1})."
        )

    deferred.require_in_range(labels.array, 0, classes, out_of_range, "multi_margin_loss")
    picked = rows.gather(1, labels.reshape(-1, 1))  # x[y], (N, 1)
    margins = maximum(rows - picked + margin, 0.0)
    if p == 2:
        margins = margins * margins
    if weight is not None:
        margins = margins * weight[labels].reshape(-1, 1)
    others = Tensor._make(rows.device.xp.arange(classes)[None, :] != labels.array[:, None], rows.device)
    losses = where(others, margins, 0.0).sum(1) / classes
    return reduced(losses.reshape(()) if input.ndim == 1 else losses, reduction)


def multilabel_soft_margin_loss(input, target, weight=None, reduction="mean"):
    """Per row: -mean over classes of y log sigmoid(x) + (1 - y) log sigmoid(-x) (times weight)."""
    input, target = _begin("multilabel_soft_margin_loss", reduction, input, target)
    check_same_shape("multilabel_soft_margin_loss", input, target)
    check_not_empty("multilabel_soft_margin_loss", input, reduction)
    terms = target * logsigmoid(input) + (1 - target) * logsigmoid(-input)
    if weight is not None:
        terms = terms * weight
    return reduced(-terms.mean(-1), reduction)


def poisson_nll_loss(
    input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None, reduction="mean"
):
    """exp(x) - t x for log-rates x (log_input), else x - t log(x + eps); full adds Stirling's
    t log t - t + log(2 pi t) / 2 where t > 1."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    input, target = _begin("poisson_nll_loss", reduction, input, target)
    check_same_shape("poisson_nll_loss", input, target)
    check_not_empty("poisson_nll_loss", input, reduction)
    losses = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        safe = where(target > 1, target, 1.0)
        stirling = safe * safe.log() - safe + 0.5 * (2 * math.pi * safe).log()
        losses = losses + where(target > 1, stirling, 0.0)
    return reduced(losses, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """(log max(var, eps) + (x - t)^2 / max(var, eps)) / 2 (+ log(2 pi) / 2 if full). var has input's shape,
    or one dim fewer, or a last dim of 1 (one variance per row). The clamp at eps passes the gradient
    unchanged, as PyTorch's (which clamps without recording it)."""
    input, target, var = _begin("gaussian_nll_loss", reduction, input, target, var)
    check_same_shape("gaussian_nll_loss", input, target)
    if tuple(var.shape) != tuple(input.shape):
        if tuple(var.shape) == tuple(input.shape[:-1]):
            var = var.unsqueeze(-1)
        elif not (tuple(var.shape[:-1]) == tuple(input.shape[:-1]) and var.shape[-1] == 1):
            raise ShapeError(
                f"gaussian_nll_loss: var {shape_str(var.shape)} does not fit input {shape_str(input.shape)}: give "
                "one variance per element, or per row (the input's shape without its last dim, or with it as 1)."
            )

    def negative_variance():
        return ValueError("gaussian_nll_loss: var has negative entries.")

    deferred.require((~(var < 0).any()).array, negative_variance, "gaussian_nll_loss")
    check_not_empty("gaussian_nll_loss", input, reduction)
    clamped = var + (maximum(var, eps) - var).detach()  # max(var, eps) in value, the identity in gradient
    losses = 0.5 * (clamped.log() + (input - target) ** 2 / clamped)
    if full:
        losses = losses + 0.5 * math.log(2 * math.pi)
    return reduced(losses, reduction)
