"""Adam's relatives with PyTorch's formulas and defaults: Adamax and NAdam (Kingma & Ba 2015; Dozat 2016)
and RAdam (Liu et al. 2020). Each update works in place on the parameter's arrays, like Adam's."""

import math

from lamina.optim.optimizer import Optimizer, check_hyperparameter


def _moments(optimizer, param, grad, group, state):
    """The weight decay (coupled into g, or decoupled into p) and Adam's two moments, updated in place;
    returns (g, m, v, t)."""
    p = param.array
    state["step"] = step = state.get("step", 0) + 1
    if group["weight_decay"]:
        if group.get("decoupled_weight_decay"):
            p *= 1 - group["lr"] * group["weight_decay"]
        else:
            grad = grad + group["weight_decay"] * p
    beta1, beta2 = group["betas"]
    exp_avg, exp_avg_sq = optimizer.buffer(state, "exp_avg", param), optimizer.buffer(state, "exp_avg_sq", param)
    exp_avg += (grad - exp_avg) * (1 - beta1)
    exp_avg_sq *= beta2
    exp_avg_sq += (1 - beta2) * grad * grad
    return grad, exp_avg, exp_avg_sq, step


def _check(lr, betas, eps, weight_decay):
    check_hyperparameter("lr", lr)
    check_hyperparameter("epsilon value", eps)
    check_hyperparameter("beta parameter at index 0", betas[0], 0.0, 1.0)
    check_hyperparameter("beta parameter at index 1", betas[1], 0.0, 1.0)
    check_hyperparameter("weight_decay", weight_decay)


class Adamax(Optimizer):
    """
    g = grad + weight_decay * p
    m = beta1 * m + (1 - beta1) * g
    u = max(beta2 * u, |g| + eps)                  (the infinity norm in place of Adam's v)
    p = p - lr / (1 - beta1^t) * m / u
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, maximize=False):
        _check(lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, maximize=maximize))

    def update(self, param, grad, group, state):
        xp, p = param.device.backend.xp, param.array
        beta1, beta2 = group["betas"]
        state["step"] = step = state.get("step", 0) + 1
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p
        exp_avg, exp_inf = self.buffer(state, "exp_avg", param), self.buffer(state, "exp_inf", param)
        exp_avg += (grad - exp_avg) * (1 - beta1)
        exp_inf *= beta2
        xp.maximum(exp_inf, xp.abs(grad) + group["eps"], out=exp_inf)
        p -= (group["lr"] / (1 - beta1**step)) * exp_avg / exp_inf


class NAdam(Optimizer):
    """
    g = grad + weight_decay * p                    (decoupled_weight_decay: p = p * (1 - lr * weight_decay))
    mu_t = beta1 (1 - 0.96^(t psi) / 2), psi = momentum_decay; M_t = mu_1 ... mu_t
    m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g^2
    d = sqrt(v / (1 - beta2^t)) + eps
    p = p - lr (1 - mu_t) / (1 - M_t) * g / d - lr mu_{t+1} / (1 - M_t mu_{t+1}) * m / d
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, maximize=False):  # fmt: skip
        _check(lr, betas, eps, weight_decay)
        check_hyperparameter("momentum_decay", momentum_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)  # fmt: skip
        super().__init__(params, defaults)

    def update(self, param, grad, group, state):
        xp, p, lr = param.device.backend.xp, param.array, group["lr"]
        beta1, beta2 = group["betas"]
        grad, exp_avg, exp_avg_sq, step = _moments(self, param, grad, group, state)
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * group["momentum_decay"]))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * group["momentum_decay"]))
        # NOTE: PyTorch keeps this running product as a float32 scalar (its default scalar dtype); so does lamina,
        # so float64 runs agree with PyTorch's to rounding (in float64 the two drift apart by ~1e-9 in 20 steps)
        state["mu_product"] = mu_product = float(xp.float32(state.get("mu_product", 1.0)) * xp.float32(mu))
        denominator = xp.sqrt(exp_avg_sq / (1 - beta2**step)) + group["eps"]
        p -= (lr * (1.0 - mu) / (1.0 - mu_product)) * grad / denominator
        p -= (lr * mu_next / (1.0 - mu_product * mu_next)) * exp_avg / denominator


class RAdam(Optimizer):
    """
    g = grad + weight_decay * p                    (decoupled_weight_decay: p = p * (1 - lr * weight_decay))
    m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g^2;   m_hat = m / (1 - beta1^t)
    rho_inf = 2 / (1 - beta2) - 1;     rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
    rho_t > 5: r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
               p = p - lr * m_hat * r * sqrt(1 - beta2^t) / (sqrt(v) + eps)
    otherwise: p = p - lr * m_hat                  (the variance is not yet tractable: plain momentum)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 decoupled_weight_decay=False, maximize=False):  # fmt: skip
        _check(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)  # fmt: skip
        super().__init__(params, defaults)

    def update(self, param, grad, group, state):
        xp, p, lr = param.device.backend.xp, param.array, group["lr"]
        beta1, beta2 = group["betas"]
        grad, exp_avg, exp_avg_sq, step = _moments(self, param, grad, group, state)
        correction2 = 1 - beta2**step
        corrected = exp_avg / (1 - beta1**step)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * beta2**step / correction2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            p -= corrected * (lr * rect * math.sqrt(correction2)) / (xp.sqrt(exp_avg_sq) + group["eps"])
        else:
            p -= corrected * lr
