"""Callbacks: small objects the Trainer calls at the start and end of epochs and batches."""

import math


class Callback:
    """Override what you need; `trainer` gives access to the model, optimizer, history and `stop`."""

    def on_train_begin(self, trainer):
        pass

    def on_epoch_begin(self, trainer, epoch):
        pass

    def on_after_backward(self, trainer):
        pass

    def on_batch_end(self, trainer, step, loss):
        pass

    def on_epoch_end(self, trainer, epoch, record):
        pass

    def on_train_end(self, trainer):
        pass


class EarlyStopping(Callback):
    """Stop when `monitor` (e.g. 'val_loss') has not improved by min_delta for `patience` epochs."""

    def __init__(self, monitor="val_loss", patience=3, mode="min", min_delta=0.0):
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min' or 'max'; got {mode!r}.")
        self.monitor, self.patience, self.mode, self.min_delta = monitor, patience, mode, min_delta
        self.best, self.waited = (math.inf if mode == "min" else -math.inf), 0

    def on_epoch_end(self, trainer, epoch, record):
        if self.monitor not in record:
            raise KeyError(f"EarlyStopping: the epoch record has no {self.monitor!r}; it has {sorted(record)}.")
        value = record[self.monitor]
        better = value < self.best - self.min_delta if self.mode == "min" else value > self.best + self.min_delta
        if better:
            self.best, self.waited = value, 0
        else:
            self.waited += 1
            if self.waited >= self.patience:
                trainer.stop = True


class GradientClipping(Callback):
    """Clip the joint gradient norm to max_norm before each optimizer step."""

    def __init__(self, max_norm: float):
        self.max_norm = max_norm

    def on_after_backward(self, trainer):
        from lamina.nn.utils import clip_grad_norm_

        clip_grad_norm_(trainer.model.parameters(), self.max_norm)
