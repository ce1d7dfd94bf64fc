"""L-BFGS (Liu & Nocedal 1989), torch.optim.LBFGS's algorithm and defaults, without a line search.

    step(closure):                      closure() re-evaluates the loss and its gradients
      loss, g = closure(), flat gradient
      repeat up to max_iter times, or until |g|_inf <= tolerance_grad:
        d = -H g                        H from the last history_size pairs (s, y), two-loop recursion
        t = lr (the first iteration of the first step: min(1, 1 / |g|_1) * lr)
        x = x + t d; loss, g = closure()
        stop when |t d|_inf <= tolerance_change or the loss changes by less than that
      s = x_new - x_old, y = g_new - g_old are kept when y.s > 1e-10

One parameter group, all its parameters seen as one flat vector (as in PyTorch).
"""

from lamina.autograd.grad_mode import enable_grad, no_grad
from lamina.ops.movement import cat
from lamina.optim.optimizer import Optimizer, check_hyperparameter


class LBFGS(Optimizer):
    def __init__(
        self,
        params,
        lr=1.0,
        max_iter=20,
        max_eval=None,
        tolerance_grad=1e-7,
        tolerance_change=1e-9,
        history_size=100,
        line_search_fn=None,
    ):
        check_hyperparameter("lr", lr)
        if line_search_fn is not None:
            raise ValueError("LBFGS: line_search_fn is not supported in lamina (only None, PyTorch's default).")
        max_eval = max_eval if max_eval is not None else max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size, line_search_fn=None)  # fmt: skip
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups).")
        self._params = self.param_groups[0]["params"]

    def _flat_grad(self):
        return cat([p.grad.reshape(-1) if p.grad is not None else p.new_zeros(p.numel()) for p in self._params])

    def _add(self, step_size, direction):
        offset = 0
        for p in self._params:
            p.add_(direction[offset : offset + p.numel()].reshape(*p.shape) * step_size)
            offset += p.numel()

    def step(self, closure):
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        state = self.state.setdefault(self._params[0], {"func_evals": 0, "n_iter": 0})
        with enable_grad():
            loss = closure()
        with no_grad():
            return self._iterate(closure, state, group, lr, max_iter, max_eval, float(loss), loss)

    def _iterate(self, closure, state, group, lr, max_iter, max_eval, loss_value, original_loss):
        evals = 1
        state["func_evals"] += 1
        g = self._flat_grad()
        if float(g.abs().max()) <= group["tolerance_grad"]:
            return original_loss
        d, t = state.get("d"), state.get("t")
        old_dirs, old_steps = state.setdefault("old_dirs", []), state.setdefault("old_stps", [])
        ro, h_diag, prev_g = state.setdefault("ro", []), state.get("H_diag", 1.0), state.get("prev_flat_grad")
        prev_loss = state.get("prev_loss")
        for n_iter in range(1, max_iter + 1):
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d, h_diag = -g, 1.0
            else:
                y, s = g - prev_g, d * t
                ys = float((y * s).sum())
                if ys > 1e-10:
                    if len(old_dirs) == group["history_size"]:
                        old_dirs.pop(0), old_steps.pop(0), ro.pop(0)
                    old_dirs.append(y), old_steps.append(s), ro.append(1.0 / ys)
                    h_diag = ys / float((y * y).sum())
                d = self._two_loop(g, old_dirs, old_steps, ro, h_diag)
            prev_g, prev_loss = g.clone(), loss_value
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / float(g.abs().sum())) * lr
            else:
                t = lr
            gtd = float((g * d).sum())
            if gtd > -group["tolerance_change"]:
                break
            self._add(t, d)
            if n_iter != max_iter:
                with enable_grad():
                    loss_value = float(closure())
                g = self._flat_grad()
                evals += 1
                state["func_evals"] += 1
            if n_iter == max_iter or evals >= max_eval:
                break
            if float(g.abs().max()) <= group["tolerance_grad"]:
                break
            if float((d * t).abs().max()) <= group["tolerance_change"]:
                break
            if abs(loss_value - prev_loss) < group["tolerance_change"]:
                break
        state.update(d=d, t=t, H_diag=h_diag, prev_flat_grad=prev_g, prev_loss=prev_loss)
        return original_loss

    @staticmethod
    def _two_loop(g, old_dirs, old_steps, ro, h_diag):
        """d = -H g with H the L-BFGS inverse-Hessian estimate from the stored (s, y) pairs."""
        q = -g
        alphas = [0.0] * len(old_dirs)
        for i in range(len(old_dirs) - 1, -1, -1):
            alphas[i] = float((old_steps[i] * q).sum()) * ro[i]
            q = q - old_dirs[i] * alphas[i]
        r = q * h_diag
        for i in range(len(old_dirs)):
            beta = float((old_dirs[i] * r).sum()) * ro[i]
            r = r + old_steps[i] * (alphas[i] - beta)
        return r
