"""The process group and the collectives, on mpi4py's buffer (uppercase) API.

A CPU tensor's NumPy array is the MPI buffer itself. A tensor on another device (a GPU) is staged through
the host: copied out, communicated, copied back into the same device array, since the MPI wheels from PyPI
are not CUDA-aware; that copy is a synchronisation, which NCCL (GPU to GPU, not built: it needs a GPU per
rank) would avoid. The operation is in place where PyTorch's is (all_reduce, broadcast) and bumps the
tensor's version counter, so a graph that saved the old value notices. Errors name the collective and what
it got.
"""

import enum

from lamina.backend import cpu
from lamina.errors import LaminaError, ShapeError
from lamina.tensor import Tensor


class DistributedError(LaminaError, RuntimeError):
    """A process-group problem: not initialised, mpi4py missing, mismatched tensors."""


class ReduceOp(enum.Enum):
    SUM = "sum"
    PRODUCT = "prod"
    MIN = "min"
    MAX = "max"
    AVG = "avg"


_group = None  # the MPI communicator once init_process_group ran


def is_available() -> bool:
    """Whether mpi4py (and an MPI library) can be imported here."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


def _mpi():
    try:
        from mpi4py import MPI
    except ImportError:
        raise DistributedError(
            "lamina.distributed: mpi4py is not installed; pip install 'lamina[mpi]' (mpi4py and an MPI wheel)."
        ) from None
    return MPI


def init_process_group(backend: str = "mpi", init_method=None, world_size: int = -1, rank: int = -1, **_):
    """Join the process group of this MPI launch (mpiexec / lamina launch); alone, a group of one."""
    global _group
    if backend not in ("mpi", "gloo", "nccl"):
        raise ValueError(f"init_process_group: backend must be 'mpi' (or PyTorch's 'gloo'/'nccl'); got {backend!r}.")
    if _group is not None:
        raise DistributedError("init_process_group: the default process group is already initialized.")
    communicator = _mpi().COMM_WORLD
    if world_size not in (-1, communicator.Get_size()) or rank not in (-1, communicator.Get_rank()):
        raise DistributedError(
            f"init_process_group: this MPI launch has world_size {communicator.Get_size()} and rank "
            f"{communicator.Get_rank()}; got world_size={world_size}, rank={rank}. Let MPI decide (leave them out)."
        )
    _group = communicator


def is_initialized() -> bool:
    return _group is not None


def destroy_process_group():
    global _group
    _group = None


def _communicator():
    if _group is None:
        raise DistributedError(
            "lamina.distributed: the process group is not initialized; call init_process_group() first."
        )
    return _group


def get_rank() -> int:
    return _communicator().Get_rank() if _group is not None else 0


def get_world_size() -> int:
    return _communicator().Get_size() if _group is not None else 1


def barrier():
    _communicator().Barrier()


def _buffer(op: str, tensor, contents=True) -> object:
    """The tensor's data as an MPI buffer: a CPU tensor's contiguous array itself, else a host copy that
    _write_back puts on the tensor's device once the collective is done (with contents=False, for a tensor
    the collective only writes, an empty host buffer: nothing is copied off the device)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{op}: expects a lamina Tensor; got {type(tensor).__name__}.")
    if tensor.device.type != "cpu":
        if not contents:
            return cpu.xp.empty(tensor.shape, dtype=tensor.dtype.numpy)
        return tensor.device.backend.to_numpy(tensor.array)  # a fresh, contiguous host copy
    if not tensor.array.flags.c_contiguous or not tensor.array.flags.writeable:
        raise ShapeError(f"{op}: the tensor must be contiguous and writable (call .contiguous() first).")
    return tensor.array


def _write_back(tensor, host):
    """Finish a collective into `tensor`: a device tensor takes its staged host copy back, in place."""
    if host is not tensor.array:
        tensor.array[...] = tensor.device.backend.asarray(host)
    tensor._version[0] += 1


