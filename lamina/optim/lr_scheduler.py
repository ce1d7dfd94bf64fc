"""Learning-rate schedules (torch.optim.lr_scheduler names).

Each schedule is written in closed form: the rate at step t is a function of
the group's initial rate and t, so resuming from a state_dict is exact. To
chain schedules, use SequentialLR (warmup then cosine) or ChainedScheduler (their factors multiplied).
"""

import math
import weakref
from bisect import bisect_right


def _claim(scheduler):
    """Refuse two schedulers stepping one optimizer in turn.

    NOTE: lamina's schedules are closed forms of the initial rate, so a second one would overwrite the
    first's rate instead of compounding with it as PyTorch's recursive forms do (two StepLRs: 0.729 in
    lamina where PyTorch gives 0.091). Replacing a scheduler by a new one is fine; alternating is refused."""
    optimizer = scheduler.optimizer
    previous = optimizer.__dict__.get("_lamina_last_scheduler")
    other = previous() if previous is not None else None
    if other is not None and other is not scheduler and scheduler.__dict__.get("_stepped", False):
        raise ValueError(
            f"{type(scheduler).__name__}: another scheduler ({type(other).__name__}) steps the same optimizer; "
            "lamina's schedules do not compound. Combine them with SequentialLR (one after another) or one "
            "LambdaLR whose function multiplies the factors."
        )
    scheduler._stepped = True
    optimizer.__dict__["_lamina_last_scheduler"] = weakref.ref(scheduler)


def _positive(owner: str, name: str, value, integer: bool = True):
    if (integer and (not isinstance(value, int) or isinstance(value, bool))) or not value > 0:
        kind = "a positive integer" if integer else "a positive number"
        raise ValueError(f"{owner}: {name} must be {kind}; got {value!r}.")


class LRScheduler:
    """Base: `step()` advances one epoch (or iteration) and writes each group's lr."""

    def __init__(self, optimizer, last_epoch=-1):
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(
                    f"{type(self).__name__}: param 'initial_lr' is not specified in param_groups when "
                    "resuming (last_epoch != -1); load the optimizer's state first."
                )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self):
        self._set()

    def lr_at(self, base_lr: float, epoch: int) -> float:
        raise NotImplementedError

    def step(self, epoch=None):
        _claim(self)
        self._set(epoch)

    def _set(self, epoch=None):
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        for group, base in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = self.lr_at(base, self.last_epoch)
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list:
        return list(self._last_lr)

    def state_dict(self) -> dict:
        skip = ("optimizer", "lr_lambdas", "_stepped")
        return {k: v for k, v in self.__dict__.items() if k not in skip and not callable(v)}

    def load_state_dict(self, state_dict: dict):
        self.__dict__.update(state_dict)


class StepLR(LRScheduler):
    """lr = base * gamma ^ floor(epoch / step_size)."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        _positive("StepLR", "step_size", step_size, integer=False)  # the text tutorial passes 1.0, as torch allows
        _positive("StepLR", "gamma", gamma, integer=False)
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, epoch):
        return base_lr * self.gamma ** (epoch // self.step_size)


class MultiStepLR(LRScheduler):
    """lr = base * gamma ^ (number of milestones passed)."""

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        _positive("MultiStepLR", "gamma", gamma, integer=False)
        self.milestones, self.gamma = sorted(milestones), gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, epoch):
        return base_lr * self.gamma ** bisect_right(self.milestones, epoch)


class ExponentialLR(LRScheduler):
    """lr = base * gamma ^ epoch."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        _positive("ExponentialLR", "gamma", gamma, integer=False)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, epoch):
        return base_lr * self.gamma**epoch


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base - eta_min) (1 + cos(pi epoch / T_max)) / 2 (Loshchilov & Hutter 2017)."""

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):  # noqa: N803 (PyTorch's name)
        _positive("CosineAnnealingLR", "T_max", T_max, integer=False)
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, epoch):
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing restarted every T_i epochs, T_0 first and T_i = T_0 T_mult^i (Loshchilov & Hutter 2017)."""

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):  # noqa: N803 (PyTorch's names)
        if not isinstance(T_0, int) or T_0 <= 0:
            raise ValueError(f"CosineAnnealingWarmRestarts: T_0 must be a positive integer; got {T_0!r}.")
        if not isinstance(T_mult, int) or T_mult < 1:
            raise ValueError(f"CosineAnnealingWarmRestarts: T_mult must be an integer >= 1; got {T_mult!r}.")
        self.T_0, self.T_mult, self.eta_min = T_0, T_mult, eta_min
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, epoch):
        if self.T_mult == 1:
            t_cur, t_i = epoch % self.T_0, self.T_0
        else:  # which restart the epoch falls in: the largest n with T_0 (T_mult^n - 1) / (T_mult - 1) <= epoch
            n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
            t_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
            t_i = self.T_0 * self.T_mult**n
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * t_cur / t_i)) / 2


