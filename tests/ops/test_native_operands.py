"""operands.c (the common case of a binary op's operand check) against elementwise._python_operands.

The C function must answer exactly what the Python one answers: the same two tensors where they are
of one dtype and broadcast, and for everything else the Python function's own result or error.
"""

import numpy as np
import pytest

import lamina
from lamina.ops import elementwise

_operands = pytest.importorskip("lamina.ops._operands", reason="operands.c was not built")
_operands.configure(lamina.Tensor, elementwise._python_operands)  # (done at import, unless LAMINA_NATIVE_APPLY=0)
native = _operands.operands


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
