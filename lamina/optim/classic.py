"""The learning rules that came before back-propagation, in the optimizer API.

They do not read gradients: each `step(inputs, ...)` computes the rule's own
update for a single-layer unit from the inputs it sees, for a layer whose
parameters are (weight (out, in), bias (out,)) as in nn.Linear. Parameter
groups, lr schedulers and state_dicts work as for any optimizer.
"""

from lamina.autograd.grad_mode import no_grad
from lamina.errors import ShapeError, shape_str
from lamina.optim.optimizer import Optimizer, check_hyperparameter


class _SingleLayerRule(Optimizer):
    def __init__(self, params, defaults):
        super().__init__(params, defaults)
        params = self.param_groups[0]["params"]
        if len(self.param_groups) != 1 or len(params) not in (1, 2) or params[0].ndim != 2:
            raise ValueError(
                f"{type(self).__name__}: expects the parameters of one linear layer: weight (out, in) "
                "and optionally bias (out,), e.g. layer.parameters()."
            )
        self.weight = params[0]
        self.bias = params[1] if len(params) == 2 else None

    def _net_input(self, inputs):
        if inputs.ndim != 2 or inputs.shape[1] != self.weight.shape[1]:
            raise ShapeError(
                f"{type(self).__name__}: inputs must be (N, {self.weight.shape[1]}); got {shape_str(inputs.shape)}."
            )
        out = inputs.array @ self.weight.array.T
        return out + self.bias.array if self.bias is not None else out

    def _apply(self, weight_delta, bias_delta):
        with no_grad():
            self.weight.array += weight_delta
            self.weight._version[0] += 1
            if self.bias is not None:
                self.bias.array += bias_delta
                self.bias._version[0] += 1


class PerceptronRule(_SingleLayerRule):
    """Rosenblatt (1958): y = [w.x + b > 0]; on a mistake, w = w + lr (t - y) x, b = b + lr (t - y).

    Targets are 0/1. `step` returns the number of mistakes in the batch (0 once it has converged).
    """

    def __init__(self, params, lr=1.0):
        check_hyperparameter("lr", lr)
        super().__init__(params, dict(lr=lr))

    def step(self, inputs, targets):
        lr = self.param_groups[0]["lr"]
        predictions = (self._net_input(inputs) > 0).astype(inputs.array.dtype)
        errors = targets.array.reshape(predictions.shape).astype(inputs.array.dtype) - predictions  # (N, out)
        self._apply(lr * errors.T @ inputs.array, lr * errors.sum(0))
        return int((errors != 0).sum())


class HebbianRule(_SingleLayerRule):
    """Hebb (1949): 'cells that fire together wire together', dw = lr y x with y = w.x.

    rule='oja' adds Oja's (1982) decay, dw = lr y (x - y w), which keeps |w| bounded and
    makes a single unit converge to the inputs' first principal component. Batches average.
    """

    def __init__(self, params, lr=0.01, rule="oja"):
        check_hyperparameter("lr", lr)
        if rule not in ("hebb", "oja"):
            raise ValueError(f"HebbianRule: rule must be 'hebb' or 'oja'; got {rule!r}.")
        super().__init__(params, dict(lr=lr, rule=rule))

    def step(self, inputs):
        group = self.param_groups[0]
        x = inputs.array
        y = self._net_input(inputs)  # (N, out)
        delta = y.T @ x  # sum over the batch of y_i x_j
        if group["rule"] == "oja":
            delta = delta - (y.T @ y) @ self.weight.array  # Oja's subspace rule: decay by what is already explained
        self._apply(group["lr"] * delta / len(x), 0.0)
        return y


class WidrowHoff(_SingleLayerRule):
    """Widrow & Hoff (1960), the LMS or delta rule: y = w.x + b; w = w + lr (t - y) x (averaged)."""

    def __init__(self, params, lr=0.01):
        check_hyperparameter("lr", lr)
        super().__init__(params, dict(lr=lr))

    def step(self, inputs, targets):
        lr = self.param_groups[0]["lr"]
        outputs = self._net_input(inputs)
        errors = targets.array.reshape(outputs.shape).astype(outputs.dtype) - outputs
        self._apply(lr * errors.T @ inputs.array / len(outputs), lr * errors.mean(0))
        return float((errors * errors).mean())
