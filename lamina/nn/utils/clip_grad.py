"""Gradient clipping: clip_grad_norm_ and clip_grad_value_ (torch.nn.utils names)."""

import math

from lamina.autograd.grad_mode import no_grad
from lamina.backend import deferred
from lamina.dtypes import float32, float64
from lamina.functional import stack
from lamina.tensor import Tensor


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale all gradients together so their joint norm is at most max_norm; returns the norm before.

    Computed on the gradients' device and never read back there: on a device every gradient is multiplied
    by min(1, max_norm / (norm + 1e-6)) (exactly 1 leaves it unchanged), as torch does, so a training step
    on a GPU does not wait here; on the CPU only when the factor is below 1. A non-finite norm with
    error_if_nonfinite raises at once on the CPU and at the next read of a value on a device
    (lamina/backend/deferred.py).
    """
    grads = _grads(parameters)
    if not grads:
        return Tensor(0.0)
    norm_type = float(norm_type)
    dtype = float64 if any(g.dtype == float64 for g in grads) else float32  # float16 norms overflow
    with no_grad():
        if norm_type == math.inf:
            total = stack([g.abs().max().to(dtype) for g in grads]).max()
        else:
            norms = [((g.abs() ** norm_type).sum() ** (1.0 / norm_type)).to(dtype) for g in grads]
            total = (stack(norms).abs() ** norm_type).sum() ** (1.0 / norm_type)
        if error_if_nonfinite:
            deferred.require(
                total.isfinite().array,
                lambda: RuntimeError(
                    f"clip_grad_norm_: the total norm of the gradients is {float(total.numpy())}; a NaN or Inf "
                    "entered the gradients. Use lamina.autograd.detect_anomaly() to find the op."
                ),
                "clip_grad_norm_",
            )
        if max_norm == math.inf:  # only the norm was asked for (the Trainer's record)
            return total
        scale = (max_norm / (total + 1e-6)).clamp(max=1.0)
        if deferred.on_host(scale.array) and float(scale.array) >= 1.0:
            return total  # on the CPU the verdict is free to read: no pass over the gradients when unclipped
        for g in grads:
            g.mul_(scale.to(g.dtype))
    return total


def clip_grad_value_(parameters, clip_value):
    """Clamp every gradient entry to [-clip_value, clip_value]."""
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(-clip_value, clip_value)
