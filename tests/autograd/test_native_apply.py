"""The native layer's Function.apply (lamina/native/dispatch.c) against function.py's, the reference: same
results, same errors, no leaks.

The whole suite runs with the C one where it was built (the default); LAMINA_NATIVE=0 runs it with the
Python one. Here both run side by side in one process.
"""

import gc
import shutil
import sys
import weakref

import numpy as np
import pytest

import lamina
from lamina import native
from lamina.autograd import function as function_module
from lamina.autograd.function import Function  # the primitive base (arrays in forward)
from lamina.backend import register_device
from lamina.backend.numpy_backend import NumpyBackend

IMPLEMENTATIONS = ["python"] + (["native"] if function_module.native_apply is not None else [])


@pytest.fixture(params=IMPLEMENTATIONS)
def apply_impl(request, monkeypatch):
    """Function.apply set to one implementation for the test (monkeypatch restores the default)."""
    if request.param == "python":
        monkeypatch.setattr(Function, "apply", function_module.python_apply)
    else:
        monkeypatch.setattr(Function, "apply", classmethod(function_module.native_apply.apply))
    return request.param


@pytest.mark.skipif(
    shutil.which("cc") is None, reason="needs a C compiler, with which the install builds lamina/native"
)
def test_native_apply_was_built_where_it_can_be():
    """The extension is optional at install: a failed build must not pass unnoticed as the Python path."""
    if not native.enabled():
        pytest.skip("turned off by LAMINA_NATIVE=0")
    assert function_module.native_apply is not None, "lamina/native was not built at install (see the pip output)"
    assert Function.__dict__["apply"] is not function_module.python_apply


def _train_step(seed=0):
    rng = np.random.default_rng(seed)
    w1 = lamina.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    w2 = lamina.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    x = lamina.tensor(rng.standard_normal((6, 5)))
    hidden = (x @ w1).relu()
    logits = hidden.reshape(6, 4) @ w2
    loss = (logits.softmax(-1) * logits.T.T).sum(1).mean() + logits.max() - (w1 * 2.0).sum()
    loss.backward()
    return loss.item(), w1.grad.numpy(), w2.grad.numpy()


@pytest.mark.skipif(
    function_module.native_apply is None,
    reason="the native layer is not built, or turned off by LAMINA_NATIVE=0: nothing to compare",
)
def test_same_results_as_the_reference(monkeypatch):
    results = {}
    for name in IMPLEMENTATIONS:
        with monkeypatch.context() as patch:
            patch.setattr(
                Function,
                "apply",
                function_module.python_apply if name == "python" else classmethod(function_module.native_apply.apply),
            )
            results[name] = _train_step()
    reference = results["python"]
    for name, (loss, grad1, grad2) in results.items():
        assert loss == reference[0], name
        np.testing.assert_array_equal(grad1, reference[1])
        np.testing.assert_array_equal(grad2, reference[2])


def test_graph_fields(apply_impl):
    a = lamina.ones(2, 3, requires_grad=True)
    b = lamina.ones(2, 3)
    y = a * b
    assert y.requires_grad and y.grad_fn.op_name == "Mul" and y.grad_fn.needs_input_grad == (True, False)
    assert y.grad_fn.next_nodes == [a, None] and y.is_leaf is False
    assert y._version == [0] and y._base is None and y.grad is None and y._hooks == ()
    with lamina.no_grad():
        z = a * b
    assert not z.requires_grad and z.grad_fn is None
    plain = lamina.ones(2) + lamina.ones(2)
    assert not plain.requires_grad and plain.grad_fn is None


def test_views_share_the_version_and_name_their_base(apply_impl):
    x = lamina.zeros(2, 3)
    view = x.T
    assert view._version is x._version and view._base is x
    view_of_view = view.reshape(6)
    assert view_of_view._base is x
    x.add_(1)
    assert view._version[0] == 1


def test_options_and_three_inputs(apply_impl):
    x = lamina.tensor([[1.0, -2.0], [3.0, 4.0]], requires_grad=True)
    assert x.sum(1, keepdim=True).tolist() == [[-1.0], [7.0]]
    assert x.clamp(min=0.0, max=3.0).tolist() == [[1.0, 0.0], [3.0, 3.0]]
    chosen = lamina.where(x > 0, x, lamina.zeros(2, 2))
    chosen.sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0], [1.0, 1.0]]


def test_a_scalar_result_becomes_a_0d_array(apply_impl):
    total = lamina.ones(3).sum()
    assert type(total.array) is np.ndarray and total.array.shape == ()


class _Many(Function):
    """forward with more arguments than dispatch.c keeps on the C stack (16)."""

    @staticmethod
    def forward(ctx, x, **options):
        ctx.extras = None
        return x + sum(options.values())

    @staticmethod
    def backward(ctx, grad_out):
        return grad_out


