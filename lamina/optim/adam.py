"""Adam (Kingma & Ba 2015) with AMSGrad (Reddi et al. 2018), and AdamW (Loshchilov & Hutter 2019)."""

from lamina.optim.optimizer import Optimizer, check_hyperparameter


class Adam(Optimizer):
    """
    g = grad + weight_decay * p                    (AdamW instead: p = p * (1 - lr * weight_decay))
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g^2              (amsgrad: v_max = max(v_max, v), used below)
    p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    """

    decoupled_weight_decay = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False):
        check_hyperparameter("lr", lr)
        check_hyperparameter("epsilon value", eps)
        check_hyperparameter("beta parameter at index 0", betas[0], 0.0, 1.0)
        check_hyperparameter("beta parameter at index 1", betas[1], 0.0, 1.0)
        check_hyperparameter("weight_decay", weight_decay)
        super().__init__(
            params,
            dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize),
        )

    def update(self, param, grad, group, state):
        p, lr = param.array, group["lr"]
        beta1, beta2 = group["betas"]
        state["step"] = step = state.get("step", 0) + 1
        exp_avg = self.buffer(state, "exp_avg", param)
        exp_avg_sq = self.buffer(state, "exp_avg_sq", param)
        # the rule lives in the kernel set (reference.adam_step, the definition; fused loops beside it)
        param.device.backend.kernels.adam_step(
            p,
            grad,
            exp_avg,
            exp_avg_sq,
            lr,
            beta1,
            beta2,
            group["eps"],
            group["weight_decay"],
            self.decoupled_weight_decay,
            step,
            self.buffer(state, "max_exp_avg_sq", param) if group["amsgrad"] else None,
        )


class AdamW(Adam):
    """Adam with decoupled weight decay: the decay shrinks p directly instead of entering the gradient."""

    decoupled_weight_decay = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize)
