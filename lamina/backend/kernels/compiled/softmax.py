"""Softmax, attention weights and cross-entropy over the rows of (M, D), with their backwards."""

import math

import numpy as np

from lamina.backend.kernels import reference, threads
from lamina.backend.kernels.compiled.common import constants, floats, jit, jit_sum, parallel_rows

# NOTE: exp and tanh come from NumPy's ufuncs, which are vectorised (SIMD); numba's math.exp and
# math.tanh are one scalar call per element here (llvmlite without SVML), several times slower.


@jit
def _subtract_row_max(x, out, start, stop):
    d = x.shape[1]
    for r in range(start, stop):
        top = x[r, 0]
        for k in range(1, d):
            if x[r, k] > top:
                top = x[r, k]
        for k in range(d):
            out[r, k] = x[r, k] - top


@jit_sum
def _normalise_rows(y, start, stop):
    d = y.shape[1]
    zero, one = constants(y, 0, 1)
    for r in range(start, stop):
        total = zero
        for k in range(d):
            total += y[r, k]
        scale = one / total
        for k in range(d):
            y[r, k] *= scale


# A small softmax in one compiled call, exp included: below this size the scalar exp costs less than
# the calls around NumPy's (benchmarks/README.md).
SMALL_SOFTMAX_ELEMENTS = 256


@jit
def _softmax_small(x, y):
    rows, d = x.shape
    for r in range(rows):
        top = x[r, 0]
        for k in range(1, d):
            if x[r, k] > top or x[r, k] != x[r, k]:  # a NaN makes the row NaN, as in the reference
                top = x[r, k]
        total = 0.0  # in float64
        for k in range(d):
            y[r, k] = np.exp(x[r, k] - top)
            total += y[r, k]
        scale = 1.0 / total
        for k in range(d):
            y[r, k] *= scale


def _softmax_slice(x, y, start, stop):
    _subtract_row_max(x, y, start, stop)
    rows = y if stop - start == y.shape[0] else y[start:stop]  # all rows (a small call): no slices to make
    np.exp(rows, out=rows)
    _normalise_rows(y, start, stop)


@jit_sum
def _softmax_rows_backward(grad, y, dx, start, stop):
    d = y.shape[1]
    (zero,) = constants(y, 0)
    for r in range(start, stop):
        dot = zero
        for k in range(d):
            dot += grad[r, k] * y[r, k]
        for k in range(d):
            dx[r, k] = y[r, k] * (grad[r, k] - dot)


def softmax(x):
    if not floats(x) or x.ndim != 2 or x.shape[1] == 0:
        return reference.softmax(x)
    x = np.ascontiguousarray(x)
    y = np.empty_like(x)
    if x.size <= SMALL_SOFTMAX_ELEMENTS:
        _softmax_small(x, y)
        return y
    threads.run_split(lambda a, b: _softmax_slice(x, y, a, b), x.shape[0], parallel=parallel_rows(x))
    return y


@jit
def _scaled_masked_shift(x, queries, scale, causal_offset, out, start, stop):
    """out = x * scale - row max over the visible keys, -inf at hidden keys (causal_offset < 0: none hidden)."""
    d = x.shape[1]
    (lowest,) = constants(x, -np.inf)
    for r in range(start, stop):
        visible = d if causal_offset < 0 else min(d, r % queries + causal_offset + 1)
        top = lowest
        for k in range(visible):
            v = x[r, k] * scale
            if v > top or v != v:
                top = v
        for k in range(visible):
            out[r, k] = x[r, k] * scale - top
        for k in range(visible, d):
            out[r, k] = -np.inf


