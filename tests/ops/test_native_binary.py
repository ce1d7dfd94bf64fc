"""The native layer's binary-op entry (lamina/native/dispatch.c) against elementwise.py's Python one.

`operands` must answer exactly what `_python_operands` answers: the same two tensors where they are of one
dtype and broadcast, and for everything else the Python function's own result or error. `binary` (operands
and Function.apply in one call) must give what `_python_binary` gives, also when Function.apply has been
replaced (the ONNX tracer records through its own).
"""

import numpy as np
import pytest

import lamina
from lamina import native as native_layer
from lamina.autograd.function import Function
from lamina.backend import register_device
from lamina.backend.numpy_backend import NumpyBackend
from lamina.ops import elementwise

if native_layer.extension is None:
    pytest.skip("the native layer is not built, or LAMINA_NATIVE=0", allow_module_level=True)
native = native_layer.extension.operands
binary = native_layer.extension.binary


def t(shape, dtype="float32"):
    return lamina.zeros(*shape, dtype=dtype)


class SubTensor(lamina.Tensor):
    __slots__ = ()


SAME = [
    (t((4, 4)), t((4, 4))),
    (t((4, 1)), t((1, 4))),  # broadcasting
    (t((2, 3, 4)), t((4,))),
    (t(()), t((3, 2))),  # a 0-d tensor
    (t((0, 4)), t((1, 4))),  # empty
    (t((3,), "int64"), t((3,), "int64")),
    (t((3,), "float64"), t((3,), "float64")),
]
OTHER = [
    (t((3,)), 2.0),  # a Python number
    (3, t((3,))),
    (t((3,), "int64"), 0.5),
    (t((3,)), t((3,), "float64")),  # two dtypes: promoted through a cast
    (t((3,), "int32"), t((3,), "bool")),
]


@pytest.mark.parametrize("a, b", SAME, ids=[f"same-{i}" for i in range(len(SAME))])
def test_same_tensors_back(a, b):
    got = native("add", a, b)
    assert type(got) is tuple and got[0] is a and got[1] is b
    want = elementwise._python_operands("add", a, b)
    assert want[0] is a and want[1] is b


@pytest.mark.parametrize("a, b", OTHER, ids=[f"other-{i}" for i in range(len(OTHER))])
def test_the_rest_as_the_python_function(a, b):
    got, want = native("mul", a, b), elementwise._python_operands("mul", a, b)
    for g, w in zip(got, want):
        assert type(g) is type(w) and g.dtype == w.dtype and g.shape == w.shape
        np.testing.assert_array_equal(g.numpy(), w.numpy())


def test_a_subclass_goes_to_the_python_function():
    a = lamina.zeros(3)
    b = SubTensor.__new__(SubTensor)
    for name in ("data", "device", "requires_grad", "grad", "grad_fn", "_base"):
        setattr(b, name, getattr(a, name))
    b._version, b._hooks = [0], ()
    got = native("add", a, b)
    assert got[0] is a and got[1] is b


@pytest.mark.parametrize(
    "a, b, message",
    [
        (t((3, 4)), t((4, 3)), r"add: .*\(3, 4\).*\(4, 3\)"),
        (t((2, 3)), t((3, 2, 2)), r"add: "),
    ],
)
def test_shapes_that_do_not_broadcast_raise_the_python_error(a, b, message):
    with pytest.raises(lamina.ShapeError, match=message):
        native("add", a, b)
    with pytest.raises(lamina.ShapeError, match=message):
        a + b  # through whichever the ops use


def test_bad_calls():
    with pytest.raises(TypeError):
        native("add", t((3,)))
    with pytest.raises(Exception) as from_python:  # (two strings: never reaches here through an operator)
        elementwise._python_operands("add", "a", "b")
    with pytest.raises(from_python.type):
        native("add", "a", "b")


@pytest.mark.parametrize("a, b", SAME + OTHER, ids=[f"pair-{i}" for i in range(len(SAME + OTHER))])
@pytest.mark.parametrize("function, op", [(elementwise.Add, "add"), (elementwise.Mul, "mul"), (elementwise.Sub, "sub")])
def test_binary_gives_what_the_python_path_gives(function, op, a, b):
    got, want = binary(function, op, a, b), elementwise._python_binary(function, op, a, b)
    assert type(got) is type(want) and got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_binary_records_the_graph_as_apply_does():
    a, b = lamina.tensor([1.0, 2.0], requires_grad=True), lamina.tensor([3.0, 4.0], requires_grad=True)
    out = binary(elementwise.Mul, "mul", a, b)
    assert type(out.grad_fn).__name__ == "Mul"
    out.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [3.0, 4.0])
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 2.0])


def test_binary_goes_through_a_replaced_apply(monkeypatch):
    seen = []
    installed = Function.__dict__["apply"]

    def recording(cls, *inputs, **options):
        seen.append(cls.__name__)
        return installed.__func__(cls, *inputs, **options)

    monkeypatch.setattr(Function, "apply", classmethod(recording))
    out = lamina.tensor([1.0, 2.0]) + lamina.tensor([3.0, 4.0])  # the operator's path: binary
    assert seen == ["Add"] and out.tolist() == [4.0, 6.0]


def test_binary_errors_as_the_python_path():
    with pytest.raises(lamina.ShapeError, match=r"add: "):
        binary(elementwise.Add, "add", t((3, 4)), t((4, 3)))
    with pytest.raises(TypeError):
        binary(elementwise.Add, "add", t((3,)))
    register_device("fake", NumpyBackend())
    with pytest.raises(lamina.DeviceError, match=r"Add: expected all tensors to be on the same device.*cpu.*fake"):
        binary(elementwise.Add, "add", lamina.ones(3), lamina.ones(3, device="fake"))  # one dtype, two devices
