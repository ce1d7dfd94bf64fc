"""Rprop (Riedmiller & Braun 1993): each weight's own step size, grown while its gradient keeps its sign."""

from lamina.optim.optimizer import Optimizer, check_hyperparameter


class Rprop(Optimizer):
    """
    s = sign(g * g_prev):  step = step * eta_plus where s > 0, * eta_minus where s < 0, clamped to step_sizes
    where s < 0 the gradient counts as 0 (no move now, and no sign to compare next time)
    p = p - sign(g) * step ;  g_prev = g
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, maximize=False):
        check_hyperparameter("lr", lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(params, dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes), maximize=maximize))

    def update(self, param, grad, group, state):
        xp = param.device.backend.xp
        eta_minus, eta_plus = group["etas"]
        smallest, largest = group["step_sizes"]
        state["step"] = state.get("step", 0) + 1
        previous = self.buffer(state, "prev", param)
        step_size = self.buffer(state, "step_size", param, fill=group["lr"])
        sign = xp.sign(grad * previous)
        factor = xp.where(sign > 0, eta_plus, xp.where(sign < 0, eta_minus, 1.0)).astype(step_size.dtype)
        xp.clip(step_size * factor, smallest, largest, out=step_size)
        grad = xp.where(sign < 0, 0, grad).astype(grad.dtype, copy=False)
        param.array[...] -= xp.sign(grad) * step_size
        previous[...] = grad
