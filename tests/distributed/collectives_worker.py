"""Run under mpiexec -n 2: each collective and DDP's checks; prints OK lines that test_distributed.py reads."""

import sys
from pathlib import Path

import lamina
from lamina import distributed, nn

distributed.init_process_group()
rank, world = distributed.get_rank(), distributed.get_world_size()
assert world == 2

t = lamina.tensor([1.0, 2.0]) * (rank + 1)
distributed.all_reduce(t)
assert t.tolist() == [3.0, 6.0], t
t = lamina.tensor([float(rank)])
distributed.all_reduce(t, distributed.ReduceOp.MAX)
assert t.item() == 1.0
t = lamina.tensor([2.0 + rank], dtype=lamina.float64)
distributed.all_reduce(t, distributed.ReduceOp.AVG)
assert t.item() == 2.5
t = lamina.full((3,), float(rank))
distributed.broadcast(t, src=1)
assert t.tolist() == [1.0, 1.0, 1.0]
gathered = [lamina.zeros(2) for _ in range(world)]
distributed.all_gather(gathered, lamina.full((2,), float(rank)))
assert [g.tolist() for g in gathered] == [[0.0, 0.0], [1.0, 1.0]]
out = lamina.zeros(2)
distributed.reduce_scatter(out, [lamina.full((2,), 1.0 + rank), lamina.full((2,), 10.0 + rank)])
assert out.tolist() == ([3.0, 3.0] if rank == 0 else [21.0, 21.0]), out
distributed.barrier()
print("OK collectives", rank)

# the same collectives on a device tensor (the strict fake device: any silent host conversion raises),
# staged through the host and written back into the device array
sys.path.insert(0, str(Path(__file__).parents[1]))
import strict_device  # noqa: E402

device = strict_device.register()
t = lamina.tensor([1.0, 2.0], device=device) * (rank + 1)
distributed.all_reduce(t, async_op=True).wait()
assert t.device == device and t.tolist() == [3.0, 6.0], t
t = lamina.full((3,), float(rank), device=device)
distributed.broadcast(t, src=1)
assert t.tolist() == [1.0, 1.0, 1.0]
gathered = [lamina.zeros(2, device=device) for _ in range(world)]
distributed.all_gather(gathered, lamina.full((2,), float(rank), device=device))
assert [g.tolist() for g in gathered] == [[0.0, 0.0], [1.0, 1.0]]
out = lamina.zeros(2, device=device)
parts = [lamina.full((2,), 1.0 + rank, device=device), lamina.full((2,), 10.0 + rank, device=device)]
distributed.reduce_scatter(out, parts)
assert out.device == device and out.tolist() == ([3.0, 3.0] if rank == 0 else [21.0, 21.0]), out
print("OK device collectives", rank)

# DDP: replicas start equal (rank 0's weights), and an unused parameter is named
lamina.manual_seed(rank)  # different initial weights per rank: DDP must broadcast rank 0's
model = nn.parallel.DistributedDataParallel(nn.Linear(3, 2))
weights = model.module.weight.detach().clone()
distributed.all_reduce(weights)
assert lamina.allclose(weights, model.module.weight * 2)
print("OK broadcast", rank)


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.used, self.unused = nn.Linear(3, 1), nn.Linear(3, 1)

    def forward(self, x):
        return self.used(x)


strict = nn.parallel.DistributedDataParallel(TwoHeads())
try:
    strict(lamina.ones(2, 3)).sum().backward()
except distributed.collectives.DistributedError as error:
    assert "unused.weight" in str(error) and "find_unused_parameters=True" in str(error)
    print("OK unused", rank)
relaxed = nn.parallel.DistributedDataParallel(TwoHeads(), find_unused_parameters=True)
relaxed(lamina.ones(2, 3) * (rank + 1)).sum().backward()
grad = relaxed.module.used.weight.grad.clone()
distributed.all_reduce(grad, distributed.ReduceOp.MAX)
assert lamina.allclose(grad, relaxed.module.used.weight.grad)  # averaged: equal on both ranks
print("OK find_unused", rank)

# async all_reduce: started, then completed by wait()
t = lamina.tensor([1.0, 2.0]) * (rank + 1)
handle = distributed.all_reduce(t, async_op=True)
handle.wait()
assert t.tolist() == [3.0, 6.0] and handle.is_completed()
print("OK async", rank)

# overlap: with one bucket per parameter, the last layer's buckets are on their way before the backward
# reaches the first layer (whose input gradient a hook observes)
lamina.manual_seed(0)
net = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 1))
ddp = nn.parallel.DistributedDataParallel(net, bucket_cap_mb=1e-6)
started_when_first_layer_reached = []
x = lamina.ones(2, 4) * (rank + 1)
hidden = net[0](x)
hidden.register_hook(lambda g: started_when_first_layer_reached.append(len(ddp._pending)))
net[4](net[3](net[2](net[1](hidden)))).sum().backward()
assert started_when_first_layer_reached[0] >= 4, started_when_first_layer_reached  # layers 3 and 2's buckets
weight = net[0].weight.grad.clone()
distributed.all_reduce(weight, distributed.ReduceOp.MAX)
assert lamina.allclose(weight, net[0].weight.grad)  # and the result is averaged all the same
print("OK overlap", rank)
sys.stdout.flush()
