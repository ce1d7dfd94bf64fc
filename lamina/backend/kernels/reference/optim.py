"""Reference optimizer updates, in place on the parameter and its state (one rule per function)."""

import math

from lamina.backend.kernels import namespace


def adam_step(p, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled, step, max_exp_avg_sq=None):
    """One Adam/AdamW update of p, in place (lamina/optim/adam.py states the rule); with max_exp_avg_sq,
    AMSGrad's: the denominator uses the running maximum of exp_avg_sq, kept in that buffer."""
    xp = namespace.of(p)
    if weight_decay:
        if decoupled:
            p *= 1 - lr * weight_decay
        else:
            grad = grad + weight_decay * p
    exp_avg *= beta1
    exp_avg += (1 - beta1) * grad
    exp_avg_sq *= beta2
    exp_avg_sq += (1 - beta2) * grad * grad
    second = exp_avg_sq
    if max_exp_avg_sq is not None:
        xp.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        second = max_exp_avg_sq
    denominator = xp.sqrt(second) / math.sqrt(1 - beta2**step) + eps
    p -= (lr / (1 - beta1**step)) * exp_avg / denominator


def sgd_momentum_step(p, grad, buffer, lr, momentum, dampening, weight_decay, nesterov):
    """One SGD update with a momentum buffer that already holds at least one step (see optim/sgd.py)."""
    if weight_decay:
        grad = grad + weight_decay * p
    buffer *= momentum
    buffer += (1 - dampening) * grad
    p -= lr * (grad + momentum * buffer if nesterov else buffer)
