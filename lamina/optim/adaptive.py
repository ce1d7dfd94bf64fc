"""Per-coordinate adaptive rates: RMSprop (Hinton 2012), Adagrad (Duchi et al. 2011), Adadelta (Zeiler 2012)."""

from lamina.optim.optimizer import Optimizer, check_hyperparameter


class RMSprop(Optimizer):
    """
    g = grad + weight_decay * p
    s = alpha * s + (1 - alpha) * g^2
    d = sqrt(s - a^2) + eps  with a = alpha * a + (1 - alpha) * g   if centered, else sqrt(s) + eps
    b = momentum * b + g / d ; p = p - lr * b      (without momentum: p = p - lr * g / d)
    """

    def __init__(
        self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False, maximize=False
    ):
        for name, value in (
            ("lr", lr),
            ("epsilon value", eps),
            ("momentum", momentum),
            ("weight_decay", weight_decay),
            ("alpha value", alpha),
        ):
            check_hyperparameter(name, value)
        super().__init__(
            params,
            dict(
                lr=lr,
                alpha=alpha,
                eps=eps,
                weight_decay=weight_decay,
                momentum=momentum,
                centered=centered,
                maximize=maximize,
            ),
        )

    def update(self, param, grad, group, state):
        xp = param.device.backend.xp
        p, alpha = param.array, group["alpha"]
        state["step"] = state.get("step", 0) + 1
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p
        square_avg = self.buffer(state, "square_avg", param)
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = self.buffer(state, "grad_avg", param)
            grad_avg *= alpha
            grad_avg += (1 - alpha) * grad
            denominator = xp.sqrt(square_avg - grad_avg * grad_avg) + group["eps"]
        else:
            denominator = xp.sqrt(square_avg) + group["eps"]
        if group["momentum"] > 0:
            buffer = self.buffer(state, "momentum_buffer", param)
            buffer *= group["momentum"]
            buffer += grad / denominator
            p -= group["lr"] * buffer
        else:
            p -= group["lr"] * grad / denominator


class Adagrad(Optimizer):
    """
    g = grad + weight_decay * p
    s = s + g^2
    p = p - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps)
    """

    def __init__(
        self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10, maximize=False
    ):
        for name, value in (
            ("lr", lr),
            ("lr_decay", lr_decay),
            ("weight_decay", weight_decay),
            ("initial_accumulator_value", initial_accumulator_value),
            ("epsilon value", eps),
        ):
            check_hyperparameter(name, value)
        super().__init__(
            params,
            dict(
                lr=lr,
                lr_decay=lr_decay,
                weight_decay=weight_decay,
                eps=eps,
                initial_accumulator_value=initial_accumulator_value,
                maximize=maximize,
            ),
        )

    def update(self, param, grad, group, state):
        xp = param.device.backend.xp
        p = param.array
        state["step"] = step = state.get("step", 0) + 1
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p
        rate = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        total = self.buffer(state, "sum", param, fill=group["initial_accumulator_value"])
        total += grad * grad
        p -= rate * grad / (xp.sqrt(total) + group["eps"])


class Adadelta(Optimizer):
    """
    g = grad + weight_decay * p
    s = rho * s + (1 - rho) * g^2
    delta = sqrt(u + eps) / sqrt(s + eps) * g
    u = rho * u + (1 - rho) * delta^2
    p = p - lr * delta
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False):
        check_hyperparameter("lr", lr)
        check_hyperparameter("rho value", rho, 0.0, 1.0, inclusive_high=True)
        check_hyperparameter("epsilon value", eps)
        check_hyperparameter("weight_decay", weight_decay)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize))

    def update(self, param, grad, group, state):
        xp = param.device.backend.xp
        p, rho, eps = param.array, group["rho"], group["eps"]
        state["step"] = state.get("step", 0) + 1
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p
        square_avg = self.buffer(state, "square_avg", param)
        acc_delta = self.buffer(state, "acc_delta", param)
        square_avg *= rho
        square_avg += (1 - rho) * grad * grad
        delta = xp.sqrt(acc_delta + eps) / xp.sqrt(square_avg + eps) * grad
        acc_delta *= rho
        acc_delta += (1 - rho) * delta * delta
        p -= group["lr"] * delta
