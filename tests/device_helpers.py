"""The devices every op, layer and optimizer test also runs on, besides the CPU.

- `strict` (tests/strict_device.py) on every machine: a fake device whose arrays refuse NumPy, so a test
  passing on it shows the code path keeps to `ctx.xp` and the kernel set, as a GPU needs;
- `cuda` where lamina's CuPy backend found a GPU.

Each result there is compared with the CPU's (the CPU's with torch's, elsewhere in the test).
"""

import numpy as np
import pytest
import strict_device

import lamina

CUDA_MISSING = "no CUDA device: lamina's CuPy backend did not register 'cuda' (CuPy missing or no GPU answered)"


def extra_devices() -> list:
    strict_device.register()
    return ["strict"] + (["cuda"] if lamina.cuda.is_available() else [])


def requires_cuda():
    """A test of the GPU itself: skipped, saying why, where there is none."""
    if not lamina.cuda.is_available():
        pytest.skip(CUDA_MISSING)


def on(device, array):
    """A float array as a leaf tensor requiring grad on `device`; other values as they are (ints: tensors)."""
    if isinstance(array, np.ndarray):
        tensor = lamina.tensor(array, device=device)
        return tensor.requires_grad_() if array.dtype.kind == "f" else tensor
    return array


def tolerance(dtype):
    return {"atol": 1e-9, "rtol": 1e-8} if dtype == np.float64 else {"atol": 1e-4, "rtol": 1e-4}


def run_op(fn, arrays, device, grad, seed):
    """fn on `device`: its outputs and, for a seeded upstream gradient, its inputs' gradients (host arrays)."""
    inputs = [on(device, a) for a in arrays]
    result = fn(lamina, *inputs)
    outputs = list(result) if isinstance(result, (tuple, list)) else [result]
    values = [o.numpy() for o in outputs]
    grads = []
    if grad:
        rng = np.random.default_rng(seed + 1)
        loss = None
        for o in outputs:
            if o.requires_grad:
                term = (o * lamina.tensor(rng.standard_normal(o.shape), dtype=o.dtype, device=device)).sum()
                loss = term if loss is None else loss + term
        if loss is not None:
            loss.backward()
        grads = [t.grad.numpy() if isinstance(t, lamina.Tensor) and t.grad is not None else None for t in inputs]
    return values, grads, [o.dtype for o in outputs]


def compare_op_on_devices(fn, arrays, grad=True, seed=0):
    """The op's values, gradients and output dtypes on every extra device equal the CPU's (float64; in
    float32 the values and dtypes)."""
    for dtype in (np.float64, np.float32):  # float32: the forward (values and dtypes) only, for time
        cast = [a.astype(dtype) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a for a in arrays]
        backward = grad and dtype == np.float64
        expected = run_op(fn, cast, "cpu", backward, seed)
        for device in extra_devices():
            got = run_op(fn, cast, device, backward, seed)
            where = f"on {device} ({np.dtype(dtype).name})"
            assert got[2] == expected[2], f"output dtypes {where}: {got[2]} vs the CPU's {expected[2]}"
            for ours, cpu in zip(got[0] + got[1], expected[0] + expected[1]):
                assert (ours is None) == (cpu is None), f"a gradient is missing {where}"
                if cpu is not None:
                    np.testing.assert_allclose(ours, cpu, err_msg=f"differs from the CPU {where}", **tolerance(dtype))
