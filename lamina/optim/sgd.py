"""Stochastic gradient descent with momentum (Robbins & Monro 1951; Polyak 1964; Sutskever et al. 2013)."""

from lamina.optim.optimizer import Optimizer, check_hyperparameter


class SGD(Optimizer):
    """
    g = grad + weight_decay * p
    if momentum: b = momentum * b + (1 - dampening) * g   (b = g at the first step)
                 g = g + momentum * b if nesterov else b
    p = p - lr * g
    """

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
        check_hyperparameter("lr", lr)
        check_hyperparameter("momentum", momentum)
        check_hyperparameter("weight_decay", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum and zero dampening.")
        super().__init__(
            params,
            dict(
                lr=lr,
                momentum=momentum,
                dampening=dampening,
                weight_decay=weight_decay,
                nesterov=nesterov,
                maximize=maximize,
            ),
        )

    def update(self, param, grad, group, state):
        p, momentum = param.array, group["momentum"]
        if momentum and "momentum_buffer" in state:  # after the first step: one fused kernel (backend/kernels)
            param.device.backend.kernels.sgd_momentum_step(
                p,
                grad,
                state["momentum_buffer"].array,
                group["lr"],
                momentum,
                group["dampening"],
                group["weight_decay"],
                group["nesterov"],
            )
            return
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p
        if momentum:  # the first step: the buffer starts as the gradient (PyTorch's rule)
            buffer = self.buffer(state, "momentum_buffer", param)
            buffer[...] = grad
            grad = grad + momentum * buffer if group["nesterov"] else buffer
        p -= group["lr"] * grad
