"""DistributedDataParallel: the same model in every process, each on its share of the batch, gradients
averaged over the processes after every backward so all replicas take the same step.

- At construction every parameter and buffer is broadcast from rank 0: all replicas start equal.
- Each parameter's gradient hook marks it ready; the first one of a backward queues the reduction to run
  when that backward has written every .grad (autograd.engine.queue_callback).
- The reduction works in buckets of about `bucket_cap_mb` MB, in the same order on every rank (reverse
  parameter order, as PyTorch: the last layers' gradients are ready first): each bucket's gradients are
  copied into one flat buffer, summed with one MPI Allreduce and divided by the world size.
- `no_sync()` skips the reduction (gradient accumulation); the next backward outside it reduces the sum.
- A parameter that got no gradient is an error naming it, unless `find_unused_parameters=True`, which
  reduces a zero for it (so every rank's buckets stay the same).

NOTE: lamina's engine writes the leaves' .grad at the end of the backward walk, so the reduction starts
after the whole backward (no overlap with it, unlike PyTorch's hooks on CUDA streams); on one machine with
two cores, as here, there is nothing to overlap with anyway. benchmarks/README.md has the measurements.
"""

import contextlib

from lamina import distributed
from lamina.autograd.engine import queue_callback
from lamina.autograd.grad_mode import no_grad
from lamina.nn.module import Module
from lamina.tensor import Tensor


class DistributedDataParallel(Module):
    def __init__(self, module, device_ids=None, output_device=None, broadcast_buffers=True, bucket_cap_mb=25,
                 find_unused_parameters=False, **_):  # fmt: skip
        super().__init__()
        if not distributed.is_initialized():
            raise distributed.collectives.DistributedError(
                "DistributedDataParallel: call lamina.distributed.init_process_group() first."
            )
        self.module = module
        self.broadcast_buffers, self.find_unused_parameters = broadcast_buffers, find_unused_parameters
        object.__setattr__(self, "_syncing", True)
        object.__setattr__(self, "_ready", set())
        object.__setattr__(self, "_queued", False)
        self._sync_module_states()
        trained = [p for p in module.parameters() if p.requires_grad]
        object.__setattr__(self, "_buckets", _buckets(list(reversed(trained)), bucket_cap_mb * 1024 * 1024))
        for parameter in trained:
            parameter.register_hook(self._make_hook(parameter))

    def _sync_module_states(self):
        with no_grad():
            for tensor in list(self.module.parameters()) + list(self.module.buffers()):
                distributed.broadcast(tensor, src=0)

    def forward(self, *inputs, **kwargs):
        if self.broadcast_buffers and self.training:
            with no_grad():
                for buffer in self.module.buffers():  # BatchNorm's running statistics follow rank 0's
                    distributed.broadcast(buffer, src=0)
        return self.module(*inputs, **kwargs)

    @contextlib.contextmanager
    def no_sync(self):
        """Backwards inside accumulate each rank's gradients without averaging them."""
        previous, self._syncing = self._syncing, False
        try:
            yield
        finally:
            self._syncing = previous

    def _make_hook(self, parameter):
        def hook(grad):
            if self._syncing:
                self._ready.add(id(parameter))
                if not self._queued:
                    self._queued = True
                    queue_callback(self._reduce)
            return None

        return hook

    def _reduce(self):
        """After a backward: average every bucket's gradients over the ranks."""
        self._queued = False
        ready, self._ready = self._ready, set()
        names = {id(p): n for n, p in self.module.named_parameters()}
        unused = [names[id(p)] for bucket in self._buckets for p in bucket if id(p) not in ready]
        if unused and not self.find_unused_parameters:
            raise distributed.collectives.DistributedError(
                f"DistributedDataParallel: parameters {unused} received no gradient in this backward; every rank "
                "must reduce the same buckets. Pass find_unused_parameters=True if parts of the model are unused."
            )
        world = distributed.get_world_size()
        with no_grad():
            for bucket in self._buckets:
                xp = bucket[0].device.xp
                grads = [p.grad.array.reshape(-1) if p.grad is not None else xp.zeros(p.numel(), p.array.dtype)
                         for p in bucket]  # fmt: skip
                flat = Tensor._make(xp.concatenate(grads), bucket[0].device)
                distributed.all_reduce(flat)
                flat.array /= world
                offset = 0
                for p in bucket:
                    values = flat.array[offset : offset + p.numel()].reshape(p.shape)
                    if p.grad is None:
                        p.grad = Tensor._make(values.copy(), p.device)
                    else:
                        p.grad.array[...] = values
                    offset += p.numel()


def _buckets(parameters, capacity_bytes):
    """Consecutive groups of parameters of one dtype, each up to capacity_bytes (one parameter may exceed it)."""
    buckets, current, size = [], [], 0
    for parameter in parameters:
        nbytes = parameter.array.nbytes
        if current and (size + nbytes > capacity_bytes or parameter.dtype is not current[0].dtype):
            buckets.append(current)
            current, size = [], 0
        current.append(parameter)
        size += nbytes
    if current:
        buckets.append(current)
    return buckets
