"""Connectionist temporal classification (Graves et al. 2006): the loss of labelling a sequence of frames
(speech, handwriting) without knowing which frames hold which label.

The forward algorithm over the extended labels (a blank before, between and after the target's labels), in
log space, as a composite of Tensor ops: its gradient comes from autograd, and higher derivatives too. States
a path cannot reach hold a very negative finite number rather than -inf, so that log-sum-exp's gradient is
0 there and never 0/0; a target no alignment fits (too long for its input) gives inf (or 0 with
zero_infinity=True), as PyTorch's.
"""

from lamina import creation, dtypes
from lamina.errors import DTypeError, ShapeError, shape_str
from lamina.functional import logsumexp, stack
from lamina.nn.functional._checks import check_reduction
from lamina.ops.elementwise import where
from lamina.ops.movement import cat
from lamina.tensor import Tensor


def _lengths(op, name, value, count, limit):
    """Host ints (the shapes of the recursion need them) from a tensor, list or tuple; each in 0..limit."""
    values = value.tolist() if isinstance(value, Tensor) else list(value)
    if isinstance(values, int):
        values = [values]
    if len(values) != count:
        raise ShapeError(f"{op}: {name} must hold one length per sequence ({count}); got {len(values)}.")
    for position, length in enumerate(values):
        if not 0 <= int(length) <= limit:
            raise ValueError(f"{op}: {name}[{position}] = {length} must be between 0 and {limit}.")
    return [int(length) for length in values]


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """log_probs (T, N, C) (log-softmaxed over C), targets (N, S) padded or 1-D concatenated, one input and one
    target length per sequence. reduction 'mean' divides each sequence's loss by its target length, then
    averages over the batch (PyTorch's); 'sum' adds; 'none' gives the (N,) losses."""
    op = "ctc_loss"
    check_reduction(op, reduction)
    unbatched = log_probs.ndim == 2
    if unbatched:
        log_probs, targets = log_probs.unsqueeze(1), targets.reshape(1, -1)
    if log_probs.ndim != 3:
        raise ShapeError(f"{op}: expects log_probs (T, N, C) or (T, C); got {shape_str(log_probs.shape)}.")
    if not log_probs.is_floating_point():
        raise DTypeError(f"{op}: log_probs must be floating point; got {log_probs.dtype.name}.")
    if targets.array.dtype.kind not in "iu":
        raise DTypeError(f"{op}: targets must be an integer tensor; got {targets.dtype.name}.")
    frames, batch, classes = log_probs.shape
    if not 0 <= blank < classes:
        raise ValueError(f"{op}: blank {blank} must be a class index (0..{classes - 1}).")
    inputs = _lengths(op, "input_lengths", input_lengths, batch, frames)
    concatenated = targets.ndim == 1
    limit = targets.shape[0] if concatenated else (targets.shape[1] if targets.ndim == 2 else -1)
    if targets.ndim not in (1, 2) or (not concatenated and targets.shape[0] != batch):
        raise ShapeError(
            f"{op}: targets must be (N, S) or 1-D concatenated; got {shape_str(targets.shape)} for N={batch}."
        )
    labels = _lengths(op, "target_lengths", target_lengths, batch, limit)
    if concatenated and sum(labels) != targets.shape[0]:
        raise ShapeError(f"{op}: 1-D targets hold {targets.shape[0]} labels; target_lengths add up to {sum(labels)}.")
    padded = _padded_targets(targets, labels, concatenated, blank)  # (N, S_max), blank past each end
    losses = _forward_algorithm(log_probs, padded, inputs, labels, blank)
    impossible = losses > _unreachable(log_probs.dtype) / -2
    losses = where(impossible, 0.0 if zero_infinity else float("inf"), losses)
    if unbatched:
        losses = losses.reshape(())
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    counts = creation.tensor(labels, dtype=losses.dtype, device=losses.device).clamp(min=1)
    return (losses / counts.reshape(losses.shape)).mean()


def _unreachable(dtype):
    """The log-probability of a state no path reaches: far below any real one, and finite."""
    return -dtypes.finfo(dtype).max / 8


def _padded_targets(targets, labels, concatenated, blank):
    xp = targets.device.xp
    longest = max(labels) if labels else 0
    out = xp.full((len(labels), longest), blank, dtype="int64")
    start = 0
    for n, length in enumerate(labels):
        source = targets.array[start : start + length] if concatenated else targets.array[n, :length]
        out[n, :length] = source
        start += length
    if out.size and bool((out < 0).any()):
        raise ValueError("ctc_loss: targets must be non-negative class indices.")
    return Tensor._make(out, targets.device)


def _forward_algorithm(log_probs, padded, inputs, labels, blank):
    """-log p(target | input) per sequence: alpha over the extended labels (blank, l1, blank, l2, ..., blank)."""
    frames, batch, classes = log_probs.shape
    xp = log_probs.device.xp
    device, dtype = log_probs.device, log_probs.dtype
    width = 2 * padded.shape[1] + 1
    extended = xp.full((batch, width), blank, dtype="int64")
    extended[:, 1::2] = padded.array
    if bool((extended >= classes).any()):
        raise ValueError(f"ctc_loss: a target label is not a class index (0..{classes - 1}).")
    # a label state may skip the blank before it when it differs from the label two states back
    skip = xp.zeros((batch, width), dtype=bool)
    skip[:, 2:] = (extended[:, 2:] != blank) & (extended[:, 2:] != extended[:, :-2])
    skip = Tensor._make(skip, device)
    extended = Tensor._make(extended, device)
    never = _unreachable(dtype)
    column = creation.full((batch, 1), never, dtype=dtype, device=device)
    states = creation.arange(width, device=device).reshape(1, width)
    alpha = where(states < 2, log_probs[0].gather(1, extended), never)  # start in the first blank or label
    still_running = creation.tensor(inputs, device=device).reshape(batch, 1)
    for t in range(1, max(inputs) if inputs else 0):
        one_back = cat([column, alpha[:, :-1]], dim=1)
        two_back = where(skip, cat([column, column, alpha[:, :-2]], dim=1), never)
        step = logsumexp(stack([alpha, one_back, two_back], dim=-1), dim=-1) + log_probs[t].gather(1, extended)
        alpha = where(still_running > t, step, alpha)  # a shorter input keeps its last alpha
    last = creation.tensor([2 * length for length in labels], device=device).reshape(batch, 1)
    before = creation.tensor([max(2 * length - 1, 0) for length in labels], device=device).reshape(batch, 1)
    ends = alpha.gather(1, last).reshape(batch)
    label_ends = where(last.reshape(batch) > 0, alpha.gather(1, before).reshape(batch), never)
    total = logsumexp(stack([ends, label_ends], dim=-1), dim=-1)
    # no frames at all: the empty target has probability 1, any other none (alpha was never started)
    no_frames = creation.tensor([length == 0 for length in inputs], device=device)
    empty_target = creation.tensor([length == 0 for length in labels], device=device)
    nothing_fits = creation.full((batch,), -never, dtype=dtype, device=device)
    return where(no_frames, where(empty_target, 0.0, nothing_fits), -total)
