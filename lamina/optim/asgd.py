"""Averaged SGD (Polyak & Juditsky 1992): SGD with a decaying rate, and a running average of the iterates."""

from lamina import dtypes
from lamina.optim.optimizer import Optimizer, check_hyperparameter


class ASGD(Optimizer):
    """
    g = grad + weight_decay * p
    p = p (1 - lambd eta) - eta g
    ax = ax + mu (p - ax)                (ax = p while mu = 1): the average, in state["ax"]
    eta = lr / (1 + lambd lr t)^alpha ;  mu = 1 / max(1, t - t0)
    """

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0.0, maximize=False):
        check_hyperparameter("lr", lr)
        check_hyperparameter("weight_decay", weight_decay)
        super().__init__(
            params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, maximize=maximize)
        )

    def update(self, param, grad, group, state):
        p, lr, lambd = param.array, group["lr"], group["lambd"]
        # eta and mu are kept rounded to the default float dtype, as PyTorch keeps them (0-d tensors of its
        # scalar dtype), so that the two give the same iterates
        rounded = dtypes.default_float.numpy.type
        state["step"] = step = state.get("step", 0) + 1
        eta, mu = state.get("eta", float(rounded(lr))), state.get("mu", 1.0)
        average = self.buffer(state, "ax", param)
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p
        p *= 1 - lambd * eta
        p -= eta * grad
        if mu != 1:
            average += (p - average) * mu
        else:
            average[...] = p
        state["eta"] = float(rounded(lr / ((1 + lambd * lr * step) ** group["alpha"])))
        state["mu"] = float(rounded(1 / max(1, step - group["t0"])))
