"""lamina.distributed: several processes training one model, over MPI (mpi4py), with PyTorch's names.

    lamina launch -n 2 python train.py        # or: mpiexec -n 2 python -m mpi4py train.py
    lamina.distributed.init_process_group()    # in the script: rank and world size from the MPI launch
    model = nn.parallel.DistributedDataParallel(model)

Collectives work in place on a tensor's array with mpi4py's buffer interface (the pickle-based lowercase
calls are much slower for large arrays: benchmarks/README.md). mpi4py is imported on first use, never at
`import lamina`; a script started without an MPI launcher is a world of one process, so the same script
runs alone too.
"""

from lamina.distributed.collectives import (
    ReduceOp,
    all_gather,
    all_reduce,
    barrier,
    broadcast,
    destroy_process_group,
    get_rank,
    get_world_size,
    init_process_group,
    is_available,
    is_initialized,
    reduce_scatter,
)

__all__ = [
    "ReduceOp",
    "all_gather",
    "all_reduce",
    "barrier",
    "broadcast",
    "destroy_process_group",
    "get_rank",
    "get_world_size",
    "init_process_group",
    "is_available",
    "is_initialized",
    "reduce_scatter",
]
