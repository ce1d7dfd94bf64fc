"""The op and autograd rows of ../shared/BAD_INPUTS.md: each asserts the error type and message."""

import pytest

import lamina
from lamina.backend import NumpyBackend, register_device


def test_row_01_matmul_inner_dims():
    with pytest.raises(lamina.ShapeError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) cannot be multiplied"):
        lamina.zeros(2, 3) @ lamina.zeros(4, 5)
    with pytest.raises(ValueError):  # ShapeError is a ValueError for callers who catch builtins
        lamina.zeros(2, 3) @ lamina.zeros(4, 5)


def test_row_02_broadcast_mismatch_names_shapes_and_axis():
    with pytest.raises(
        lamina.ShapeError,
        match=r"add: shapes \(2, 3\) and \(4, 3\) cannot be broadcast.*tensor a \(2\).*tensor b \(4\).*dimension 0",
    ):
        lamina.zeros(2, 3) + lamina.zeros(4, 3)
    with pytest.raises(lamina.ShapeError, match=r"mul: shapes \(3,\) and \(4,\)"):
        lamina.zeros(3) * lamina.zeros(4)


def test_row_05_invalid_reshape():
    with pytest.raises(lamina.ShapeError, match=r"reshape: shape \[4, 2\] is invalid for input of size 6"):
        lamina.zeros(2, 3).reshape(4, 2)
    with pytest.raises(lamina.ShapeError, match=r"view: shape \[4, -1\] is invalid for input of size 6"):
        lamina.zeros(6).view(4, -1)


def test_row_06_dtype_mismatch_promotes_for_plain_tensor_ops():
    # lamina's choice (documented in the README): plain tensor ops promote like PyTorch's elementwise
    # rule, so float32 @ float64 gives float64; layers refuse a wrong input dtype (nn issue).
    result = lamina.ones(2, 3) @ lamina.ones(3, 2, dtype=lamina.float64)
    assert result.dtype is lamina.float64
    assert (lamina.ones(2) + lamina.ones(2, dtype=lamina.float64)).dtype is lamina.float64


def test_row_07_requires_grad_on_integer_tensor():
    with pytest.raises(
        lamina.DTypeError, match="only tensors of floating point dtype can require gradients; got int64"
    ):
        lamina.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError):
        lamina.zeros(2, dtype=lamina.int32).requires_grad_()


def test_row_14_anomaly_mode_names_the_backward_and_where_it_was_created():
    x = lamina.zeros(1, requires_grad=True)
    with lamina.autograd.detect_anomaly():
        y = x.sqrt()
        with pytest.raises(
            lamina.AnomalyError,
            match=r"(?s)Function 'SqrtBackward' returned inf values in its 0th output\. The forward call that created it:\n.*test_bad_inputs.py",
        ):
            y.sum().backward()


def test_row_17_inplace_change_of_a_saved_tensor():
    x = lamina.ones(3, requires_grad=True)
    y = x.sigmoid()
    out = y * 2
    y.mul_(2)
    with pytest.raises(
        lamina.AutogradError,
        match=r"modified by an inplace operation: \[float32 tensor of shape \(3,\)\], which is output 0 of Sigmoid, is at version 1; expected version 0 instead\. Hint",
    ):
        # Mul saved y (scalar 2 is a constant): the change is caught, never used silently
        (out * y).sum().backward()


def test_row_18_inplace_on_a_leaf_that_requires_grad():
    w = lamina.ones(3, requires_grad=True)
    with pytest.raises(
        lamina.AutogradError, match="a leaf tensor that requires grad is being used in an in-place operation"
    ):
        w.mul_(2)
    with lamina.no_grad():
        w.mul_(2)  # allowed: this is how optimizers update parameters
    assert w.tolist() == [2.0, 2.0, 2.0]


def test_row_19_backward_twice():
    x = lamina.ones(2, requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(
        lamina.AutogradError, match="trying to backward through the graph a second time.*Specify retain_graph=True"
    ):
        y.backward()


def test_row_20_non_scalar_backward_without_gradient():
    x = lamina.ones(3, requires_grad=True)
    with pytest.raises(
        lamina.AutogradError, match=r"grad can be implicitly created only for scalar outputs; output 0 has shape \(3,\)"
    ):
        (x * 2).backward()


def test_row_21_backward_without_graph():
    with pytest.raises(
        lamina.AutogradError, match="element 0 of tensors does not require grad and does not have a grad_fn"
    ):
        lamina.ones(3).sum().backward()


def test_row_22_backward_with_wrong_shape_gradient():
    x = lamina.ones(3, requires_grad=True)
    with pytest.raises(
        lamina.ShapeError, match=r"grad_output\[0\] has a shape of \(4,\) and output\[0\] has a shape of \(3,\)"
    ):
        (x * 2).backward(lamina.ones(4))


def test_row_23_mixing_devices_names_op_argument_and_devices():
    register_device("other", NumpyBackend())
    a, b = lamina.ones(2, 2), lamina.ones(2, 2, device="other")
    with pytest.raises(
        lamina.DeviceError,
        match=r"MatMul: expected all tensors to be on the same device, but got argument 0 on cpu, argument 1 on other",
    ):
        a @ b
    with pytest.raises(lamina.DeviceError, match="never copies between devices implicitly"):
        a + b
    if not lamina.cuda.is_available():
        with pytest.raises(lamina.DeviceError, match="device 'cuda' is not available: .*Use device='cpu'"):
            a.cuda()
