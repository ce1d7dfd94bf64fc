"""Batch norm over x viewed as (N, C, S) and layer norm over the rows of (M, D): statistics, the
normalisation and the backward in fused passes."""

import math

import numpy as np

from lamina.backend.kernels import reference, threads
from lamina.backend.kernels.compiled.common import constants, floats, jit_sum, parallel_rows


@jit_sum
def _bn_forward_channels(x, weight, bias, eps, stats, y, start, stop):
    """Channels start..stop of x (N, C, S): mean, variance and 1/std (float64 sums, into stats (3, C)),
    then y = x * scale + shift, one channel at a time, so its three passes find it in cache, and a split
    over the threads hands work off once."""
    n, _, s = x.shape
    count = n * s
    for c in range(start, stop):
        total = 0.0
        for i in range(n):
            for k in range(s):
                total += x[i, c, k]
        mean = total / count
        squares = 0.0
        for i in range(n):
            for k in range(s):
                d = x[i, c, k] - mean
                squares += d * d
        invstd = 1.0 / math.sqrt(squares / count + eps)
        stats[0, c], stats[1, c], stats[2, c] = mean, squares / count, invstd
        scale = invstd * weight[c]
        a, b = constants(x, scale, bias[c] - mean * scale)  # the per-element pass in x's dtype
        for i in range(n):
            for k in range(s):
                y[i, c, k] = x[i, c, k] * a + b


@jit_sum
def _bn_backward_channels(grad, x, weight, mean, invstd, sums, dx, start, stop):
    """Channels start..stop: the sums of grad and grad * (x - mean) (float64, into sums (2, C) as dweight
    and dbias), then dx = (grad - mean_g - (x - mean) * slope) * scale, one channel at a time."""
    n, _, s = x.shape
    count = n * s
    for c in range(start, stop):
        sum_g, sum_gx = 0.0, 0.0
        m = mean[c]
        for i in range(n):
            for k in range(s):
                g = grad[i, c, k]
                sum_g += g
                sum_gx += g * (x[i, c, k] - m)
        dweight = sum_gx * invstd[c]
        sums[0, c], sums[1, c] = dweight, sum_g
        m_x, slope, mean_g, scale = constants(x, m, invstd[c] * dweight / count, sum_g / count, invstd[c] * weight[c])
        for i in range(n):
            for k in range(s):
                dx[i, c, k] = (grad[i, c, k] - mean_g - (x[i, c, k] - m_x) * slope) * scale


def _as_ncs(x):
    return np.ascontiguousarray(x).reshape(x.shape[0], x.shape[1], -1)


def _float64_or(values, default, channels):
    return np.full(channels, default) if values is None else values.astype(np.float64)


def batch_norm_train(x, weight, bias, eps):
    if not floats(x) or x.ndim < 2:
        return reference.batch_norm_train(x, weight, bias, eps)
    channels = x.shape[1]
    x3 = _as_ncs(x)
    stats = np.empty((3, channels), dtype=np.float64)  # accumulate in float64, as the reference's NumPy does
    weight64, bias64 = _float64_or(weight, 1.0, channels), _float64_or(bias, 0.0, channels)
    y = np.empty_like(x3)
    threads.run_split(
        lambda a, b: _bn_forward_channels(x3, weight64, bias64, eps, stats, y, a, b),
        channels,
        parallel=threads.worth_splitting(x.size),
    )
    mean, var, invstd = stats.astype(x.dtype)
    return y.reshape(x.shape), mean, var, invstd


