"""Normalisation: batch, layer, group and local response normalisation.

Batch norm in training and layer norm run as fused primitives (lamina/ops/normalization.py,
for speed); the rest, and the unusual cases (weight without bias), are composites.
"""

import math

from lamina import functional as core
from lamina.autograd.autocast_mode import in_float32
from lamina.autograd.grad_mode import no_grad
from lamina.errors import ShapeError, shape_str
from lamina.nn.functional._checks import check_parameter_shape
from lamina.ops import normalization as fused
from lamina.tensor import Tensor


def _channel_shape(x):
    """Broadcast shape of a per-channel vector against (N, C, *): (1, C, 1, ...)."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """(x - mean) / sqrt(var + eps) * weight + bias, per channel (dim 1), over the batch and positions.

    Training uses the batch's statistics (biased variance) and updates the running ones
    (with the unbiased variance, as PyTorch); evaluation uses the running ones.
    """
    x = in_float32(x)  # autocast: normalisation statistics in float32
    if x.ndim < 2:
        raise ShapeError(
            f"batch_norm: expected an input with a channel dim (N, C, ...); got shape {shape_str(x.shape)}."
        )
    for name, tensor in (
        ("weight", weight),
        ("bias", bias),
        ("running_mean", running_mean),
        ("running_var", running_var),
    ):
        check_parameter_shape("batch_norm", name, tensor, (x.shape[1],))
    dims = (0,) + tuple(range(2, x.ndim))
    shape = _channel_shape(x)
    if training:
        count = x.numel() // x.shape[1]
        if count <= 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, got input size "
                f"{shape_str(x.shape)}. Use a batch of 2 or more, or eval() mode."
            )
        if (weight is None) == (bias is None) and (running_mean is None) == (running_var is None):
            affine = (weight, bias) if weight is not None else ()
            running = (running_mean.array, running_var.array) if running_mean is not None else (None, None)
            return fused.BatchNormTrain.apply(
                x, *affine, eps=eps, momentum=momentum, running_mean=running[0], running_var=running[1]
            )
        mean = x.mean(dims, keepdim=True)
        var = x.var(dims, keepdim=True, correction=0)
        if running_mean is not None:
            if not isinstance(momentum, (int, float)):  # a count kept on the device (momentum=None)
                momentum = Tensor._make(momentum, x.device)
            with no_grad():  # running statistics are state, not part of the graph
                running_mean.mul_(1 - momentum).add_(mean.reshape(-1) * momentum)
                running_var.mul_(1 - momentum).add_(var.reshape(-1) * (momentum * count / (count - 1)))
    else:
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
    out = (x - mean) * (var + eps).rsqrt()
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the last len(normalized_shape) dims of each sample."""
    x = in_float32(x)  # autocast: normalisation statistics in float32
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(x.shape[x.ndim - len(normalized_shape) :]) != normalized_shape:
        raise ShapeError(
            f"layer_norm: expected the input's last dims to be {normalized_shape}; got shape {shape_str(x.shape)}."
        )
    check_parameter_shape("layer_norm", "weight", weight, normalized_shape)
    check_parameter_shape("layer_norm", "bias", bias, normalized_shape)
    if x.array.dtype.itemsize == 2 and x.array.dtype.kind == "f":  # float16: statistics in float32, as PyTorch
        widened = [t.float() if t is not None else None for t in (x, weight, bias)]
        return layer_norm(widened[0], normalized_shape, widened[1], widened[2], eps).half()
    if (weight is None) == (bias is None) and x.numel() > 0:
        affine = (weight.reshape(-1), bias.reshape(-1)) if weight is not None else ()
        rows = x.reshape(-1, math.prod(normalized_shape))  # (M, D)
        return fused.LayerNorm.apply(rows, *affine, eps=eps).reshape(x.shape)
    dims = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    mean = x.mean(dims, keepdim=True)
    var = x.var(dims, keepdim=True, correction=0)
    out = (x - mean) * (var + eps).rsqrt()
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def group_norm(x, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise over groups of channels (and all positions) of each sample."""
    x = in_float32(x)  # autocast: normalisation statistics in float32
    n, channels = x.shape[0], x.shape[1]
    if channels % num_groups:
        raise ShapeError(f"group_norm: {channels} channels cannot be split into {num_groups} groups.")
    grouped = x.reshape(n, num_groups, -1)
    mean = grouped.mean(2, keepdim=True)
    var = grouped.var(2, keepdim=True, correction=0)
    out = ((grouped - mean) * (var + eps).rsqrt()).reshape(x.shape)
    shape = _channel_shape(x)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def local_response_norm(x, size, alpha=1e-4, beta=0.75, k=1.0):
    """AlexNet's LRN: x / (k + alpha/size * sum of x^2 over `size` neighbouring channels)^beta."""
    if x.ndim < 3:
        raise ShapeError(f"local_response_norm: expected (N, C, ...) with 3 or more dims; got {shape_str(x.shape)}.")
    squares = x * x
    channels = x.shape[1]
    widths = [0, 0] * (x.ndim - 2) + [size // 2, (size - 1) // 2]  # pad dim 1 only (pairs run from the last dim)
    padded = core.pad(squares, widths)
    total = padded[:, 0:channels]
    for offset in range(1, size):
        total = total + padded[:, offset : offset + channels]
    return x / (total * (alpha / size) + k) ** beta


def instance_norm(x, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):  # fmt: skip
    """Each sample's each channel normalised over its positions (Ulyanov et al. 2016): group_norm with one
    group per channel. Given running statistics, use_input_stats=True also updates them (the samples' means
    and unbiased variances averaged over the batch, as PyTorch), and use_input_stats=False normalises by
    them instead (eval with track_running_stats=True)."""
    if (running_mean is None) != (running_var is None):
        raise ValueError("instance_norm: pass both running_mean and running_var, or neither.")
    if not use_input_stats:
        if running_mean is None:
            raise ValueError("instance_norm: use_input_stats=False needs running_mean and running_var.")
        return batch_norm(x, running_mean, running_var, weight, bias, training=False, eps=eps)
    if running_mean is not None:
        check_parameter_shape("instance_norm", "running_mean", running_mean, (x.shape[1],))
        check_parameter_shape("instance_norm", "running_var", running_var, (x.shape[1],))
        positions = tuple(range(2, x.ndim))
        with no_grad():
            detached = x.detach()
            mean = detached.mean(positions).mean(0)
            var = detached.var(positions, unbiased=True).mean(0)
            running_mean.mul_(1 - momentum).add_(mean.to(running_mean.dtype) * momentum)
            running_var.mul_(1 - momentum).add_(var.to(running_var.dtype) * momentum)
    return group_norm(x, x.shape[1], weight, bias, eps)


def rms_norm(x, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2) + eps) * weight over the last dims (Zhang & Sennrich 2019); eps defaults to finfo.eps."""
    from lamina.dtypes import finfo

    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(x.shape[x.ndim - len(normalized_shape) :]) != normalized_shape:
        raise ShapeError(
            f"rms_norm: expected the input's last dims to be {normalized_shape}; got {shape_str(x.shape)}."
        )
    check_parameter_shape("rms_norm", "weight", weight, normalized_shape)
    eps = finfo(x.dtype).eps if eps is None else eps
    dims = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    out = x * ((x * x).mean(dims, keepdim=True) + eps).rsqrt()
    return out * weight if weight is not None else out
