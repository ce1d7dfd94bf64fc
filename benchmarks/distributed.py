"""MPI benchmarks (issue 20): all-reduce bandwidth of lamina.distributed against raw mpi4py on the same buffers,
and training throughput of DistributedDataParallel with 1 and 2 ranks at the same global batch.

    python3 benchmarks/distributed.py          # launches itself under mpiexec (lamina launch) and prints a table
"""

import sys
import time

import numpy as np


def allreduce_bandwidth(megabytes=40, repeats=11):
    """Median seconds of one in-place Allreduce of `megabytes` float32, lamina's and mpi4py's, alternating."""
    from mpi4py import MPI

    import lamina
    from lamina import distributed

    comm = MPI.COMM_WORLD
    count = megabytes * 1024 * 1024 // 4
    tensor = lamina.ones(count)
    raw = np.ones(count, dtype=np.float32)
    ours, theirs = [], []
    for _ in range(repeats):
        comm.Barrier()
        start = time.perf_counter()
        distributed.all_reduce(tensor)
        ours.append(time.perf_counter() - start)
        comm.Barrier()
        start = time.perf_counter()
        comm.Allreduce(MPI.IN_PLACE, raw, op=MPI.SUM)
        theirs.append(time.perf_counter() - start)
    return float(np.median(ours)), float(np.median(theirs))


def throughput(kind, global_batch=128, steps=40, warmup=5):
    """Training steps per second of `kind` (mlp or lenet) with the global batch split over the ranks."""
    import lamina
    from lamina import distributed, nn, optim

    ranks = distributed.get_world_size()
    lamina.manual_seed(0)
    if kind == "mlp":
        model = nn.Sequential(
            nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)
        )
    else:
        from lamina.models import lenet5

        model = lenet5()
    if ranks > 1:
        model = nn.parallel.DistributedDataParallel(model)
    optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    share = global_batch // ranks
    x = lamina.randn(share, 1, 28, 28)
    y = lamina.randint(0, 10, (share,))
    for step in range(warmup + steps):
        if step == warmup:
            distributed.barrier()
            start = time.perf_counter()
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    distributed.barrier()
    return steps / (time.perf_counter() - start)


def worker():
    from threadpoolctl import threadpool_limits

    import lamina
    from lamina import distributed

    distributed.init_process_group()
    ranks, rank = distributed.get_world_size(), distributed.get_rank()
    ours, theirs = allreduce_bandwidth()
    with threadpool_limits(1 if ranks > 1 else None):  # two ranks on two cores: one BLAS thread each
        rates = {kind: throughput(kind) for kind in ("mlp", "lenet")}
    if rank == 0:
        print(f"ranks={ranks} allreduce40MB lamina={ours * 1e3:.1f}ms mpi4py={theirs * 1e3:.1f}ms "
              + " ".join(f"{k}={v:.1f}steps/s" for k, v in rates.items()), flush=True)  # fmt: skip
    del lamina


def main():
    import subprocess

    from lamina.cli import launch

    for ranks in (1, 2, 1, 2):  # alternated, as the other benchmarks
        subprocess.run(launch.command_line(ranks, [__file__, "--worker"]), check=True, timeout=600)


if __name__ == "__main__":
    worker() if "--worker" in sys.argv else main()