def _mpi_op(op: str, reduce_op):
    MPI = _mpi()
    reduce_op = ReduceOp(reduce_op.value if isinstance(reduce_op, ReduceOp) else reduce_op)
    table = {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD,
             ReduceOp.MIN: MPI.MIN, ReduceOp.MAX: MPI.MAX}  # fmt: skip
    return table[reduce_op], reduce_op is ReduceOp.AVG


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """tensor = op(tensor of every rank), in place (AVG divides the sum by the world size).

    With async_op=True it is started (MPI's Iallreduce) and returns a handle: the tensor holds the result
    once `handle.wait()` has returned, and must not be touched before (PyTorch's contract)."""
    array = _buffer("all_reduce", tensor)
    mpi_op, average = _mpi_op("all_reduce", op)
    communicator = _communicator()
    if async_op:
        request = communicator.Iallreduce(_mpi().IN_PLACE, array, op=mpi_op)
        return _Pending(request, tensor, array, communicator.Get_size() if average else None)
    communicator.Allreduce(_mpi().IN_PLACE, array, op=mpi_op)
    if average:
        array /= communicator.Get_size()
    _write_back(tensor, array)
    return None


def broadcast(tensor, src=0, group=None, async_op=False):
    """tensor = rank src's tensor, in place on every rank."""
    array = _buffer("broadcast", tensor)
    _communicator().Bcast(array, root=src)
    _write_back(tensor, array)
    return _Done() if async_op else None


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """tensor_list[r] = rank r's tensor (every rank's tensor has the same shape and dtype)."""
    communicator = _communicator()
    if len(tensor_list) != communicator.Get_size():
        raise ShapeError(f"all_gather: tensor_list has {len(tensor_list)} entries for {communicator.Get_size()} ranks.")
    for rank, target in enumerate(tensor_list):
        if target.shape != tensor.shape or target.dtype != tensor.dtype:
            raise ShapeError(f"all_gather: tensor_list[{rank}] is {target.shape} {target.dtype.name}, not the input's.")
    source = _buffer("all_gather", tensor)
    gathered = cpu.xp.empty((communicator.Get_size(), *source.shape), dtype=source.dtype)  # on the host, as MPI
    communicator.Allgather(source, gathered)
    for rank, target in enumerate(tensor_list):
        host = _buffer("all_gather", target, contents=False)
        host[...] = gathered[rank]
        _write_back(target, host)
    return _Done() if async_op else None


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """output = op over ranks of input_list[this rank] (each rank contributes one tensor per rank)."""
    communicator = _communicator()
    if len(input_list) != communicator.Get_size():
        raise ShapeError(
            f"reduce_scatter: input_list has {len(input_list)} entries for {communicator.Get_size()} ranks."
        )
    mpi_op, average = _mpi_op("reduce_scatter", op)
    send = cpu.xp.ascontiguousarray(cpu.xp.stack([_buffer("reduce_scatter", t) for t in input_list]))
    target = _buffer("reduce_scatter", output, contents=False)
    communicator.Reduce_scatter_block(send, target, op=mpi_op)
    if average:
        target /= communicator.Get_size()
    _write_back(output, target)
    return _Done() if async_op else None


class _Pending:
    """The handle of an all_reduce started with async_op=True: wait() completes it (and divides, for AVG)."""

    def __init__(self, request, tensor, buffer, divide_by):
        self.request, self.tensor, self.buffer, self.divide_by, self.done = request, tensor, buffer, divide_by, False

    def wait(self):
        if not self.done:
            self.request.Wait()
            if self.divide_by is not None:
                self.buffer /= self.divide_by
            _write_back(self.tensor, self.buffer)
            self.done = True
        return True

    def is_completed(self):
        return self.done or bool(self.request.Test())


class _Done:
    """The handle of an `async_op=True` call; lamina's MPI collectives complete before they return."""

    def wait(self):
        return True

    def is_completed(self):
        return True