def batch_norm_train_backward(grad, x, weight, mean, invstd):
    if not floats(grad, x) or x.ndim < 2:
        return reference.batch_norm_train_backward(grad, x, weight, mean, invstd)
    channels = x.shape[1]
    x3, g3 = _as_ncs(x), _as_ncs(grad)
    sums = np.empty((2, channels), dtype=np.float64)
    mean64, invstd64 = mean.astype(np.float64), invstd.astype(np.float64)
    weight64 = _float64_or(weight, 1.0, channels)
    dx = np.empty_like(x3)
    threads.run_split(
        lambda a, b: _bn_backward_channels(g3, x3, weight64, mean64, invstd64, sums, dx, a, b),
        channels,
        parallel=threads.worth_splitting(x.size),
    )
    dweight, dbias = sums.astype(x.dtype)
    return dx.reshape(x.shape), dweight, dbias


# --- layer norm over the rows of x (M, D) ---


@jit_sum
def _ln_rows(x, weight, bias, eps, y, mean, invstd, start, stop):
    """Row sums in x's dtype (as NumPy's reference); mean and invstd are read back from their arrays, so
    the per-element pass runs in x's dtype too (a float64 scalar would turn it into float64 arithmetic)."""
    d = x.shape[1]
    zero, one_over_d = constants(x, 0.0, 1 / d)
    for r in range(start, stop):
        total = zero
        for k in range(d):
            total += x[r, k]
        mean[r] = total * one_over_d
        m = mean[r]
        squares = zero
        for k in range(d):
            v = x[r, k] - m
            squares += v * v
        invstd[r] = 1.0 / math.sqrt(squares * one_over_d + eps)
        inv = invstd[r]
        for k in range(d):
            y[r, k] = (x[r, k] - m) * inv * weight[k] + bias[k]


@jit_sum
def _ln_rows_backward(grad, x, weight, mean, invstd, dx, dweight, dbias, start, stop):
    """dx for rows start..stop, and those rows' contributions to dweight and dbias (per thread)."""
    d = x.shape[1]
    zero, one_over_d = constants(x, 0.0, 1 / d)
    for r in range(start, stop):
        m, inv = mean[r], invstd[r]
        sum_g, sum_gx = zero, zero
        for k in range(d):
            x_hat = (x[r, k] - m) * inv
            g = grad[r, k]
            dweight[k] += g * x_hat
            dbias[k] += g
            g = g * weight[k]
            sum_g += g
            sum_gx += g * x_hat
        mean_g, mean_gx = sum_g * one_over_d, sum_gx * one_over_d
        for k in range(d):
            x_hat = (x[r, k] - m) * inv
            dx[r, k] = (grad[r, k] * weight[k] - mean_g - x_hat * mean_gx) * inv


def layer_norm(x, weight, bias, eps):
    if not floats(x) or x.ndim != 2:
        return reference.layer_norm(x, weight, bias, eps)
    x = np.ascontiguousarray(x)
    rows, d = x.shape
    weight = np.ones(d, x.dtype) if weight is None else weight
    bias = np.zeros(d, x.dtype) if bias is None else bias
    y = np.empty_like(x)
    mean, invstd = np.empty(rows, x.dtype), np.empty(rows, x.dtype)
    threads.run_split(
        lambda a, b: _ln_rows(x, weight, bias, eps, y, mean, invstd, a, b), rows, parallel=parallel_rows(x)
    )
    return y, mean, invstd


def layer_norm_backward(grad, x, weight, mean, invstd):
    if not floats(grad, x) or x.ndim != 2:
        return reference.layer_norm_backward(grad, x, weight, mean, invstd)
    grad, x = np.ascontiguousarray(grad), np.ascontiguousarray(x)
    rows, d = x.shape
    w = np.ones(d, x.dtype) if weight is None else weight
    dx = np.empty_like(x)

    def work(start, stop):
        dweight, dbias = np.zeros(d, np.float64), np.zeros(d, np.float64)
        _ln_rows_backward(grad, x, w, mean, invstd, dx, dweight, dbias, start, stop)
        return dweight, dbias

    parts = threads.run_split(work, rows, parallel=parallel_rows(x))
    dweight = sum(part[0] for part in parts).astype(x.dtype)
    dbias = sum(part[1] for part in parts).astype(x.dtype)
    return dx, dweight, dbias