def attention_weights(scores, queries, scale, causal_offset):
    if not floats(scores) or scores.ndim != 2 or scores.shape[1] == 0:
        return reference.attention_weights(scores, queries, scale, causal_offset)
    scores = np.ascontiguousarray(scores)
    y = np.empty_like(scores)
    if causal_offset is not None and causal_offset < 0:  # rows that see no key: the reference's NaN rule
        return reference.attention_weights(scores, queries, scale, causal_offset)
    offset = -1 if causal_offset is None else causal_offset

    def work(start, stop):
        _scaled_masked_shift(scores, queries, scores.dtype.type(scale), offset, y, start, stop)
        np.exp(y[start:stop], out=y[start:stop])
        _normalise_rows(y, start, stop)

    threads.run_split(work, scores.shape[0], parallel=parallel_rows(scores))
    return y


def softmax_backward(grad, y):
    if not floats(grad, y) or y.ndim != 2:
        return reference.softmax_backward(grad, y)
    grad, y = np.ascontiguousarray(grad), np.ascontiguousarray(y)
    dx = np.empty_like(y)
    threads.run_split(lambda a, b: _softmax_rows_backward(grad, y, dx, a, b), y.shape[0], parallel=parallel_rows(y))
    return dx


@jit_sum
def _cross_entropy_rows(logits, exps, target, ignore_index, losses, lse, start, stop):
    """exps holds exp(logits - row max) for these rows; finish logsumexp and pick the target."""
    d = logits.shape[1]
    for r in range(start, stop):
        top = logits[r, 0]
        for k in range(1, d):
            if logits[r, k] > top:
                top = logits[r, k]
        total = 0.0
        for k in range(d):
            total += exps[r, k]
        lse[r] = math.log(total) + top
        t = target[r]
        losses[r] = 0.0 if t == ignore_index else lse[r] - logits[r, t]


@jit
def _subtract_row_value(x, values, out, start, stop):
    d = x.shape[1]
    for r in range(start, stop):
        for k in range(d):
            out[r, k] = x[r, k] - values[r]


@jit
def _cross_entropy_grad_rows(target, ignore_index, grad_losses, dx, start, stop):
    """dx holds softmax(logits) for these rows: scale by the loss gradient, subtract it at the target."""
    d = dx.shape[1]
    (zero,) = constants(dx, 0)
    for r in range(start, stop):
        t = target[r]
        g = zero if t == ignore_index else grad_losses[r]
        for k in range(d):
            dx[r, k] *= g
        if t != ignore_index:
            dx[r, t] -= g


def cross_entropy(logits, target, ignore_index):
    if not floats(logits) or logits.ndim != 2 or logits.shape[1] == 0:
        return reference.cross_entropy(logits, target, ignore_index)
    logits, target = np.ascontiguousarray(logits), np.ascontiguousarray(target, dtype=np.int64)
    rows = logits.shape[0]
    losses, lse = np.empty(rows, logits.dtype), np.empty(rows, logits.dtype)
    exps = np.empty_like(logits)

    def work(start, stop):
        _subtract_row_max(logits, exps, start, stop)
        np.exp(exps[start:stop], out=exps[start:stop])
        _cross_entropy_rows(logits, exps, target, ignore_index, losses, lse, start, stop)

    threads.run_split(work, rows, parallel=parallel_rows(logits))
    return losses, lse


def cross_entropy_backward(grad_losses, logits, target, ignore_index, lse):
    if not floats(logits) or logits.ndim != 2:
        return reference.cross_entropy_backward(grad_losses, logits, target, ignore_index, lse)
    logits, target = np.ascontiguousarray(logits), np.ascontiguousarray(target, dtype=np.int64)
    grad_losses = np.ascontiguousarray(grad_losses, dtype=logits.dtype)
    dx = np.empty_like(logits)

    def work(start, stop):
        _subtract_row_value(logits, lse, dx, start, stop)
        np.exp(dx[start:stop], out=dx[start:stop])
        _cross_entropy_grad_rows(target, ignore_index, grad_losses, dx, start, stop)

    threads.run_split(work, logits.shape[0], parallel=parallel_rows(logits))
    return dx
