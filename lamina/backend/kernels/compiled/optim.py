"""The optimizer updates: one pass over the parameter and its state instead of NumPy's eight."""

import math

import numpy as np

from lamina.backend.kernels import reference, small
from lamina.backend.kernels.compiled.common import floats, jit


@jit
def _adam(p, grad, exp_avg, exp_avg_sq, coefficients, decoupled):
    """coefficients (p's dtype): beta1, 1 - beta1, beta2, 1 - beta2, eps, weight_decay, 1 - lr*weight_decay,
    lr / (1 - beta1^step), sqrt(1 - beta2^step)."""
    beta1, one_minus_beta1, beta2, one_minus_beta2, eps, weight_decay, shrink, step_size, bias2_root = coefficients
    for k in range(p.size):
        g = grad[k]
        if weight_decay != 0:
            if decoupled:
                p[k] *= shrink
            else:
                g = g + weight_decay * p[k]
        m = beta1 * exp_avg[k] + one_minus_beta1 * g
        v = beta2 * exp_avg_sq[k] + one_minus_beta2 * g * g
        exp_avg[k], exp_avg_sq[k] = m, v
        p[k] -= step_size * m / (np.sqrt(v) / bias2_root + eps)


adam_step = small.adam_step  # small.c's loop on small parameters, adam_step_beyond_small below for the rest


def adam_step_beyond_small(p, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled, step):
    arrays = (p, grad, exp_avg, exp_avg_sq)
    # one vectorised pass instead of NumPy's eight
    if not floats(*arrays) or not all(a.flags.c_contiguous for a in arrays):
        return reference.adam_step(p, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled, step)
    flat = [a.reshape(-1) for a in arrays]
    coefficients = np.array(
        [beta1, 1 - beta1, beta2, 1 - beta2, eps, weight_decay, 1 - lr * weight_decay]
        + [lr / (1 - beta1**step), math.sqrt(1 - beta2**step)],
        dtype=p.dtype,  # float32 parameters are updated in float32 arithmetic, as the reference does
    )
    _adam(*flat, coefficients, decoupled)


@jit
def _sgd_momentum(p, grad, buffer, coefficients, nesterov):
    """coefficients (p's dtype): lr, momentum, 1 - dampening, weight_decay."""
    lr, momentum, undamped, weight_decay = coefficients
    for k in range(p.size):
        g = grad[k]
        if weight_decay != 0:
            g = g + weight_decay * p[k]
        b = momentum * buffer[k] + undamped * g
        buffer[k] = b
        p[k] -= lr * (g + momentum * b if nesterov else b)


sgd_momentum_step = small.sgd_momentum_step  # small.c's loop on small parameters, the one below for the rest


def sgd_momentum_step_beyond_small(p, grad, buffer, lr, momentum, dampening, weight_decay, nesterov):
    arrays = (p, grad, buffer)
    if not floats(*arrays) or not all(a.flags.c_contiguous for a in arrays):
        return reference.sgd_momentum_step(p, grad, buffer, lr, momentum, dampening, weight_decay, nesterov)
    coefficients = np.array([lr, momentum, 1 - dampening, weight_decay], dtype=p.dtype)
    _sgd_momentum(*[a.reshape(-1) for a in arrays], coefficients, nesterov)
