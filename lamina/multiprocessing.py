"""torch.multiprocessing: Python's multiprocessing, and `spawn`, as PyTorch offers them.

lamina tensors are ordinary picklable objects (their arrays are copied between processes, where torch can
share CPU memory); everything else is the standard library's module itself.
"""

import multiprocessing as _multiprocessing
from multiprocessing import *  # noqa: F401,F403 - PyTorch re-exports the standard module's names

__all__ = [name for name in dir(_multiprocessing) if not name.startswith("_")] + ["spawn", "ProcessRaisedException"]


class ProcessRaisedException(Exception):
    """A process started by `spawn` failed; the message holds its exit code."""


def spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """Run fn(i, *args) in `nprocs` new processes (i = 0..nprocs-1), as torch.multiprocessing.spawn.

    join=True waits for all and raises ProcessRaisedException if one exits with an error; join=False returns
    the list of processes.
    """
    context = _multiprocessing.get_context(start_method)
    processes = [context.Process(target=fn, args=(i, *args), daemon=daemon) for i in range(nprocs)]
    for process in processes:
        process.start()
    if not join:
        return processes
    for process in processes:
        process.join()
    failed = [(i, p.exitcode) for i, p in enumerate(processes) if p.exitcode != 0]
    if failed:
        raise ProcessRaisedException(
            "spawn: " + ", ".join(f"process {i} exited with code {code}" for i, code in failed) + "."
        )
    return None
