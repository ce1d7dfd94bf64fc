"""DistributedDataParallel: the same model in every process, each on its share of the batch, gradients
averaged over the processes after every backward so all replicas take the same step.

- At construction every parameter and buffer is broadcast from rank 0: all replicas start equal.
- Each parameter's post-accumulate hook (run by the backward as soon as that parameter's .grad is complete)
  marks it ready. Gradients are reduced in buckets of about `bucket_cap_mb` MB, in reverse parameter order
  (as PyTorch: the last layers' gradients are ready first): once every parameter of the next bucket is
  ready, its gradients are copied into one flat buffer and a non-blocking MPI Iallreduce starts on it,
  while the backward goes on through the earlier layers. Buckets start strictly in order, so every rank
  issues the same collectives in the same order.
- When the backward has written every .grad (autograd.engine.queue_callback) the reductions are waited
  for and each averaged bucket is written back into the parameters' .grad.
- `no_sync()` skips the reduction (gradient accumulation); the next backward outside it reduces the sum.
- A parameter that got no gradient is an error naming it, unless `find_unused_parameters=True`, which
  reduces a zero for it (so every rank's buckets stay the same).

NOTE: how much the overlap gains depends on the MPI library progressing a non-blocking collective while
Python computes (Open MPI does so inside later MPI calls, or with an asynchronous progress thread) and on
spare cores; on one machine with two cores, as here, there is little to overlap with.
benchmarks/README.md has the measurements.
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
        object.__setattr__(self, "_pending", [])  # (bucket, flat gradients, handle) started in this backward
        object.__setattr__(self, "_next_bucket", 0)  # the next bucket to start: they start in order
        self._sync_module_states()
        trained = [p for p in module.parameters() if p.requires_grad]
        object.__setattr__(self, "_buckets", _buckets(list(reversed(trained)), bucket_cap_mb * 1024 * 1024))
        for parameter in trained:
            parameter.register_post_accumulate_grad_hook(self._make_hook(parameter))

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
        def hook(_):
            if not self._syncing:
                return
            self._ready.add(id(parameter))
            if not self._queued:
                self._queued = True
                queue_callback(self._finish)
            self._start_ready_buckets()

        return hook

    def _start_ready_buckets(self):
        while self._next_bucket < len(self._buckets) and all(
            id(p) in self._ready for p in self._buckets[self._next_bucket]
        ):
            self._start(self._buckets[self._next_bucket])

    def _start(self, bucket):
        """Copy the bucket's gradients (zeros for a parameter without one) into a flat buffer; start its sum."""
        xp = bucket[0].device.xp
        with no_grad():
            grads = [p.grad.array.reshape(-1) if p.grad is not None else xp.zeros(p.numel(), p.array.dtype)
                     for p in bucket]  # fmt: skip
            flat = Tensor._make(xp.concatenate(grads), bucket[0].device)
        self._pending.append((bucket, flat, distributed.all_reduce(flat, async_op=True)))
        object.__setattr__(self, "_next_bucket", self._next_bucket + 1)

    def _finish(self):
        """After a backward: the buckets not started yet (unused parameters) started, all waited for, the
        averages written back into .grad."""
        object.__setattr__(self, "_queued", False)
        names = {id(p): n for n, p in self.module.named_parameters()}
        unused = [names[id(p)] for bucket in self._buckets for p in bucket if id(p) not in self._ready]
        if unused and not self.find_unused_parameters:
            for _, _, handle in self._reset():  # no request left in flight behind the error
                handle.wait()
            raise distributed.collectives.DistributedError(
                f"DistributedDataParallel: parameters {unused} received no gradient in this backward; every rank "
                "must reduce the same buckets. Pass find_unused_parameters=True if parts of the model are unused."
            )
        while self._next_bucket < len(self._buckets):  # buckets holding an unused parameter: started now
            self._start(self._buckets[self._next_bucket])
        world = distributed.get_world_size()
        with no_grad():
            for bucket, flat, handle in self._reset():
                handle.wait()
                flat.array /= world
                offset = 0
                for p in bucket:
                    values = flat.array[offset : offset + p.numel()].reshape(p.shape)
                    if p.grad is None:
                        p.grad = Tensor._make(values.copy(), p.device)
                    else:
                        p.grad.array[...] = values
                    offset += p.numel()

    def _reset(self) -> list:
        """Ready for the next backward; returns the reductions this one started."""
        pending = self._pending
        object.__setattr__(self, "_ready", set())
        object.__setattr__(self, "_pending", [])
        object.__setattr__(self, "_next_bucket", 0)
        return pending


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
