"""Trainer and fit: the training loop, with logs, plots, checkpoints and exact resume.

One epoch: for each batch, forward, loss, backward, (callbacks: clipping), optimizer step, and the
scheduler if it steps per batch; then validation, the epoch's record (losses, metrics, learning
rate, gradient norm, time) appended to log.csv and log.jsonl, the plots redrawn, and a checkpoint.
A non-finite loss stops training with an AnomalyError naming the op that produced it (the batch is
re-run under lamina.autograd.detect_anomaly), or skips the batch with non_finite="skip".
"""

import csv
import json
import math
import signal
import time
from pathlib import Path

import numpy as np

import lamina
from lamina import distributed
from lamina.autograd.anomaly import detect_anomaly
from lamina.backend import all_devices
from lamina.errors import AnomalyError
from lamina.nn import functional as F
from lamina.nn.utils import clip_grad_norm_
from lamina.train.checkpoint import load_latest, manifest_path, save_checkpoint
from lamina.train.metrics import confusion_of_predictions, perplexity


class Trainer:
    """Train `model` on `train_loader` with `optimizer` and `loss` (default cross-entropy).

    Args:
        epochs: number of passes; scheduler: an lr scheduler, stepped per `scheduler_interval`.
        metrics: any of "accuracy", "top5", "perplexity", "confusion" (the validation confusion matrix,
            written to out_dir/confusion.json as `counts[true][predicted]`).
        out_dir: where log.csv, log.jsonl, the plots and the checkpoints go (None: nothing written).
        keep_last: how many epoch checkpoints to keep besides last and best.
        monitor: the record entry that decides `best` (default val_loss, else train_loss; lower is better).
        non_finite: "raise" (default; names the op) or "skip" (drop the batch's update).
        progress: show tqdm progress bars.
        meta: plain facts stored in every checkpoint (the CLI records the model and dataset names).
        log: "tensorboard" also writes TensorBoard event files to out_dir/tensorboard (every scalar of the
            epoch's record and a histogram of each parameter, per epoch; train/tensorboard.py).
        device: where to train ("cpu", "cuda"); the model is moved there and every batch is moved to it.
            Default: the device the model's parameters are on.
        check_every: how many steps between reads of the device (the loss and gradient-norm finiteness
            checks, the progress bar's loss, the checks ops left on the device). 1 on the CPU, where reading
            is free and a non-finite loss is re-run to name the op; 50 on a GPU, where every read stops the
            host until the device is idle, so a NaN there is reported by its step within 50 steps.
            non_finite="skip" must decide before each update, so it reads every step.
    """

    def __init__(
        self,
        model,
        optimizer,
        train_loader,
        loss=None,
        val_loader=None,
        epochs=1,
        scheduler=None,
        scheduler_interval="epoch",
        callbacks=(),
        metrics=("accuracy",),
        out_dir=None,
        keep_last=2,
        monitor=None,
        non_finite="raise",
        progress=True,
        plot=True,
        meta=None,
        log=None,
        device=None,
        check_every=None,
    ):
        if non_finite not in ("raise", "skip"):
            raise ValueError(f"Trainer: non_finite must be 'raise' or 'skip'; got {non_finite!r}.")
        if scheduler_interval not in ("epoch", "step"):
            raise ValueError(f"Trainer: scheduler_interval must be 'epoch' or 'step'; got {scheduler_interval!r}.")
        self.model, self.optimizer, self.train_loader, self.val_loader = model, optimizer, train_loader, val_loader
        self.loss_fn = loss or F.cross_entropy
        self.epochs, self.scheduler, self.scheduler_interval = epochs, scheduler, scheduler_interval
        self.callbacks, self.metrics = list(callbacks), tuple(metrics)
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.keep_last, self.monitor, self.non_finite = keep_last, monitor, non_finite
        self.progress, self.plot, self.meta = progress, plot, dict(meta or {})
        if log not in (None, "csv", "tensorboard"):
            raise ValueError(f"Trainer: log must be None, 'csv' or 'tensorboard'; got {log!r}.")
        if log == "tensorboard" and out_dir is None:
            raise ValueError("Trainer: log='tensorboard' needs out_dir, where the event files go.")
        self.log, self._tensorboard = log, None
        self.device = lamina.device(device) if device is not None else _model_device(model)
        if device is not None:
            model.to(self.device)
        if check_every is None:
            check_every = 1 if self.device.array_type is np.ndarray else 50
        if int(check_every) < 1:
            raise ValueError(f"Trainer: check_every must be a positive number of steps; got {check_every!r}.")
        self.check_every = 1 if non_finite == "skip" else int(check_every)
        self._unchecked = []  # (step, the step's "loss and gradients finite" flag on the device)
        self.history, self.epoch, self.step, self.stop, self.skipped = [], 0, 0, False, 0
        self.best = math.inf
        self.confusion = None
        self._graph_svg = None  # the first step's graph, drawn once for report.html
        # several processes (lamina launch): every rank trains and evaluates; rank 0 alone writes files
        self.writes = not distributed.is_initialized() or distributed.get_rank() == 0
        self.progress = self.progress and self.writes

    # --- the loop ---
    def fit(self, resume: bool = False):
        """Train until `epochs` (continuing from out_dir/last.safetensors when resume=True); returns the history."""
        if resume:
            self._resume()
        for callback in self.callbacks:
            callback.on_train_begin(self)
        interrupted = _InterruptFlag()
        try:
            while self.epoch < self.epochs and not self.stop:
                record = self._run_epoch(interrupted)
                if record is None:  # Ctrl-C: a checkpoint of the exact position was written
                    break
                self.epoch += 1
                self.history.append(record)
                self._after_epoch(record)
        finally:
            interrupted.restore()
            if self._tensorboard is not None:
                self._tensorboard.close()
                self._tensorboard = None
        for callback in self.callbacks:
            callback.on_train_end(self)
        return self.history

    def _run_epoch(self, interrupted):
        for callback in self.callbacks:
            callback.on_epoch_begin(self, self.epoch)
        self.model.train()
        started, losses, correct, seen, norms = time.perf_counter(), [], [], 0, []
        batches = self._progress(self.train_loader, f"epoch {self.epoch + 1}/{self.epochs}")
        for inputs, targets in batches:
            inputs, targets = _to_device(inputs, self.device), _to_device(targets, self.device)
            loss, logits = self._train_step(inputs, targets, norms)
            if loss is None:
                continue
            losses.append(loss)  # 0-d tensors on the device, read once at the end of the epoch
            seen += len(targets)
            if "accuracy" in self.metrics and logits is not None and logits.ndim >= 2:
                correct.append(_correct(logits, targets))
            if self.step % self.check_every == 0:
                self._check_finite()
                if hasattr(batches, "set_postfix"):
                    batches.set_postfix(
                        loss=f"{loss.item():.4f}", samples_per_s=f"{seen / (time.perf_counter() - started):.0f}"
                    )
            if interrupted.flag:
                self._save("last", self._state(mid_epoch=True))
                print(
                    f"\nlamina: interrupted; saved {self.out_dir / 'last.safetensors' if self.out_dir else 'nothing'}"
                    " (resume with resume=True / --resume)."
                )
                return None
        self._check_finite()
        record = {
            "epoch": self.epoch + 1,
            "step": self.step,
            "train_loss": _mean_over_ranks(_mean(losses)),
            "lr": self.optimizer.param_groups[0]["lr"],
            "grad_norm": _mean(norms),
            "skipped_batches": self.skipped,
            "seconds": time.perf_counter() - started,
        }
        if correct:
            record["train_accuracy"] = _total(correct) / seen
        if "perplexity" in self.metrics and losses:
            record["train_perplexity"] = perplexity(record["train_loss"])
        if self.val_loader is not None:
            record.update(self.evaluate(self.val_loader, prefix="val_"))
        if self.scheduler is not None and self.scheduler_interval == "epoch":
            self.scheduler.step()
        return record

    def _train_step(self, inputs, targets, norms):
        """One update; returns (the loss, the logits), both left on the device, or (None, None) if skipped."""
        logits = self.model(inputs)
        loss = self._loss(logits, targets)
        reads = self.check_every == 1  # the loss and the norm read at once (free on the CPU)
        if reads and not math.isfinite(loss.item()):
            return self._non_finite(inputs, targets, "loss")
        if self.log == "tensorboard" and getattr(self, "_first_inputs", None) is None:
            self._first_inputs = inputs  # the model's graph goes to TensorBoard with the first epoch's events
        if self._graph_svg is None and self.out_dir is not None and self.writes and self.plot:
            from lamina.viz.svg import graph_svg

            self._graph_svg = graph_svg(loss)
        self.optimizer.zero_grad()
        loss.backward()
        for callback in self.callbacks:
            callback.on_after_backward(self)
        norm = clip_grad_norm_(self.model.parameters(), math.inf)
        if reads and not math.isfinite(norm.item()):
            return self._non_finite(inputs, targets, "gradients")
        if not reads:
            self._unchecked.append((self.step + 1, loss.detach().isfinite() & norm.isfinite()))
        norms.append(norm)
        self.optimizer.step()
        if self.scheduler is not None and self.scheduler_interval == "step":
            self.scheduler.step()
        self.step += 1
        loss = loss.detach()
        for callback in self.callbacks:  # the loss as a float where it is read anyway, else its 0-d tensor
            callback.on_batch_end(self, self.step, loss.item() if reads else loss)
        return loss, logits.detach()

    def _check_finite(self):
        """Read the flags of the steps since the last check (one read); raise naming the first bad step."""
        if not self._unchecked:
            return
        steps, flags = zip(*self._unchecked)
        self._unchecked = []
        finite = lamina.stack(list(flags)).tolist()
        if all(finite):
            return
        bad = steps[finite.index(False)]
        raise AnomalyError(
            f"Trainer: non-finite loss or gradients at epoch {self.epoch + 1}, step {bad} (found at step "
            f"{self.step}: on {self.device} the device is read every {self.check_every} steps). Pass "
            "check_every=1 to stop at the bad batch and name the op, or non_finite='skip'."
        )

    def _loss(self, logits, targets):
        if logits.ndim == 3 and targets.ndim == 2:  # sequences: (B, T, V) against (B, T)
            return self.loss_fn(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        return self.loss_fn(logits, targets)

    def _non_finite(self, inputs, targets, what):
        """Skip the batch, or re-run it under anomaly detection to name the op that made the NaN/Inf."""
        if self.non_finite == "skip":
            self.skipped += 1
            self.optimizer.zero_grad()
            return None, None
        self.optimizer.zero_grad()
        with detect_anomaly():
            loss = self._loss(self.model(inputs), targets)
            loss.backward()
        raise AnomalyError(
            f"Trainer: non-finite {what} at epoch {self.epoch + 1}, step {self.step + 1}; re-running the "
            "batch under anomaly detection did not reproduce it (a random op, such as dropout?). "
            "Check the data and the learning rate, or pass non_finite='skip'."
        )

    def evaluate(self, loader, prefix=""):
        """Mean loss (and the chosen metrics) over a loader, in eval mode and without a graph.

        The per-batch sums stay on the model's device and are read once at the end.
        """
        self.model.eval()
        losses, correct, top5, predicted, labels, count, classes = [], [], [], [], [], 0, None
        with lamina.no_grad():
            for inputs, targets in loader:
                inputs, targets = _to_device(inputs, self.device), _to_device(targets, self.device)
                logits = self.model(inputs)
                losses.append(self._loss(logits, targets) * len(targets))
                count += len(targets)
                classes = logits.shape[-1]
                if "accuracy" in self.metrics:
                    correct.append(_correct(logits, targets))
                if "top5" in self.metrics and classes > 5:
                    hits = (logits.topk(5, -1).indices == targets.unsqueeze(-1)).any(-1)
                    top5.append(hits.to(lamina.float64).mean() * len(targets))
                if "confusion" in self.metrics:
                    predicted.append(logits.argmax(-1).reshape(-1))
                    labels.append(targets.reshape(-1))
        self.model.train()
        record = {prefix + "loss": _total(losses) / count}
        if correct:
            record[prefix + "accuracy"] = _total(correct) / count
        if top5:
            record[prefix + "top5"] = _total(top5) / count
        if "perplexity" in self.metrics:
            record[prefix + "perplexity"] = perplexity(record[prefix + "loss"])
        if predicted:
            self.confusion = confusion_of_predictions(  # written as confusion.json
                lamina.cat(predicted).numpy(), lamina.cat(labels).numpy(), classes
            )
        return record

    # --- after an epoch: callbacks, logs, plots, checkpoints ---
    def _after_epoch(self, record):
        for callback in self.callbacks:
            callback.on_epoch_end(self, self.epoch, record)
        if self.out_dir is None or not self.writes:
            return
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._log(record)
        if getattr(self, "confusion", None) is not None:
            (self.out_dir / "confusion.json").write_text(json.dumps(self.confusion.tolist()))
        if self.plot:
            self._plots()
            self._report()
        if self.log == "tensorboard":
            from lamina.train.tensorboard import SummaryWriter, log_epoch

            if self._tensorboard is None:
                self._tensorboard = SummaryWriter(self.out_dir / "tensorboard")
                if getattr(self, "_first_inputs", None) is not None:
                    self._tensorboard.add_graph(_unwrapped(self.model), self._first_inputs)
            log_epoch(self._tensorboard, record, _unwrapped(self.model), record["epoch"])
        state = self._state()
        self._save("last", state)
        self._save(f"epoch-{self.epoch:04d}", state)
        monitored = record.get(self.monitor or ("val_loss" if "val_loss" in record else "train_loss"))
        if monitored is not None and monitored < self.best:
            self.best = monitored
            self._save("best", self._state())
        for old in sorted(self.out_dir.glob("epoch-*.safetensors"))[: -self.keep_last or None]:
            old.unlink(missing_ok=True)
            manifest_path(old).unlink(missing_ok=True)

    def _rewrite_logs(self):
        """log.csv and log.jsonl rewritten from the resumed history (one row per epoch it holds)."""
        for name in ("log.csv", "log.jsonl"):
            (self.out_dir / name).unlink(missing_ok=True)
        for record in self.history:
            self._log(record)

    def _log(self, record):
        path = self.out_dir / "log.csv"
        fields = list(record)
        new = not path.exists()
        if not new:
            with open(path, newline="") as file:
                fields = next(csv.reader(file))
        with open(path, "a", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=fields, extrasaction="ignore")
            if new:
                writer.writeheader()
            writer.writerow(record)
        with open(self.out_dir / "log.jsonl", "a") as file:
            file.write(json.dumps(record) + "\n")

    def _plots(self):
        from lamina.viz.plots import curves

        for name, keys in (
            ("loss", ("train_loss", "val_loss")),
            ("accuracy", ("train_accuracy", "val_accuracy")),
            ("lr", ("lr",)),
            ("grad_norm", ("grad_norm",)),
        ):
            series = {
                key: ([r["epoch"] for r in self.history], [r[key] for r in self.history])
                for key in keys
                if all(key in r for r in self.history)
            }
            if series:
                curves(series, self.out_dir / f"{name}.png", "epoch", name.replace("_", " "), name)

    def _report(self):
        """report.html: the run's settings, its epochs, the plots and the graph of one step, in one file."""
        from lamina.viz import html

        model = _unwrapped(self.model)
        groups = [
            {key: value for key, value in group.items() if key != "params"} for group in self.optimizer.param_groups
        ]
        settings = [
            ("network", f"{type(model).__name__}, {sum(p.numel() for p in model.parameters()):,} parameters"),
            ("optimizer", f"{type(self.optimizer).__name__} {groups}"),
            ("scheduler", type(self.scheduler).__name__ if self.scheduler is not None else "none"),
            ("epochs", f"{self.epoch} of {self.epochs}"),
            ("batch size", getattr(self.train_loader, "batch_size", "?")),
            *((key, value) for key, value in self.meta.items() if key != "itos"),
        ]
        keys = list(dict.fromkeys(key for record in self.history for key in record))
        rows = [[_cell(record.get(key, "")) for key in keys] for record in self.history]
        body = [html.heading("Settings"), html.table(("setting", "value"), settings), html.heading("Epochs")]
        body.append(html.table(keys, rows))
        body.append(html.heading("Curves"))
        for name in ("loss", "accuracy", "lr", "grad_norm"):
            body.append(html.figure(self.out_dir / f"{name}.png", name.replace("_", " ") + " per epoch"))
        if self._graph_svg:
            body += [html.heading("One training step"), html.inline_svg(self._graph_svg, "the ops of the forward pass")]
        html.write(self.out_dir / "report.html", html.page(f"lamina run: {self.out_dir.name}", body))

    # --- state and resume ---
    def _state(self, mid_epoch=False) -> dict:
        return {
            "model": _unwrapped(self.model).state_dict(),  # without DDP's 'module.': resumable with any rank count
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict() if self.scheduler is not None else None,
            "epoch": self.epoch,
            "step": self.step,
            "best": self.best if math.isfinite(self.best) else None,
            "history": self.history,
            "skipped": self.skipped,
            "mid_epoch": mid_epoch,
            "rng": json.dumps({device.type: device.backend.get_state() for device in all_devices()}),
            "loader": self.train_loader.state_dict() if hasattr(self.train_loader, "state_dict") else None,
            "meta": self.meta,  # what the model and data were, for `lamina eval` and `predict`
        }

    def _save(self, name, state):
        if self.out_dir is not None and self.writes:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            save_checkpoint(state, self.out_dir / f"{name}.safetensors")

    def _resume(self):
        if self.out_dir is None:
            raise ValueError("Trainer: resume=True needs out_dir, where the checkpoints are.")
        state, path = load_latest(self.out_dir)
        if state is None:
            print(f"lamina: no checkpoint in {self.out_dir}; starting from scratch.")
            return
        _unwrapped(self.model).load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and state["scheduler"] is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        self.epoch, self.step, self.history, self.skipped = (
            state["epoch"],
            state["step"],
            state["history"],
            state["skipped"],
        )
        self.best = state["best"] if state["best"] is not None else math.inf
        if self.writes:
            self._rewrite_logs()  # rows logged after this checkpoint (a run killed before its save) would repeat
        _set_rng_states(json.loads(state["rng"]))
        if state["loader"] is not None and hasattr(self.train_loader, "load_state_dict"):
            self.train_loader.load_state_dict(state["loader"])
        print(f"lamina: resumed from {path} (epoch {self.epoch}, step {self.step}).")

    def _progress(self, iterable, description):
        if not self.progress:
            return iterable
        from tqdm.auto import tqdm

        return tqdm(iterable, desc=description, leave=False, unit="batch")


def _cell(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


class _InterruptFlag:
    """Turns Ctrl-C into a flag checked between batches, so the checkpoint is written at a clean point."""

    def __init__(self):
        self.flag = False
        try:
            self.previous = signal.signal(signal.SIGINT, self._handle)
        except ValueError:  # not in the main thread: leave Ctrl-C alone
            self.previous = None

    def _handle(self, signum, frame):
        self.flag = True

    def restore(self):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def fit(
    model, train_loader, val_loader=None, optimizer=None, loss=None, epochs=1, scheduler=None, callbacks=(), **options
):
    """Train a model in one call (a Trainer behind it); returns the per-epoch history."""
    from lamina import optim

    optimizer = optimizer or optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    trainer = Trainer(
        model,
        optimizer,
        train_loader,
        loss=loss,
        val_loader=val_loader,
        epochs=epochs,
        scheduler=scheduler,
        callbacks=callbacks,
        **options,
    )
    return trainer.fit()


def _set_rng_states(states: dict):
    """Every device's generator as the checkpoint saved it. A device this machine lacks (a GPU run resumed
    on a CPU) is skipped: its model and optimizer state load anywhere, its draws start afresh."""
    if "bit_generator" in states:  # a checkpoint of an older lamina: the CPU's state alone
        states = {"cpu": states}
    for kind, device_state in states.items():
        try:
            device = lamina.device(kind)
        except lamina.DeviceError:
            continue
        device.backend.set_state(device_state)


def _model_device(model):
    """The device of the model's first parameter (the CPU for a model without any)."""
    for param in _unwrapped(model).parameters():
        return param.device
    return lamina.device("cpu")


def _to_device(batch, device):
    """A batch (a tensor, or a tuple/list/dict of them) on `device`; other values as they are."""
    if isinstance(batch, lamina.Tensor):
        return batch if batch.device is device else batch.to(device, non_blocking=True)
    if isinstance(batch, (tuple, list)):
        return type(batch)(_to_device(item, device) for item in batch)
    if isinstance(batch, dict):
        return {key: _to_device(value, device) for key, value in batch.items()}
    return batch


def _correct(logits, targets):
    """How many of the batch's rows (or sequence positions, weighted per sample) the arg-max gets right, as a
    0-d tensor on the device: accuracy * len(targets), as train/metrics.accuracy computes it on arrays."""
    return (logits.argmax(-1) == targets).to(lamina.float64).mean() * len(targets)


def _total(values) -> float:
    """The sum of 0-d tensors, read once."""
    return float(lamina.stack(values).to(lamina.float64).sum().item())


def _mean(values) -> float:
    """The mean of 0-d tensors (one read), or NaN for none."""
    return float(lamina.stack(values).to(lamina.float64).mean().item()) if values else math.nan


def _unwrapped(model):
    """The model inside DistributedDataParallel (or DataParallel), whose state_dict keys have no 'module.'."""
    from lamina.nn.parallel import DataParallel, DistributedDataParallel

    return model.module if isinstance(model, (DataParallel, DistributedDataParallel)) else model


def _mean_over_ranks(value: float) -> float:
    """A per-rank mean averaged over the ranks (the same on every rank), or the value alone."""
    if not distributed.is_initialized() or distributed.get_world_size() == 1:
        return value
    total = lamina.tensor([value], dtype=lamina.float64)
    distributed.all_reduce(total, distributed.ReduceOp.AVG)
    return float(total.item())
