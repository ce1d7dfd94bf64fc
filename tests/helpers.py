"""check_op: the one helper behind the one-line op tests.

    check_op(lambda lib, x, y: x * y, [(2, 3), (3,)])

`lib` is `lamina` or `torch`, so one lambda defines the op for both. The
helper always runs gradcheck (float64 central differences) and, where asked,
gradgradcheck; when torch is importable it also compares values, gradients
(for a random upstream gradient) and the float32 output dtype with torch.
Without torch those comparisons are skipped, never failed. Then the op runs on every other device
(tests/device_helpers.py: the strict fake device everywhere, cuda where there is a GPU) and must give
the CPU's values, gradients and dtypes.
"""

import subprocess
import sys

import numpy as np
from device_helpers import compare_op_on_devices

import lamina
from lamina.autograd import gradcheck, gradgradcheck

try:
    import torch
except ImportError:  # the torch comparisons are skipped, the gradient checks still run
    torch = None


def make_arrays(shapes, seed=0, positive=False, noncontiguous=False, away_from=None):
    """float64 test inputs; `positive` for log/sqrt, `away_from` keeps values off a kink."""
    rng = np.random.default_rng(seed)
    arrays = []
    for shape in shapes:
        if noncontiguous and len(shape) >= 2:
            a = rng.standard_normal(tuple(reversed(shape))).T  # a transposed view: strides reversed
        else:
            a = rng.standard_normal(shape)
        if positive:
            a = np.abs(a) + 0.5
        if away_from is not None:
            a = np.where(np.abs(a - away_from) < 0.1, a + 0.3, a)
        arrays.append(np.asarray(a))
    return arrays


def _lamina_inputs(arrays, requires_grad=True):
    inputs = []
    for a in arrays:
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            inputs.append(
                lamina.Tensor._make(
                    a.copy(order="K") if a.flags.c_contiguous else a, lamina.device("cpu")
                ).requires_grad_(requires_grad)
            )
        elif isinstance(a, np.ndarray):
            inputs.append(lamina.tensor(a))
        else:
            inputs.append(a)
    return inputs


def _torch_inputs(arrays, dtype=None):
    inputs = []
    for a in arrays:
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            t = torch.from_numpy(np.array(a, dtype=dtype or a.dtype))
            inputs.append(t.requires_grad_(True))
        elif isinstance(a, np.ndarray):
            inputs.append(torch.from_numpy(a.copy()))
        else:
            inputs.append(a)
    return inputs


def _outputs(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


def check_op(
    fn,
    shapes=None,
    arrays=None,
    *,
    positive=False,
    away_from=None,
    noncontiguous=False,
    gradgrad=False,
    grad=True,
    atol=1e-6,
    rtol=1e-5,
    seed=0,
):
    """Check one op: gradcheck always, gradgradcheck if asked, torch values and grads when available."""
    if arrays is None:
        arrays = make_arrays(shapes, seed, positive, noncontiguous, away_from)

    def lamina_fn(*xs):
        return fn(lamina, *xs)

    if grad:
        inputs = _lamina_inputs(arrays)
        assert gradcheck(lamina_fn, inputs), "gradcheck failed"
        if gradgrad:
            assert gradgradcheck(lamina_fn, _lamina_inputs(arrays)), "gradgradcheck failed"
    if torch is not None:
        compare_with_torch(fn, arrays, atol=atol, rtol=rtol, grad=grad, seed=seed)
    compare_op_on_devices(fn, arrays, grad=grad, seed=seed)


def compare_with_torch(fn, arrays, atol=1e-6, rtol=1e-5, grad=True, seed=0):
    """Values and gradients (for a random upstream gradient) against torch, float64; float32 dtypes too."""
    ours = _lamina_inputs(arrays, requires_grad=grad)
    theirs = _torch_inputs(arrays)
    if not grad:
        for t in theirs:
            if isinstance(t, torch.Tensor) and t.requires_grad:
                t.requires_grad_(False)
    our_out, their_out = _outputs(fn(lamina, *ours)), _outputs(fn(torch, *theirs))
    assert len(our_out) == len(their_out)
    rng = np.random.default_rng(seed + 1)
    our_loss, their_loss = None, None
    for o, t in zip(our_out, their_out):
        expected = t.detach().numpy()
        assert o.shape == tuple(t.shape), f"shape {o.shape} != torch {tuple(t.shape)}"
        np.testing.assert_allclose(o.numpy(), expected, atol=atol, rtol=rtol, err_msg="value differs from torch")
        if grad and t.requires_grad and t.dtype.is_floating_point:
            upstream = rng.standard_normal(expected.shape)
            term_o = (o * lamina.tensor(upstream, dtype=lamina.float64)).sum()
            term_t = (t * torch.from_numpy(upstream)).sum()
            our_loss = term_o if our_loss is None else our_loss + term_o
            their_loss = term_t if their_loss is None else their_loss + term_t
    if our_loss is not None:
        our_loss.backward()
        their_loss.backward()
        for o, t in zip(ours, theirs):
            if isinstance(t, torch.Tensor) and t.requires_grad:
                expected = t.grad.numpy() if t.grad is not None else np.zeros(t.shape)
                got = o.grad.numpy() if o.grad is not None else np.zeros(o.shape)
                np.testing.assert_allclose(got, expected, atol=atol, rtol=rtol, err_msg="gradient differs from torch")
    _compare_float32_dtypes(fn, arrays)


def _compare_float32_dtypes(fn, arrays):
    """In float32 the output dtypes must match torch's: no float64 leaking in."""
    ours = [
        lamina.tensor(a.astype(np.float32))
        if isinstance(a, np.ndarray) and a.dtype.kind == "f"
        else (lamina.tensor(a) if isinstance(a, np.ndarray) else a)
        for a in arrays
    ]
    theirs = [
        torch.from_numpy(a.astype(np.float32))
        if isinstance(a, np.ndarray) and a.dtype.kind == "f"
        else (torch.from_numpy(a.copy()) if isinstance(a, np.ndarray) else a)
        for a in arrays
    ]
    for o, t in zip(_outputs(fn(lamina, *ours)), _outputs(fn(torch, *theirs))):
        assert o.dtype.name == str(t.dtype).replace("torch.", ""), f"dtype {o.dtype} != torch {t.dtype}"


def lamina_run(script, cwd=None, timeout=120):
    """`lamina run script` in its own process, as a user runs it: the finished process (stdout, stderr, code)."""
    return subprocess.run(
        [sys.executable, "-m", "lamina.cli.main", "run", str(script)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