class LinearLR(LRScheduler):
    """lr = base * factor, factor going linearly from start_factor to end_factor over total_iters."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        if not 0 < start_factor <= 1 or not 0 <= end_factor <= 1:
            raise ValueError("LinearLR: start_factor must be in (0, 1] and end_factor in [0, 1].")
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, epoch):
        progress = min(epoch, self.total_iters) / self.total_iters if self.total_iters else 1.0
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor) * progress)


class ConstantLR(LRScheduler):
    """lr = base * factor for the first total_iters steps, then base."""

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        if not 0 <= factor <= 1:
            raise ValueError(f"ConstantLR: factor must be in [0, 1]; got {factor}.")
        self.factor, self.total_iters = factor, total_iters
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, epoch):
        return base_lr * (self.factor if epoch < self.total_iters else 1.0)


class PolynomialLR(LRScheduler):
    """lr = base * (1 - min(t, total_iters) / total_iters) ** power: to 0 at total_iters, then held."""

    def __init__(self, optimizer, total_iters=5, power=1.0, last_epoch=-1):
        if total_iters <= 0:
            raise ValueError(f"PolynomialLR: total_iters must be positive; got {total_iters}.")
        self.total_iters, self.power = total_iters, power
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, epoch):
        return base_lr * (1.0 - min(self.total_iters, epoch) / self.total_iters) ** self.power


class MultiplicativeLR(LRScheduler):
    """lr_t = lr_{t-1} * lr_lambda(t) (one function, or one per parameter group): base times the product of
    the factors so far, kept per group so that a resumed run continues exactly."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        groups = len(optimizer.param_groups)
        self.lr_lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * groups
        if len(self.lr_lambdas) != groups:
            raise ValueError(f"MultiplicativeLR: expected {groups} lr_lambdas, got {len(self.lr_lambdas)}.")
        self.factors = [1.0] * groups
        super().__init__(optimizer, last_epoch)

    def _set(self, epoch=None):
        if epoch is not None and epoch != self.last_epoch + 1:
            raise ValueError("MultiplicativeLR: steps one epoch at a time (its rate is a running product).")
        self.last_epoch += 1
        if self.last_epoch > 0:
            self.factors = [f * function(self.last_epoch) for f, function in zip(self.factors, self.lr_lambdas)]
        for group, base, factor in zip(self.optimizer.param_groups, self.base_lrs, self.factors):
            group["lr"] = base * factor
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]


