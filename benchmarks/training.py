"""LeNet-5 (batch 64, SGD momentum) and char-GPT (batch 16, AdamW) training steps: lamina vs torch eager.

Both sides build the network from the same code (models.py), start from the same weights
(lamina's state_dict loaded into torch) and train on the same batch; their first losses are
checked to agree before anything is timed.
"""

import numpy as np
from harness import compare, report
from models import char_gpt, lenet5

import lamina


def _torch():
    try:
        import torch

        return torch
    except ImportError:
        return None


def _sync(ours, theirs, torch):
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})


def _step_fn(lib, model, optimizer, inputs, targets, flatten_logits):
    loss_fn = lib.nn.functional.cross_entropy

    def step():
        logits = model(inputs)
        if flatten_logits:
            logits = logits.reshape(-1, logits.shape[-1])
        loss = loss_fn(logits, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    return step


def make_workload(name, seed=0):
    """{'lamina': step, 'torch': step (if installed)} for one workload, identical on both sides."""
    rng = np.random.default_rng(seed)
    torch = _torch()
    lamina.manual_seed(seed)
    if name == "lenet":
        build, opt = lenet5, lambda lib, params: lib.optim.SGD(params, lr=0.01, momentum=0.9)
        x = rng.standard_normal((64, 1, 28, 28)).astype(np.float32)
        y = rng.integers(0, 10, 64)
        flatten = False
    else:
        build, opt = char_gpt, lambda lib, params: lib.optim.AdamW(params, lr=3e-4)
        x = rng.integers(0, 65, (16, 64))
        y = rng.integers(0, 65, 16 * 64)
        flatten = True
    ours = build(lamina)
    steps = {
        "lamina": _step_fn(lamina, ours, opt(lamina, ours.parameters()), lamina.tensor(x), lamina.tensor(y), flatten)
    }
    if torch is not None:
        torch.manual_seed(seed)
        theirs = build(torch)
        _sync(ours, theirs, torch)
        steps["torch"] = _step_fn(
            torch, theirs, opt(torch, theirs.parameters()), torch.from_numpy(x), torch.from_numpy(y), flatten
        )
    return steps


def check_same_training(name, steps=3, rtol=1e-4):
    workload = make_workload(name)
    if "torch" not in workload:
        return
    for _ in range(steps):
        ours, theirs = workload["lamina"]().item(), workload["torch"]().item()
        assert abs(ours - theirs) <= rtol * abs(theirs), f"{name}: lamina loss {ours} vs torch {theirs}"


def main(windows=5):
    lines = []
    for name, title in (
        ("lenet", "lenet5, batch 64, SGD momentum (training steps)"),
        ("gpt", "char-GPT 2L d128 h4 T64, batch 16, AdamW (training steps)"),
    ):
        check_same_training(name)
        rates = compare(make_workload(name), windows=windows, seconds_per_window=1.0, warmup=2)
        lines += report(title, rates)
    return lines


if __name__ == "__main__":
    main()
