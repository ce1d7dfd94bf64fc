"""Run under lamina launch -n 2: rank 0 saves a checkpoint, then rank 1 fails as argv[1] says (raise, exit,
kill) in the middle of training while rank 0 waits in a collective; see test_distributed.py."""

import os
import signal
import sys

import lamina
from lamina import distributed, nn, optim
from lamina.train.checkpoint import save_checkpoint

distributed.init_process_group()
rank = distributed.get_rank()
model = nn.parallel.DistributedDataParallel(nn.Linear(4, 2))
optimizer = optim.SGD(model.parameters(), lr=0.1)
for step in range(1000):
    optimizer.zero_grad()
    model(lamina.randn(8, 4)).sum().backward()
    optimizer.step()
    if step == 2 and rank == 0:
        save_checkpoint({"model": model.module.state_dict(), "step": step}, sys.argv[2])
    distributed.barrier()
    if step == 5 and rank == 1:
        if sys.argv[1] == "raise":
            raise ValueError("rank 1 fails on purpose")
        if sys.argv[1] == "exit":
            sys.exit(3)
        os.kill(os.getpid(), signal.SIGKILL)
