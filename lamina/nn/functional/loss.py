"""Losses: numerically stable, and strict about their targets (BAD_INPUTS rows 8-10, 12, 15).

cross_entropy works on log_softmax (a log-sum-exp), never on log(softmax), so
large logits cannot overflow; binary_cross_entropy_with_logits uses the
log(1 + exp(-|x|)) form for the same reason.
"""

from lamina.autograd.autocast_mode import in_float32
from lamina.backend import deferred
from lamina.errors import DTypeError, ShapeError, shape_str
from lamina.nn.functional._checks import (
    check_not_empty,
    check_reduction,
    check_same_device,
    check_same_shape,
    reduce,
)
from lamina.ops.elementwise import maximum, where
from lamina.ops.softmax import CrossEntropyRows
from lamina.tensor import Tensor


def _check_class_targets(op, input, target, ignore_index) -> int:
    """Class-index targets: int dtype, matching batch, every label in range (checked before indexing).
    Returns how many labels are not ignore_index (the mean's denominator)."""
    check_same_device(op, input=input, target=target)
    if target.array.dtype.kind not in "iu":
        raise DTypeError(
            f"{op}: expected target dtype to be int64 (class indices), but got {target.dtype.name} of shape "
            f"{shape_str(target.shape)}. For class probabilities pass a float target of the input's shape "
            f"{shape_str(input.shape)}; for labels use target.long()."
        )
    expected = (input.shape[0],) + tuple(input.shape[2:]) if input.ndim > 1 else ()
    if input.ndim > 1 and target.ndim >= 1 and target.shape[0] != input.shape[0]:
        raise ShapeError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({target.shape[0]})."
        )
    if tuple(target.shape) != expected:
        raise ShapeError(
            f"{op}: target shape {shape_str(target.shape)} does not fit input shape {shape_str(input.shape)}; "
            f"expected {shape_str(expected)}."
        )
    classes = input.shape[1] if input.ndim > 1 else input.shape[0]
    labels = target.array
    kept, first_bad = target.device.backend.kernels.class_targets(labels, classes, ignore_index)  # one pass

    def error():
        flat, position = int(first_bad), ()
        for size in reversed(labels.shape):  # the flat index unravelled
            flat, index = divmod(flat, size)
            position = (index,) + position
        value = int(labels[position])
        where = (
            "the (unbatched) target"
            if not position
            else f"batch position {position[0] if len(position) == 1 else position}"
        )
        return IndexError(
            f"{op}: Target {value} is out of bounds: the input has {classes} classes (valid labels "
            f"0..{classes - 1}); found at {where}."
        )

    deferred.require(first_bad < 0, error, op)
    return int(kept) if deferred.on_host(kept) else Tensor._make(kept, target.device)  # a count left on the device


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """-input[n, target[n]] (input holds log-probabilities), weighted, ignoring ignore_index."""
    input, target = in_float32(input), in_float32(target)  # autocast: losses in float32
    check_reduction("nll_loss", reduction)
    check_not_empty("nll_loss", input, reduction)
    _check_class_targets("nll_loss", input, target, ignore_index)
    return _nll(input, target, weight, ignore_index, reduction)


