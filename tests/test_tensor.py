"""Tensor creation, dtypes, attributes, conversions, devices and printing."""

import numpy as np
import pytest

import lamina
from lamina.backend import NumpyBackend, register_device


def test_creation_functions():
    assert lamina.zeros(2, 3).tolist() == [[0.0] * 3] * 2
    assert lamina.ones((2,)).dtype is lamina.float32
    assert lamina.full((2, 2), 7).tolist() == [[7, 7], [7, 7]] and lamina.full((1,), 7).dtype is lamina.int64
    assert lamina.full((1,), 0.5).dtype is lamina.float32
    assert lamina.empty(4, 5).shape == (4, 5)
    assert lamina.arange(5).tolist() == [0, 1, 2, 3, 4] and lamina.arange(5).dtype is lamina.int64
    assert lamina.arange(1, 2, 0.5).tolist() == [1.0, 1.5] and lamina.arange(0.0, 1.0, 0.5).dtype is lamina.float32
    assert lamina.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert lamina.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]] and lamina.eye(2, 3).shape == (2, 3)
    x = lamina.randn(2, 3, dtype=lamina.float64)
    for like in (lamina.zeros_like, lamina.ones_like, lamina.empty_like, lamina.rand_like, lamina.randn_like):
        y = like(x)
        assert y.shape == (2, 3) and y.dtype is lamina.float64
    assert lamina.full_like(x, 2.0).tolist() == [[2.0] * 3] * 2
    assert lamina.randint_like(x, 0, 5).dtype is lamina.float64


def test_tensor_from_data_infers_dtype():
    assert lamina.tensor([1.0, 2.0]).dtype is lamina.float32  # Python floats: float32
    assert lamina.tensor([1, 2]).dtype is lamina.int64
    assert lamina.tensor([True]).dtype is lamina.bool
    assert lamina.tensor(np.zeros(2)).dtype is lamina.float64  # a NumPy array keeps its dtype
    assert lamina.tensor(np.zeros(2, dtype=np.int32)).dtype is lamina.int32
    assert lamina.tensor(3.5).shape == () and lamina.tensor(3.5).item() == 3.5
    source = np.zeros(2)
    copied = lamina.tensor(source)
    source[0] = 1
    assert copied.tolist() == [0.0, 0.0]  # tensor() copies
    with pytest.raises(lamina.DTypeError, match="not supported"):
        lamina.tensor(np.zeros(2, dtype=np.complex64))


def test_random_is_reproducible_and_in_range():
    lamina.manual_seed(123)
    a = (lamina.rand(5), lamina.randn(5), lamina.randint(0, 10, (5,)), lamina.randperm(5))
    lamina.manual_seed(123)
    b = (lamina.rand(5), lamina.randn(5), lamina.randint(0, 10, (5,)), lamina.randperm(5))
    for x, y in zip(a, b):
        assert x.tolist() == y.tolist()
    assert a[0].dtype is lamina.float32 and a[1].dtype is lamina.float32 and a[2].dtype is lamina.int64
    assert 0 <= a[0].numpy().min() and a[0].numpy().max() < 1
    assert sorted(a[3].tolist()) == [0, 1, 2, 3, 4]
    assert lamina.randint(3, (4,)).numpy().max() < 3
    assert lamina.randn(3, dtype=lamina.float16).dtype is lamina.float16
    state = lamina.get_rng_state()
    first = lamina.rand(3).tolist()
    lamina.set_rng_state(state)
    assert lamina.rand(3).tolist() == first


def test_dtype_conversions():
    x = lamina.tensor([1.7, -2.2])
    assert x.double().dtype is lamina.float64 and x.float().dtype is lamina.float32
    assert x.long().tolist() == [1, -2] and x.int().dtype is lamina.int32
    assert x.half().dtype is lamina.float16 and x.bool().tolist() == [True, True]
    assert x.to(lamina.float64).dtype is lamina.float64 and x.to("float64").dtype is lamina.float64
    assert x.to(x.double()).dtype is lamina.float64
    assert x.to(lamina.float32) is x  # no copy when nothing changes
    assert x.type_as(lamina.zeros(1, dtype=lamina.int64)).dtype is lamina.int64


