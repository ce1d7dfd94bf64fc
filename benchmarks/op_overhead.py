"""Per-op framework overhead on small tensors, forward + backward: lamina vs torch.

Small tensors make the array math negligible, so what is timed is the
framework tax: dispatch, graph recording and the backward walk.
"""

import numpy as np
from harness import compare, report

import lamina

CASES = {
    "add 4x4": lambda lib, a, b: a + b,
    "mul 4x4": lambda lib, a, b: a * b,
    "matmul 4x4": lambda lib, a, b: a @ b,
}
# More of the ops a small model is made of, forward only (no grad): views, reductions, activations
SINGLE_OP_CASES = {
    "transpose (.T)": lambda lib, a, b: a.T,
    "transpose(0, 1)": lambda lib, a, b: a.transpose(0, 1),
    "reshape": lambda lib, a, b: a.reshape(2, 8),
    "view(16)": lambda lib, a, b: a.view(16),
    "unsqueeze(0)": lambda lib, a, b: a.unsqueeze(0),
    "index a[1]": lambda lib, a, b: a[1],
    "sum": lambda lib, a, b: a.sum(),
    "sum(dim 0)": lambda lib, a, b: a.sum(0),
    "mean": lambda lib, a, b: a.mean(),
    "max": lambda lib, a, b: a.max(),
    "relu": lambda lib, a, b: a.relu(),
    "tanh": lambda lib, a, b: a.tanh(),
    "sigmoid": lambda lib, a, b: a.sigmoid(),
    "exp": lambda lib, a, b: a.exp(),
    "div (a / b)": lambda lib, a, b: a / b,
    "softmax(-1)": lambda lib, a, b: a.softmax(-1),
    "scalar * (a * 2.0)": lambda lib, a, b: a * 2.0,
}


def make_step(lib, op, grad: bool):
    rng = np.random.default_rng(0)
    a_np, b_np = rng.standard_normal((2, 4, 4)).astype(np.float32)
    convert = lamina.tensor if lib is lamina else lib.from_numpy
    a, b = convert(a_np).requires_grad_(grad), convert(b_np).requires_grad_(grad)

    if not grad:
        return lambda: op(lib, a, b)

    def step():
        a.grad = None
        b.grad = None
        op(lib, a, b).sum().backward()

    return step


def main(windows=5):
    libraries = {"lamina": lamina}
    try:
        import torch

        libraries["torch"] = torch
    except ImportError:
        print("torch not installed: lamina numbers only")
    lines = []
    for name, op in CASES.items():
        for grad in (False, True):
            contenders = {lib_name: make_step(lib, op, grad) for lib_name, lib in libraries.items()}
            rates = compare(contenders, windows=windows, seconds_per_window=0.2)
            title = f"{name} {'forward+sum+backward' if grad else 'forward only (no grad)'}"
            lines += report(title, rates, unit="calls")
    for name, op in SINGLE_OP_CASES.items():
        contenders = {lib_name: make_step(lib, op, grad=False) for lib_name, lib in libraries.items()}
        rates = compare(contenders, windows=windows, seconds_per_window=0.2)
        lines += report(f"{name} 4x4, forward only (no grad)", rates, unit="calls")
    return lines


if __name__ == "__main__":
    main()