class _NoSlots(Function):
    """A user's Function without __slots__ (it gets a __dict__) that reads needs_input_grad in backward."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.scale = 3.0
        return x * ctx.scale + y

    @staticmethod
    def backward(ctx, grad_out):
        grad_y = grad_out if ctx.needs_input_grad[1] else None
        return grad_out * ctx.scale, grad_y


class _Fails(Function):
    @staticmethod
    def forward(ctx, x):
        raise ValueError("forward failed on purpose")


class _OddNew(Function):
    """A __new__ that makes something other than a node: an error, never a write into the wrong object."""

    def __new__(cls):
        return object()

    @staticmethod
    def forward(ctx, x):
        return x


def test_user_functions(apply_impl):
    with pytest.raises((TypeError, AttributeError)):
        _OddNew.apply(lamina.ones(2))
    x = lamina.ones(2, requires_grad=True)
    options = {f"option_{i}": float(i) for i in range(20)}
    assert _Many.apply(x, **options).tolist() == [191.0, 191.0]
    y = lamina.ones(2)
    out = _NoSlots.apply(x, y)
    out.sum().backward()
    assert out.tolist() == [4.0, 4.0] and x.grad.tolist() == [3.0, 3.0] and y.grad is None
    with pytest.raises(ValueError, match="on purpose"):
        _Fails.apply(x)


def test_bad_inputs_raise_the_same_errors(apply_impl):
    register_device("fake", NumpyBackend())
    a, b = lamina.ones(3), lamina.ones(3, device="fake")
    with pytest.raises(lamina.DeviceError, match=r"Mul: expected all tensors to be on the same device.*cpu.*fake"):
        a * b
    with pytest.raises(lamina.DeviceError, match="Where.*argument 2 on fake"):
        lamina.where(a > 0, a, b)
    with pytest.raises(AttributeError, match="device"):
        lamina.ops.elementwise.Tanh.apply([1.0])
    with pytest.raises(IndexError):
        lamina.ops.elementwise.Tanh.apply()


def test_to_device_places_the_output_on_ctx_device(apply_impl):
    register_device("fake", NumpyBackend())
    x = lamina.tensor([1.0, 2.0], requires_grad=True)
    y = x.to("fake")
    assert y.device == "fake"
    (y * y).sum().backward()
    assert x.grad.device == "cpu" and x.grad.tolist() == [2.0, 4.0]


def test_anomaly_mode_names_the_op(apply_impl):
    x = lamina.tensor([0.0, 1.0], requires_grad=True)
    with lamina.autograd.detect_anomaly(), np.errstate(divide="ignore"):
        with pytest.raises(lamina.AnomalyError, match="Log"):
            x.log()
        assert (x + 1).grad_fn.extras.forward_trace  # the creation trace is kept for backward's report


@pytest.mark.parametrize("switch", ["with detect_anomaly()", "set_detect_anomaly(True)"])
def test_anomaly_mode_turned_on_for_the_first_time_in_a_process(switch):
    """The ops skip the per-thread switch until anomaly mode is first turned on: a fresh process must
    catch the first NaN all the same, and another thread (whose switch is off) must not."""
    import subprocess
    import textwrap

    code = textwrap.dedent(f"""
        import threading, numpy as np, lamina
        x = lamina.tensor([0.0, 1.0], requires_grad=True)
        np.seterr(divide="ignore")
        other = []
        def elsewhere():
            other.append(x.log())  # anomaly mode off in this thread: no error
        if "{switch}".startswith("with"):
            try:
                with lamina.autograd.detect_anomaly():
                    threading.Thread(target=elsewhere).start()
                    x.log()
                print("not caught")
            except lamina.AnomalyError as error:
                print("caught", "Log" in str(error))
        else:
            lamina.autograd.set_detect_anomaly(True)
            threading.Thread(target=elsewhere).start()
            try:
                x.log()
                print("not caught")
            except lamina.AnomalyError as error:
                print("caught", "Log" in str(error))
        import time; time.sleep(0.2)
        print(len(other))
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["caught", "True", "1"], result.stdout + result.stderr


def test_no_references_leak(apply_impl):
    a = lamina.ones(4, 4, requires_grad=True)
    b = lamina.ones(4, 4)
    device = a.device
    gc.collect()
    before = (sys.getrefcount(a), sys.getrefcount(a.array), sys.getrefcount(b), sys.getrefcount(device))
    for _ in range(100):
        (a + b).sum().backward()
        (b.T + b).sum()
        with pytest.raises(ValueError):
            _Fails.apply(a)
        with pytest.raises(lamina.ShapeError):
            a + lamina.ones(3)
    a.grad = None
    gc.collect()
    after = (sys.getrefcount(a), sys.getrefcount(a.array), sys.getrefcount(b), sys.getrefcount(device))
    assert after == before
    output = a * b
    node = weakref.ref(output)
    del output
    assert node() is None