def test_attributes_and_conversions():
    x = lamina.arange(6).reshape(2, 3)
    assert x.shape == (2, 3) and x.ndim == 2 and x.dim() == 2 and x.numel() == 6 and len(x) == 2
    assert x.size() == (2, 3) and x.size(1) == 3 and x.device == "cpu" and str(x.device) == "cpu"
    assert x.tolist() == [[0, 1, 2], [3, 4, 5]] and isinstance(x.numpy(), np.ndarray)
    assert x[1, 2].item() == 5 and int(x[0, 1]) == 1 and float(x[0, 1]) == 1.0
    assert [row.tolist() for row in x] == [[0, 1, 2], [3, 4, 5]]
    assert np.asarray(x).shape == (2, 3)
    with pytest.raises(lamina.ShapeError, match="one element"):
        x.item()
    with pytest.raises(lamina.ShapeError, match="ambiguous"):
        bool(x)


def test_repr_shows_grad_fn_and_non_default_dtype():
    x = lamina.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward0>)"
    assert "dtype=lamina.float64" in repr(x.double().detach())
    assert repr(lamina.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(lamina.float32) == "lamina.float32"


def test_cuda_answers_clearly_without_a_gpu_backend():
    if lamina.cuda.is_available():
        pytest.skip("this machine has a GPU: tests/backend/test_cuda.py tests it")
    with pytest.raises(lamina.DeviceError, match="device 'cuda' is not available: (CuPy|no CUDA).*Use device='cpu'"):
        lamina.zeros(2).to("cuda")
    with pytest.raises(lamina.DeviceError, match="device 'cuda:0' is not available"):
        lamina.zeros(2, device="cuda:0")
    assert lamina.cuda.device_count() == 0 and not lamina.cuda.is_available()
    with pytest.raises(lamina.DeviceError, match="unknown device 'tpu'"):
        lamina.zeros(2, device="tpu")


@pytest.fixture(scope="module")
def fake_device():
    """A second CPU-backed device, only for tests: lets device mismatches be tested without a GPU."""
    return register_device("fake", NumpyBackend())


def test_device_mismatch_is_named(fake_device):
    a = lamina.ones(3)
    b = lamina.ones(3, device="fake")
    assert b.device == "fake" and "device='fake'" in repr(b)
    with pytest.raises(lamina.DeviceError, match=r"Mul: expected all tensors to be on the same device.*cpu.*fake"):
        a * b
    with pytest.raises(lamina.DeviceError, match="MatMul.*argument 1 on fake"):
        a.reshape(1, 3) @ b.reshape(3, 1)
    with pytest.raises(lamina.DeviceError, match="gt"):
        _ = a > b


def test_to_device_copies_and_is_differentiable(fake_device):
    x = lamina.tensor([1.0, 2.0], requires_grad=True)
    y = x.to("fake")
    assert y.device == "fake" and y.array is not x.array
    (y * y).sum().backward()
    assert x.grad.device == "cpu" and x.grad.tolist() == [2.0, 4.0]


def test_dtypes_module():
    assert lamina.dtypes.promote_types(lamina.uint8, lamina.int8) is lamina.int16
    assert lamina.dtypes.to_dtype("double") is lamina.float64 and lamina.dtypes.to_dtype(float) is lamina.float32
    with pytest.raises(lamina.DTypeError, match="not a dtype"):
        lamina.dtypes.to_dtype("floaty")


def test_data_is_a_tensor_sharing_memory_outside_the_graph_as_in_pytorch():
    parameter = lamina.nn.Linear(2, 2).weight
    view = parameter.data
    assert isinstance(view, lamina.Tensor) and not view.requires_grad and view.grad_fn is None
    view.mul_(0)  # through .data: allowed on a leaf that requires grad, and seen by the parameter
    assert parameter.abs().sum().item() == 0
    replacement = lamina.randn(2, 2)
    parameter.data = replacement  # PyTorch's idiom: the parameter now holds the other tensor's memory
    assert parameter.array is replacement.array and parameter.requires_grad
    with pytest.raises(TypeError, match="Tensor.data: assign a Tensor"):
        parameter.data = [[1.0, 2.0]]


def test_a_tensor_assigned_to_the_array_slot_is_named_in_the_error():
    parameter = lamina.nn.Linear(2, 2).weight
    parameter.array = lamina.randn(2, 2)
    with pytest.raises(lamina.DTypeError, match=r"\.array holds a Tensor.*p\.data = other"):
        parameter + 1


def test_format_of_a_0d_tensor_formats_its_number_as_torch_does():
    torch = pytest.importorskip("torch")
    for lib in (lamina, torch):
        value = lib.tensor(3.14159)
        assert f"{value:.2f}" == "3.14" and f"{lib.tensor([2.5])[0]:+.3f}" == "+2.500"
        with pytest.raises(TypeError):
            f"{lib.ones(2):.2f}"
