"""Stochastic weight averaging (Izmailov et al. 2018) and weight EMAs, at torch.optim.swa_utils's names:
AveragedModel, SWALR, update_bn, get_ema_multi_avg_fn / get_swa_multi_avg_fn (and the per-tensor forms).

AveragedModel keeps a copy of a model whose parameters are the running average of the model's over
`update_parameters` calls (or an exponential moving average with an EMA avg_fn); SWALR anneals each group's
rate to swa_lr; update_bn recomputes BatchNorm's running statistics for the averaged weights, since
averaging weights does not average the statistics that go with them.
"""

import copy
import math

from lamina import creation, dtypes
from lamina.autograd.grad_mode import no_grad
from lamina.nn.module import Module
from lamina.nn.modules.normalization import _BatchNorm
from lamina.optim.lr_scheduler import LRScheduler


def get_swa_avg_fn():
    """The running mean: avg + (new - avg) / (n + 1)."""

    def swa_update(averaged, current, num_averaged):
        return averaged + (current - averaged) / (num_averaged + 1)

    return swa_update


def get_ema_avg_fn(decay=0.999):
    """An exponential moving average: decay * avg + (1 - decay) * new."""

    def ema_update(averaged, current, num_averaged):
        return decay * averaged + (1 - decay) * current

    return ema_update


def get_swa_multi_avg_fn():
    average = get_swa_avg_fn()

    def swa_update(averaged_list, current_list, num_averaged):
        for averaged, current in zip(averaged_list, current_list):
            averaged.copy_(average(averaged, current, num_averaged))

    return swa_update


def get_ema_multi_avg_fn(decay=0.999):
    average = get_ema_avg_fn(decay)

    def ema_update(averaged_list, current_list, num_averaged):
        for averaged, current in zip(averaged_list, current_list):
            averaged.copy_(average(averaged, current, num_averaged))

    return ema_update


class AveragedModel(Module):
    """A deep copy of `model` whose parameters (and buffers, with use_buffers=True) average the model's
    over the `update_parameters(model)` calls; the first call copies them. Calling it runs the copy."""

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise ValueError("AveragedModel: pass avg_fn or multi_avg_fn, not both.")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", creation.tensor(0, dtype=dtypes.int64, device=device))
        self.avg_fn, self.multi_avg_fn, self.use_buffers = avg_fn, multi_avg_fn, use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _tensors(self, model):
        if self.use_buffers:
            return [*model.parameters(), *model.buffers()]
        return list(model.parameters())

    def update_parameters(self, model):
        mine, theirs = self._tensors(self.module), self._tensors(model)
        if len(mine) != len(theirs):
            raise ValueError(
                f"AveragedModel.update_parameters: the model has {len(theirs)} tensors to average, the "
                f"averaged copy {len(mine)}; pass the model this AveragedModel was made from."
            )
        count = int(self.n_averaged.item())  # a host read per update: the averaging formula needs the count
        with no_grad():
            pairs = [(a, c.detach().to(a.device)) for a, c in zip(mine, theirs)]
            floats = [(a, c) for a, c in pairs if a.is_floating_point()]
            if count == 0:  # the first call copies; counts (num_batches_tracked) only then, as in PyTorch
                for averaged, current in pairs:
                    averaged.copy_(current)
            elif self.multi_avg_fn is not None:
                self.multi_avg_fn([a for a, _ in floats], [c for _, c in floats], count)
            else:
                average = self.avg_fn or get_swa_avg_fn()
                for averaged, current in floats:
                    averaged.copy_(average(averaged, current, count))
            if not self.use_buffers:  # buffers (BatchNorm statistics) follow the model: update_bn recomputes them
                for averaged, current in zip(self.module.buffers(), model.buffers()):
                    averaged.copy_(current.detach().to(averaged.device))
        self.n_averaged.add_(1)


@no_grad()
def update_bn(loader, model, device=None):
    """One pass over `loader` in train mode to recompute every BatchNorm's running statistics as the
    plain average over the data (momentum None), then the model's mode and momenta back as they were.
    A batch that is a list or tuple gives its first item to the model."""
    norms = [m for m in model.modules() if isinstance(m, _BatchNorm) and m.track_running_stats]
    if not norms:
        return
    momenta = {}
    for norm in norms:
        norm.reset_running_stats()
        momenta[norm], norm.momentum = norm.momentum, None
    was_training = model.training
    model.train()
    for batch in loader:
        if isinstance(batch, (list, tuple)):
            batch = batch[0]
        if device is not None:
            batch = batch.to(device)
        model(batch)
    for norm in norms:
        norm.momentum = momenta[norm]
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneals each group's rate from where it stands to swa_lr over anneal_epochs ("cos" or "linear"),
    then holds swa_lr, as PyTorch's SWALR (a closed form of its recursive rule)."""

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        groups = optimizer.param_groups
        rates = list(swa_lr) if isinstance(swa_lr, (list, tuple)) else [swa_lr] * len(groups)
        if len(rates) != len(groups):
            raise ValueError(f"SWALR: expected {len(groups)} values of swa_lr, got {len(rates)}.")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"SWALR: anneal_strategy must be 'cos' or 'linear'; got {anneal_strategy!r}.")
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"SWALR: anneal_epochs must be a non-negative integer; got {anneal_epochs!r}.")
        for group, rate in zip(groups, rates):
            group["swa_lr"] = rate
        self.anneal_epochs, self.anneal_strategy = anneal_epochs, anneal_strategy
        self.start_lrs = [group["lr"] for group in groups]  # where the annealing starts (not initial_lr)
        super().__init__(optimizer, last_epoch)

    def _alpha(self, step):
        if self.anneal_epochs == 0:
            step = max(1, step)
        t = max(0.0, min(1.0, step / max(1, self.anneal_epochs)))
        return (1 - math.cos(math.pi * t)) / 2 if self.anneal_strategy == "cos" else t

    def _set(self, epoch=None):
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        alpha = self._alpha(self.last_epoch)
        for group, start in zip(self.optimizer.param_groups, self.start_lrs):
            group["lr"] = group["swa_lr"] * alpha + start * (1 - alpha)
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]