def _nll(log_probs, target, weight, ignore_index, reduction):
    unbatched = log_probs.ndim == 1
    if unbatched:
        log_probs, target = log_probs.unsqueeze(0), target.unsqueeze(0)
    keep = target != ignore_index
    safe_target = where(keep, target, 0)  # ignored positions pick class 0, then get weight 0
    picked = -log_probs.gather(1, safe_target.unsqueeze(1)).squeeze(1)  # (N, *)
    sample_weight = keep.to(log_probs.dtype)
    if weight is not None:
        sample_weight = sample_weight * weight[safe_target]
    losses = picked * sample_weight
    if reduction == "none":
        return losses.squeeze(0) if unbatched else losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / sample_weight.sum()  # PyTorch's weighted mean


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy from logits (N, C, *) with class indices (N, *) or probabilities (N, C, *)."""
    input, target = in_float32(input), in_float32(target)  # autocast: losses in float32
    check_reduction("cross_entropy", reduction)
    check_same_device("cross_entropy", input=input, target=target, weight=weight)
    check_not_empty("cross_entropy", input, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1]; got {label_smoothing}.")
    class_dim = 1 if input.ndim > 1 else 0
    classes = input.shape[class_dim]
    weight_shape = (1, classes) + (1,) * (input.ndim - 2) if input.ndim > 1 else (classes,)
    if target.is_floating_point():
        if tuple(target.shape) != tuple(input.shape):
            _check_class_targets("cross_entropy", input, target, ignore_index)  # raises the dtype error
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / classes
        terms = input.log_softmax(class_dim) * target
        if weight is not None:
            terms = terms * weight.reshape(weight_shape)
        losses = -terms.sum(class_dim)
        if reduction == "mean":
            return losses.sum() / (input.numel() // classes)
        return reduce(losses, reduction)

    kept = _check_class_targets("cross_entropy", input, target, ignore_index)
    if input.ndim == 2 and weight is None and label_smoothing == 0 and input.is_floating_point():
        # the fused primitive (for speed): logsumexp and the pick in one pass, softmax - onehot back
        losses = CrossEntropyRows.apply(input, target=target.array, ignore_index=ignore_index)
        if reduction == "none":
            return losses
        if reduction == "sum":
            return losses.sum()
        return losses.sum() / kept  # the mean over the kept rows
    log_probs = input.log_softmax(class_dim)
    nll = _nll(log_probs, target, weight, ignore_index, reduction)
    if label_smoothing == 0:
        return nll
    # the smoothing term: -sum_c w_c log p_c, normalised like the nll term (PyTorch's rule)
    terms = log_probs * weight.reshape(weight_shape) if weight is not None else log_probs
    keep = target != ignore_index
    smooth = where(keep, -terms.sum(class_dim), 0.0)
    if reduction == "mean":
        if weight is not None:
            denominator = (weight[where(keep, target, 0)] * keep.to(input.dtype)).sum()
        else:
            denominator = keep.to(input.dtype).sum()
        smooth = smooth.sum() / denominator
    else:
        smooth = reduce(smooth, reduction)
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / classes)


def mse_loss(input, target, reduction="mean"):
    input, target = in_float32(input), in_float32(target)  # autocast: losses in float32
    check_reduction("mse_loss", reduction)
    check_same_shape("mse_loss", input, target)
    check_not_empty("mse_loss", input, reduction)
    difference = input - target
    return reduce(difference * difference, reduction)


def l1_loss(input, target, reduction="mean"):
    input, target = in_float32(input), in_float32(target)  # autocast: losses in float32
    check_reduction("l1_loss", reduction)
    check_same_shape("l1_loss", input, target)
    check_not_empty("l1_loss", input, reduction)
    return reduce((input - target).abs(), reduction)


def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (Girshick 2015)."""
    input, target = in_float32(input), in_float32(target)  # autocast: losses in float32
    check_reduction("smooth_l1_loss", reduction)
    check_same_shape("smooth_l1_loss", input, target)
    check_not_empty("smooth_l1_loss", input, reduction)
    distance = (input - target).abs()
    if beta == 0:
        return reduce(distance, reduction)
    return reduce(where(distance < beta, distance * distance * (0.5 / beta), distance - 0.5 * beta), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (Huber 1964)."""
    input, target = in_float32(input), in_float32(target)  # autocast: losses in float32
    check_reduction("huber_loss", reduction)
    check_same_shape("huber_loss", input, target)
    check_not_empty("huber_loss", input, reduction)
    distance = (input - target).abs()
    return reduce(where(distance < delta, distance * distance * 0.5, (distance - 0.5 * delta) * delta), reduction)


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """-(t log p + (1 - t) log(1 - p)) for probabilities p; logs clamped at -100 as in PyTorch."""
    input, target = in_float32(input), in_float32(target)  # autocast: losses in float32
    check_reduction("binary_cross_entropy", reduction)
    check_same_shape("binary_cross_entropy", input, target)
    check_not_empty("binary_cross_entropy", input, reduction)
    data = input.array
    if data.size and (data.min() < 0 or data.max() > 1):
        raise ValueError(
            "binary_cross_entropy: all elements of input should be between 0 and 1 (probabilities); "
            "for logits use binary_cross_entropy_with_logits."
        )
    log_p = maximum(input.log(), -100.0)
    log_not_p = maximum((1 - input).log(), -100.0)
    losses = -(target * log_p + (1 - target) * log_not_p)
    if weight is not None:
        losses = losses * weight
    return reduce(losses, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    """BCE on logits x: (1 - t) x + (1 + (pw - 1) t) log(1 + e^-x), with log(1 + e^-x) computed stably."""
    input, target = in_float32(input), in_float32(target)  # autocast: losses in float32
    check_reduction("binary_cross_entropy_with_logits", reduction)
    check_same_shape("binary_cross_entropy_with_logits", input, target)
    check_not_empty("binary_cross_entropy_with_logits", input, reduction)
    # log(1 + e^-x) = log(1 + e^-|x|) + max(-x, 0): the exp argument is never positive
    softplus_neg = (1 + (-input.abs()).exp()).log() + maximum(-input, 0.0)
    if pos_weight is not None:
        losses = (1 - target) * input + (1 + (pos_weight - 1) * target) * softplus_neg
    else:
        losses = (1 - target) * input + softplus_neg
    if weight is not None:
        losses = losses * weight
    return reduce(losses, reduction)


def kl_div(input, target, reduction="mean", log_target=False):
    input, target = in_float32(input), in_float32(target)  # autocast: losses in float32
    """KL(target || exp(input)) pointwise: target (log target - input); input holds log-probabilities.

    reduction='batchmean' divides the sum by the batch size (the true KL divergence); 'mean'
    averages over every element, as PyTorch does.
    """
    if reduction not in ("mean", "sum", "none", "batchmean"):
        raise ValueError(f"kl_div: reduction must be 'mean', 'sum', 'none' or 'batchmean'; got {reduction!r}.")
    check_same_shape("kl_div", input, target)
    check_not_empty("kl_div", input, "mean" if reduction in ("mean", "batchmean") else reduction)
    if log_target:
        pointwise = target.exp() * (target - input)
    else:
        # NOTE: 0 log 0 = 0 (PyTorch's xlogy); the log is taken of a safe value where target is 0
        positive = target > 0
        safe = where(positive, target, 1.0)
        pointwise = where(positive, target * (safe.log() - input), 0.0)
    if reduction == "batchmean":
        return pointwise.sum() / (input.shape[0] if input.ndim else 1)
    return reduce(pointwise, reduction)


__all__ = [
    "nll_loss",
    "cross_entropy",
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "kl_div",
]
