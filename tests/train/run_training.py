"""A small seeded training run used by the kill-and-resume test (run as a separate process).

usage: run_training.py OUT_DIR [--resume] [--kill-at-step N] [--interrupt-at-step N]
"""

import os
import signal
import sys

import numpy as np

import lamina
from lamina import nn, optim
from lamina.data import DataLoader, TensorDataset
from lamina.train import Callback, Trainer


class InterruptAt(Callback):
    def __init__(self, step):
        self.step = step

    def on_batch_end(self, trainer, step, loss):
        if step == self.step:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C


class KillAt(Callback):
    def __init__(self, step):
        self.kill_step = step

    def on_batch_end(self, trainer, step, loss):
        if step == self.kill_step:
            os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no checkpoint: like the OOM killer


def main(argv):
    out_dir, resume = argv[0], "--resume" in argv
    kill = int(argv[argv.index("--kill-at-step") + 1]) if "--kill-at-step" in argv else None
    interrupt = int(argv[argv.index("--interrupt-at-step") + 1]) if "--interrupt-at-step" in argv else None
    lamina.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((96, 8)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 2))
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    loader = DataLoader(TensorDataset(lamina.tensor(x), lamina.tensor(y)), batch_size=16, shuffle=True, seed=7)
    trainer = Trainer(
        model,
        optimizer,
        loader,
        epochs=5,
        scheduler=scheduler,
        out_dir=out_dir,
        progress=False,
        plot=False,
        callbacks=[KillAt(kill)] if kill else [InterruptAt(interrupt)] if interrupt else [],
    )
    trainer.fit(resume=resume)
    if trainer.epoch == trainer.epochs:  # not after a Ctrl-C
        lamina.save(model.state_dict(), os.path.join(out_dir, "final.safetensors"))


if __name__ == "__main__":
    main(sys.argv[1:])
