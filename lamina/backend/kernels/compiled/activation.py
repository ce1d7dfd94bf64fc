"""ReLU and GELU (tanh approximation): elementwise loops and one-pass backwards."""

import numpy as np

from lamina.backend.kernels import reference, small, threads
from lamina.backend.kernels.compiled.common import constants, floats, jit, jit_sum

# NumPy's maximum against a scalar is not vectorised in this build: this loop is.


@jit
def _relu_slice(x, out, start, stop):
    (zero,) = constants(x, 0)
    source, target = x[start:stop], out[start:stop]
    # NOTE: the loop runs over range(size), not range(start, stop): an index that may be negative gets
    # numba's wraparound test, which kept this loop from vectorising
    for k in range(source.size):
        v = source[k]
        target[k] = zero if v <= zero else v  # NaN <= 0 is false: NaN stays NaN; -0.0 becomes 0 (a select)


relu = small.relu  # small.c's loop on small arrays, relu_beyond_small below for the rest


def relu_beyond_small(x):
    if not floats(x):
        return reference.relu(x)
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty_like(flat)
    threads.run_split(lambda a, b: _relu_slice(flat, out, a, b), flat.size, parallel=threads.worth_splitting(flat.size))
    return out.reshape(x.shape)


@jit
def _relu_backward(grad, z, out):
    (zero,) = constants(grad, 0)
    for k in range(z.size):
        out[k] = grad[k] if z[k] > zero else zero


def relu_backward(grad, z):
    if not floats(grad, z) or grad.shape != z.shape:
        return reference.relu_backward(grad, z)
    g, flat = np.ascontiguousarray(grad).reshape(-1), np.ascontiguousarray(z).reshape(-1)
    out = np.empty_like(g)
    _relu_backward(g, flat, out)
    return out.reshape(grad.shape)


# --- GELU (tanh approximation), elementwise over a flat array ---

_SQRT_2_OVER_PI = 0.7978845608028654


@jit_sum
def _gelu_argument(x, out):
    """out = sqrt(2/pi) (x + 0.044715 x^3), the argument of tanh."""
    root, cubic = constants(x, _SQRT_2_OVER_PI, 0.044715)
    for k in range(x.size):
        v = x[k]
        out[k] = root * (v + cubic * v * v * v)


@jit_sum
def _gelu_finish(x, t, y):
    """y = x/2 (1 + t), t = tanh(...) (y may be t's buffer)."""
    half, one = constants(x, 0.5, 1.0)
    for k in range(x.size):
        y[k] = half * x[k] * (one + t[k])


@jit_sum
def _gelu_slope(grad, x, t, dx):
    """dx = grad * ((1 + t)/2 + x/2 (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2)) (dx may be t's buffer)."""
    half, one, root, cubic3 = constants(x, 0.5, 1.0, _SQRT_2_OVER_PI, 3 * 0.044715)
    for k in range(x.size):
        v, tk = x[k], t[k]
        dx[k] = grad[k] * (half * (one + tk) + half * v * (one - tk * tk) * root * (one + cubic3 * v * v))


def _gelu_slice(x, t, y, start, stop):
    xs, ts = x[start:stop], t[start:stop]
    _gelu_argument(xs, ts)
    np.tanh(ts, out=ts)  # NumPy's vectorised tanh (see the NOTE above)
    _gelu_finish(xs, ts, y[start:stop])


def gelu_tanh(x):
    if not floats(x):
        return reference.gelu_tanh(x)
    flat = np.ascontiguousarray(x).reshape(-1)
    y, t = np.empty_like(flat), np.empty_like(flat)
    threads.run_split(
        lambda a, b: _gelu_slice(flat, t, y, a, b), flat.size, parallel=threads.worth_splitting(flat.size)
    )
    return y.reshape(x.shape), t.reshape(x.shape)


def gelu_tanh_backward(grad, x, t):
    """One pass over grad, x and the forward's tanh."""
    if not floats(grad, x, t):
        return reference.gelu_tanh_backward(grad, x, t)
    flat, g = np.ascontiguousarray(x).reshape(-1), np.ascontiguousarray(grad).reshape(-1)
    tanh = np.ascontiguousarray(t).reshape(-1)
    dx = np.empty_like(flat)
    threads.run_split(
        lambda a, b: _gelu_slope(g[a:b], flat[a:b], tanh[a:b], dx[a:b]),
        flat.size,
        parallel=threads.worth_splitting(flat.size),
    )
    return dx.reshape(x.shape)
