"""The GPU itself (CuPy): these run where lamina's cuda device registered, and skip saying why elsewhere.

Everywhere, check_op, compare_layer and the optimizer tests also run every case on cuda when it is there
(tests/device_helpers.py); the strict fake device (test_devices.py) holds the same code paths on machines
without a GPU. benchmarks/gpu_check.sh runs these and the GPU benchmarks in one go.
"""

import numpy as np
import pytest
from device_helpers import requires_cuda

import lamina
from lamina import nn, optim
from lamina.nn import functional as F


@pytest.fixture(autouse=True)
def gpu():
    requires_cuda()


def test_tensors_move_both_ways_and_ops_run_on_the_gpu():
    x = lamina.randn(4, 5)
    y = x.cuda()
    assert y.device == "cuda" and type(y.array).__module__.startswith("cupy")
    np.testing.assert_allclose((y.exp() @ y.T).cpu().numpy(), (x.exp() @ x.T).numpy(), rtol=1e-5, atol=1e-5)
    with pytest.raises(lamina.DeviceError, match="Add: expected all tensors to be on the same device.*cpu.*cuda"):
        x + y
    with pytest.raises(lamina.DeviceError, match="one GPU per process"):
        lamina.zeros(2, device="cuda:1")


def test_lenet_trains_on_the_gpu_like_the_cpu():
    def run(device):
        lamina.manual_seed(0)
        model = lamina.models.lenet5().double().to(device)
        optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        rng = np.random.default_rng(0)
        x = lamina.tensor(rng.standard_normal((8, 1, 28, 28)), device=device)
        y = lamina.tensor(rng.integers(0, 10, 8), device=device)
        for _ in range(5):
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
        return [p.numpy() for p in model.parameters()]

    for gpu, cpu in zip(run("cuda"), run("cpu")):
        np.testing.assert_allclose(gpu, cpu, rtol=1e-9, atol=1e-11)


def test_random_state_checkpoints_and_memory_queries():
    lamina.manual_seed(3)
    state = lamina.cuda.get_rng_state()
    first = lamina.rand(4, device="cuda").tolist()
    lamina.cuda.set_rng_state(state)
    assert lamina.rand(4, device="cuda").tolist() == first
    assert sorted(lamina.randperm(100, device="cuda").tolist()) == list(range(100))
    assert lamina.cuda.memory_allocated() > 0 and lamina.cuda.get_device_name()
    model = nn.Linear(3, 2).cuda()
    state = {k: v.cpu() for k, v in model.state_dict().items()}
    assert all(v.device == "cpu" for v in state.values())


def test_a_bad_label_on_the_gpu_is_reported_at_the_next_read():
    loss = F.cross_entropy(lamina.randn(3, 4, device="cuda"), lamina.tensor([0, 9, 1], device="cuda"))
    with pytest.raises(IndexError, match="cross_entropy: Target 9 is out of bounds"):
        lamina.cuda.synchronize()
    assert loss.shape == ()


def test_pinned_batches_copy_to_the_gpu():
    x = lamina.randn(16, 8)
    pinned = x.pin_memory()
    assert pinned.is_pinned() and not x.is_pinned() and pinned.device == "cpu"
    np.testing.assert_array_equal(pinned.numpy(), x.numpy())
    loader = lamina.data.DataLoader(lamina.data.TensorDataset(x, lamina.arange(16)), batch_size=4, pin_memory=True)
    for features, labels in loader:
        assert features.is_pinned() and labels.is_pinned()
        np.testing.assert_array_equal(features.to("cuda", non_blocking=True).cpu().numpy(), features.numpy())