class LambdaLR(LRScheduler):
    """lr = base * lr_lambda(epoch) (one function, or one per parameter group)."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        groups = len(optimizer.param_groups)
        self.lr_lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * groups
        if len(self.lr_lambdas) != groups:
            raise ValueError(f"LambdaLR: expected {groups} lr_lambdas, got {len(self.lr_lambdas)}.")
        super().__init__(optimizer, last_epoch)

    def _set(self, epoch=None):
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        for group, base, function in zip(self.optimizer.param_groups, self.base_lrs, self.lr_lambdas):
            group["lr"] = base * function(self.last_epoch)
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]


class OneCycleLR(LRScheduler):
    """Smith & Topin (2019): warm up from max_lr/div_factor to max_lr, then anneal to a tiny rate,
    cycling the momentum (or Adam's beta1) the opposite way."""

    def __init__(
        self,
        optimizer,
        max_lr,
        total_steps=None,
        epochs=None,
        steps_per_epoch=None,
        pct_start=0.3,
        anneal_strategy="cos",
        cycle_momentum=True,
        base_momentum=0.85,
        max_momentum=0.95,
        div_factor=25.0,
        final_div_factor=1e4,
        three_phase=False,
        last_epoch=-1,
    ):
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError("OneCycleLR: give total_steps, or epochs and steps_per_epoch.")
            total_steps = epochs * steps_per_epoch
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR: anneal_strategy must be 'cos' or 'linear'; got {anneal_strategy!r}.")
        self.total_steps, self.anneal_strategy, self.cycle_momentum = total_steps, anneal_strategy, cycle_momentum
        groups = optimizer.param_groups
        max_lrs = list(max_lr) if isinstance(max_lr, (list, tuple)) else [max_lr] * len(groups)
        for group, peak in zip(groups, max_lrs):
            group["initial_lr"] = peak / div_factor
            group["max_lr"], group["min_lr"] = peak, group["initial_lr"] / final_div_factor
            if cycle_momentum:
                group["max_momentum"], group["base_momentum"] = max_momentum, base_momentum
                self._set_momentum(group, max_momentum)
        warm_end = float(pct_start * total_steps) - 1
        if three_phase:
            self.phases = [
                (warm_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (2 * warm_end, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                (total_steps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            self.phases = [
                (warm_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (total_steps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _set_momentum(group, value):
        if "betas" in group:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start, end, fraction):
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2 * (math.cos(math.pi * fraction) + 1)
        return (end - start) * fraction + start

    def _set(self, epoch=None):
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step} times; total_steps is {self.total_steps}.")
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for index, (end_step, lr_from, lr_to, momentum_from, momentum_to) in enumerate(self.phases):
                if step <= end_step or index == len(self.phases) - 1:
                    fraction = (step - start_step) / (end_step - start_step)
                    group["lr"] = self._anneal(group[lr_from], group[lr_to], fraction)
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[momentum_from], group[momentum_to], fraction))
                    break
                start_step = end_step
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]


class _Composite(LRScheduler):
    """A schedule made of child schedules (SequentialLR, ChainedScheduler): its state is theirs."""

    def state_dict(self):
        return {"last_epoch": self.last_epoch, "schedulers": [s.state_dict() for s in self._schedulers]}

    def load_state_dict(self, state_dict):
        self.last_epoch = state_dict["last_epoch"]
        for scheduler, saved in zip(self._schedulers, state_dict["schedulers"]):
            scheduler.load_state_dict(saved)


class SequentialLR(_Composite):
    """Run schedulers one after another, switching at the milestones (e.g. LinearLR warmup, then cosine)."""

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"SequentialLR: expected {len(schedulers) - 1} milestones for {len(schedulers)} "
                f"schedulers; got {len(milestones)}."
            )
        self.optimizer, self._schedulers, self._milestones = optimizer, list(schedulers), list(milestones)
        self.last_epoch = last_epoch + 1
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for scheduler in self._schedulers:  # undo the initial step the schedulers took when they were made
            scheduler.last_epoch -= 1
        self._schedulers[0]._initial_step()
        self._last_lr = self._schedulers[0].get_last_lr()
        optimizer.__dict__.pop("_lamina_last_scheduler", None)  # the children never step on their own

    def step(self, epoch=None):
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        _claim(self)
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._set(0)
        else:
            scheduler._set()
        self._last_lr = scheduler.get_last_lr()


class ChainedScheduler(_Composite):
    """Several schedules at once: each group's rate is its initial rate times every schedule's factor (its
    rate over the initial one), as PyTorch's chain of multiplicative schedules (ConstantLR warmup with
    ExponentialLR decay). Each child keeps its own closed form; stepping the chain steps them all."""

    def __init__(self, schedulers, optimizer=None):
        schedulers = list(schedulers)
        if not schedulers:
            raise ValueError("ChainedScheduler: expects at least one scheduler.")
        optimizer = schedulers[0].optimizer if optimizer is None else optimizer
        for scheduler in schedulers:
            if not isinstance(scheduler, LRScheduler) or isinstance(scheduler, _Composite):
                raise TypeError(
                    f"ChainedScheduler: expects simple LRSchedulers; got {type(scheduler).__name__} "
                    "(ReduceLROnPlateau steps on a metric, and SequentialLR or ChainedScheduler inside a chain "
                    "are not supported)."
                )
            if scheduler.optimizer is not optimizer:
                raise ValueError("ChainedScheduler: every scheduler must step the same optimizer.")
        self.optimizer, self._schedulers = optimizer, schedulers
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = schedulers[0].last_epoch
        optimizer.__dict__.pop("_lamina_last_scheduler", None)  # the children never step on their own
        self._combine(step=False)

    def _combine(self, step: bool):
        """Each group's rate from the children's current rates (after stepping them, if step)."""
        factors = [1.0] * len(self.base_lrs)
        for scheduler in self._schedulers:
            if step:
                scheduler._set()
            for index, (rate, base) in enumerate(zip(scheduler._last_lr, self.base_lrs)):
                factors[index] *= rate / base if base else 0.0
        for group, base, factor in zip(self.optimizer.param_groups, self.base_lrs, factors):
            group["lr"] = base * factor
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def step(self, epoch=None):
        if epoch is not None:
            raise ValueError("ChainedScheduler: steps one epoch at a time (step() without an epoch).")
        _claim(self)
        self.last_epoch += 1
        self._combine(step=True)

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        self._combine(step=False)


class CyclicLR(LRScheduler):
    """Cyclical learning rates (Smith 2017): the rate climbs from base_lr to max_lr in step_size_up steps and
    back in step_size_down, its height scaled per cycle ("triangular2": halved each cycle) or per step
    ("exp_range": gamma**step); momentum (or Adam's beta1) cycles the opposite way. Meant to step per batch."""

    def __init__(
        self,
        optimizer,
        base_lr,
        max_lr,
        step_size_up=2000,
        step_size_down=None,
        mode="triangular",
        gamma=1.0,
        scale_fn=None,
        scale_mode="cycle",
        cycle_momentum=True,
        base_momentum=0.8,
        max_momentum=0.9,
        last_epoch=-1,
    ):
        groups = optimizer.param_groups

        def per_group(name, value):
            values = list(value) if isinstance(value, (list, tuple)) else [value] * len(groups)
            if len(values) != len(groups):
                raise ValueError(f"CyclicLR: expected {len(groups)} values of {name}, got {len(values)}.")
            return values

        if scale_fn is None and mode not in ("triangular", "triangular2", "exp_range"):
            raise ValueError(f"CyclicLR: mode must be 'triangular', 'triangular2' or 'exp_range'; got {mode!r}.")
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(f"CyclicLR: scale_mode must be 'cycle' or 'iterations'; got {scale_mode!r}.")
        _positive("CyclicLR", "step_size_up", step_size_up, integer=False)
        down = step_size_up if step_size_down is None else step_size_down
        self.total_size = float(step_size_up + down)
        self.step_ratio = step_size_up / self.total_size
        self.mode, self.gamma, self.scale_fn_custom = mode, gamma, scale_fn
        self.scale_mode = scale_mode if scale_fn is not None else ("iterations" if mode == "exp_range" else "cycle")
        self.max_lrs = per_group("max_lr", max_lr)
        if last_epoch == -1:
            for group, lr in zip(groups, per_group("base_lr", base_lr)):
                group["lr"] = group["initial_lr"] = lr
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if not all("momentum" in group or "betas" in group for group in groups):
                raise ValueError("CyclicLR: optimizer must support momentum or beta1 with cycle_momentum=True.")
            self.base_momentums = per_group("base_momentum", base_momentum)
            self.max_momentums = per_group("max_momentum", max_momentum)
            if last_epoch == -1:
                for group, momentum in zip(groups, self.max_momentums):
                    OneCycleLR._set_momentum(group, momentum)
        super().__init__(optimizer, last_epoch)

    def _scale(self, x):
        if self.scale_fn_custom is not None:
            return self.scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma**x

    def _set(self, epoch=None):
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle  # the position in the cycle, 0..1
        rise = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        scale = self._scale(cycle if self.scale_mode == "cycle" else self.last_epoch)
        groups = self.optimizer.param_groups
        for index, (group, base, peak) in enumerate(zip(groups, self.base_lrs, self.max_lrs)):
            group["lr"] = base + (peak - base) * rise * scale
            if self.cycle_momentum:
                low, high = self.base_momentums[index], self.max_momentums[index]
                OneCycleLR._set_momentum(group, high - (high - low) * rise * scale)
        self._last_lr = [group["lr"] for group in groups]


class ReduceLROnPlateau:
    """Multiply the lr by `factor` when the metric has not improved for `patience` epochs."""

    def __init__(
        self,
        optimizer,
        mode="min",
        factor=0.1,
        patience=10,
        threshold=1e-4,
        threshold_mode="rel",
        cooldown=0,
        min_lr=0.0,
        eps=1e-8,
    ):
        if factor >= 1.0:
            raise ValueError("ReduceLROnPlateau: factor should be < 1.0.")
        if mode not in ("min", "max") or threshold_mode not in ("rel", "abs"):
            raise ValueError("ReduceLROnPlateau: mode must be 'min' or 'max', threshold_mode 'rel' or 'abs'.")
        self.optimizer, self.mode, self.factor, self.patience = optimizer, mode, factor, patience
        self.threshold, self.threshold_mode, self.cooldown, self.eps = threshold, threshold_mode, cooldown, eps
        groups = len(optimizer.param_groups)
        self.min_lrs = list(min_lr) if isinstance(min_lr, (list, tuple)) else [min_lr] * groups
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs, self.cooldown_counter, self.last_epoch = 0, 0, 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def _is_better(self, value):
        if self.mode == "min":
            bound = self.best * (1 - self.threshold) if self.threshold_mode == "rel" else self.best - self.threshold
            return value < bound
        bound = self.best * (1 + self.threshold) if self.threshold_mode == "rel" else self.best + self.threshold
        return value > bound

    def step(self, metrics):
        value = float(metrics)
        self.last_epoch += 1
        if self._is_better(value):
            self.best, self.num_bad_epochs = value, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                new_lr = max(group["lr"] * self.factor, min_lr)
                if group["lr"] - new_lr > self.eps:
                    group["lr"] = new_lr
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self):
        return list(self._last_lr)

    def state_dict(self):
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
