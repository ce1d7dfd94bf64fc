"""MLP 784-256-256-10 training step, batch 128, SGD momentum 0.9 lr 0.1: lamina vs torch eager.

lamina uses raw tensors and a hand-written SGD update (nn/optim arrive with
their own issue); torch uses its idiomatic nn.Linear + F.cross_entropy +
optim.SGD. Same initial weights, same data, in one process.
"""

import numpy as np
from harness import compare, report

import lamina

BATCH, SIZES, LR, MOMENTUM = 128, (784, 256, 256, 10), 0.1, 0.9


def make_data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)
    weights = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 1 / np.sqrt(fan_in)
        weights.append(
            (
                rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                rng.uniform(-bound, bound, fan_out).astype(np.float32),
            )
        )
    return x, y, weights


def lamina_step_fn(x_np, y_np, weights):
    x, y = lamina.tensor(x_np), lamina.tensor(y_np).reshape(-1, 1)
    params = []
    for w, b in weights:
        params += [lamina.tensor(w.T.copy(), requires_grad=True), lamina.tensor(b, requires_grad=True)]
    velocities = [lamina.zeros_like(p) for p in params]

    def step():
        w1, b1, w2, b2, w3, b3 = params
        h = (x @ w1 + b1).relu()
        h = (h @ w2 + b2).relu()
        logits = h @ w3 + b3
        loss = -logits.log_softmax(1).gather(1, y).mean()
        for p in params:
            p.grad = None
        loss.backward()
        with lamina.no_grad():
            for p, v in zip(params, velocities):
                v.mul_(MOMENTUM).add_(p.grad)
                p.sub_(v * LR)
        return loss

    return step, params


def torch_step_fn(x_np, y_np, weights):
    import torch

    model = torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10)
    )
    with torch.no_grad():
        for layer, (w, b) in zip([model[0], model[2], model[4]], weights):
            layer.weight.copy_(torch.from_numpy(w))
            layer.bias.copy_(torch.from_numpy(b))
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)

    def step():
        loss = torch.nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    return step, model


def check_same_training(steps=5):
    """Both sides must compute the same thing: losses over a few steps agree."""
    x, y, weights = make_data()
    ours, _ = lamina_step_fn(x, y, weights)
    theirs, _ = torch_step_fn(x, y, weights)
    for _ in range(steps):
        a, b = ours().item(), theirs().item()
        assert abs(a - b) < 1e-4 * max(1, abs(b)), f"lamina loss {a} vs torch {b}"


def main(windows=7):
    x, y, weights = make_data()
    contenders = {"lamina": lamina_step_fn(x, y, weights)[0]}
    try:
        import torch

        torch.manual_seed(0)
        check_same_training()
        contenders["torch"] = torch_step_fn(x, y, weights)[0]
    except ImportError:
        print("torch not installed: lamina numbers only")
    rates = compare(contenders, windows=windows)
    return report("mlp 784-256-256-10, batch 128, SGD momentum (training steps)", rates)


if __name__ == "__main__":
    main()
