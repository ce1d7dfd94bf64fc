"""Tensor's fields are listed once (Tensor.__slots__ and Tensor.FRESH_FIELDS): tensors made by the native dispatch and by
Tensor._make carry the same fields with the same starting values, and dispatch.c refuses a Tensor whose slot
has no starting value rather than making tensors without it."""

import subprocess
import sys
import textwrap

import pytest

import lamina
from lamina.autograd import function
from lamina.tensor import Tensor

FIELDS = [slot for slot in Tensor.__slots__ if slot != "__weakref__"]


def _fields(tensor):
    return {name: getattr(tensor, name) for name in FIELDS if name not in ("array", "device", "_version")}


def test_make_writes_the_table():
    made = Tensor._make(lamina.ones(2).array, lamina.ones(2).device)
    assert _fields(made) == dict(Tensor.FRESH_FIELDS) and made._version == [0]
    assert set(FIELDS) == {"array", "device", "_version"} | {name for name, _ in Tensor.FRESH_FIELDS}


@pytest.mark.skipif(function.native_apply is None, reason="the native layer is not built (or LAMINA_NATIVE=0)")
def test_the_c_path_makes_tensors_with_every_field():
    with lamina.no_grad():
        out = lamina.ones(3) * 2  # made by dispatch.c's make_tensor
    assert _fields(out) == dict(Tensor.FRESH_FIELDS) and out._version == [0]


@pytest.mark.skipif(function.native_apply is None, reason="the native layer is not built (or LAMINA_NATIVE=0)")
def test_a_slot_without_a_starting_value_is_refused_by_name():
    script = textwrap.dedent(
        """
        from lamina.autograd import function
        from lamina.native import _native
        from lamina.autograd.grad_mode import state
        from lamina.tensor import Tensor

        class Wider:
            __slots__ = Tensor.__slots__[:-1] + ("_added",)
            FRESH_FIELDS = Tensor.FRESH_FIELDS

        try:
            _native.configure(Wider, function.Function, state, function._record, function._check_forward,
                             function.raise_device_mismatch)
        except TypeError as error:
            print(error)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert "Tensor's slot '_added' has no starting value in Tensor.FRESH_FIELDS" in done.stdout, done.stderr
