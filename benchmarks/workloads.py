"""The reference workloads of the performance issue: lamina and torch eager doing the same steps.

Training: mlp (b128, SGD momentum), lenet (b64, SGD momentum), resnet20 (b32, SGD momentum,
BatchNorm in train mode), gpt (b16, AdamW). Inference (eval mode, no grad): mlp and lenet at b256.
Beside them, mlp-tiny (2-16-16-2, b32): the per-op cost in a whole training step.

Both sides build the network from the same code (models.py), start from the same weights
(lamina's state_dict loaded into torch) and use the same batch; `check_same_steps` verifies
that their losses agree over the first steps before anything is timed.
"""

import os

import numpy as np
from models import char_gpt, gru_language_model, lenet5, lstm_language_model, mlp, resnet20, tiny_mlp


def _sgd(lr):
    return lambda lib, params: lib.optim.SGD(params, lr=lr, momentum=0.9)


def _adamw(lib, params):
    return lib.optim.AdamW(params, lr=3e-4)


# LAMINA_BENCH_DEVICE=cuda runs both sides on the GPU (benchmarks/gpu_check.sh); the workers inherit it
DEVICE = os.environ.get("LAMINA_BENCH_DEVICE", "cpu")

# name: (title, network, optimizer, batch, input maker (rng, batch) -> (x, y), training?)
WORKLOADS = {
    "mlp": ("mlp 784-256-256-10, b128, SGD momentum (train steps)", mlp, _sgd(0.1), 128, "vectors", True),
    "lenet": ("lenet5, b64, SGD momentum (train steps)", lenet5, _sgd(0.01), 64, "digits", True),
    "resnet20": ("resnet20, b32, SGD momentum, BN train (train steps)", resnet20, _sgd(0.1), 32, "cifar", True),
    "gpt": ("char-GPT 2L d128 h4 T64, b16, AdamW (train steps)", char_gpt, _adamw, 16, "text", True),
    "mlp-infer": ("mlp inference, b256 (forward passes)", mlp, None, 256, "vectors", False),
    "lenet-infer": ("lenet5 inference, b256 (forward passes)", lenet5, None, 256, "digits", False),
    # not in the table: the per-op cost inside a whole training step of a small network
    "mlp-tiny": ("mlp 2-16-16-2, b32, SGD momentum (train steps)", tiny_mlp, _sgd(0.1), 32, "points", True),
    # nor this: pytorch/examples' word_language_model (its LSTM), where small steps in a time loop set the speed
    "lstm": (
        "word-LM LSTM 2x200, vocab 1000, T35 b20, SGD (train steps)",
        lstm_language_model,
        _sgd(1.0),
        20,
        "sentences",
        True,
    ),
    "gru": (
        "word-LM GRU 2x200, vocab 1000, T35 b20, SGD (train steps)",
        gru_language_model,
        _sgd(1.0),
        20,
        "sentences",
        True,
    ),
}


def make_inputs(kind, batch, rng):
    """(x, y) as NumPy arrays: random data of the workload's shapes (speed does not depend on the values)."""
    if kind == "vectors":
        return rng.standard_normal((batch, 784)).astype(np.float32), rng.integers(0, 10, batch)
    if kind == "digits":
        return rng.standard_normal((batch, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, batch)
    if kind == "points":
        return rng.standard_normal((batch, 2)).astype(np.float32), rng.integers(0, 2, batch)
    if kind == "sentences":  # (T, B) tokens, batch second as word_language_model feeds them; next tokens
        return rng.integers(0, 1000, (35, batch)), rng.integers(0, 1000, 35 * batch)
    if kind == "cifar":
        return rng.standard_normal((batch, 3, 32, 32)).astype(np.float32), rng.integers(0, 10, batch)
    return rng.integers(0, 65, (batch, 64)), rng.integers(0, 65, batch * 64)  # text: tokens, next tokens


def torch_or_none():
    try:
        import torch

        return torch
    except ImportError:
        return None


def _step_fn(lib, model, optimizer, x, y, training):
    cross_entropy = lib.nn.functional.cross_entropy
    if not training:
        model.eval()

        def infer():
            with lib.no_grad():
                return model(x)

        return infer

    def step():
        logits = model(x)
        loss = cross_entropy(logits.reshape(-1, logits.shape[-1]), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    return step


def build(name, library, seed=0, weights=None):
    """One side's step function for workload `name`; `library` is "lamina", "torch" (eager) or "torch.compile"
    (the model wrapped in torch.compile, its default inductor backend; the optimizer step stays eager).

    "jax" is the same network as one jax.jit step (jax_side.py), for the workloads it has (`jax_side.NETWORKS`).

    `weights` ({name: NumPy array}, see `initial_weights`) makes both start from the same point.
    Only the named library is imported, so a process that benchmarks torch alone runs torch as
    its users get it (importing lamina changes glibc's allocator settings for the whole process).
    """
    _, network, optimizer, batch, kind, training = WORKLOADS[name]
    x, y = make_inputs(kind, batch, np.random.default_rng(seed))
    if library == "jax":  # no modules to build: the network is a function of the weights (jax_side.py)
        import jax_side

        weights = weights if weights is not None else initial_weights(name, seed)
        return jax_side.build(name, x, y, weights, training), None
    if library == "lamina":
        import lamina as lib

        convert = lib.tensor
    else:
        lib = torch_or_none()
        convert = lib.from_numpy
    lib.manual_seed(seed)
    model = network(lib)
    if weights is not None:
        model.load_state_dict({key: convert(value.copy()) for key, value in weights.items()})
    device = DEVICE
    model.to(device)
    opt = optimizer(lib, model.parameters()) if training else None
    forward = lib.compile(model) if library == "torch.compile" else model
    step = _step_fn(lib, forward, opt, convert(x).to(device), convert(y).to(device), training)
    if device != "cpu":  # a GPU queues the work: a timing window ends when the queue is empty
        step.synchronize = lib.cuda.synchronize
    return step, model


def _numpy_weights(model):
    return {key: value.numpy() for key, value in model.state_dict().items()}


def initial_weights(name, seed=0):
    """lamina's initial weights for workload `name`, as NumPy arrays: what torch starts from."""
    return _numpy_weights(build(name, "lamina", seed)[1])


def make_workload(name, seed=0):
    """{'lamina': step, 'torch': step (if installed)} for one workload, identical on both sides."""
    ours, model = build(name, "lamina", seed)
    steps = {"lamina": ours}
    if torch_or_none() is not None:
        steps["torch"] = build(name, "torch", seed, weights=_numpy_weights(model))[0]
    return steps


def jax_or_none():
    try:
        import jax

        return jax
    except ImportError:
        return None


def sides_with_peers(name):
    """The libraries a benchmark of `name` can compare: lamina, torch where installed, JAX where installed and
    jax_side has the workload."""
    import jax_side

    sides = ["lamina"] + (["torch"] if torch_or_none() is not None else [])
    return sides + (["jax"] if jax_or_none() is not None and name in jax_side.NETWORKS else [])


def check_jax_matches(name, steps=2, rtol=1e-4):
    """The JAX side computes what lamina does: the first losses (or the outputs) agree."""
    weights = initial_weights(name)
    ours, jax_step = build(name, "lamina", weights=weights)[0], build(name, "jax", weights=weights)[0]
    for _ in range(steps):
        a, b = ours(), jax_step()
        if WORKLOADS[name][5]:
            assert abs(a.item() - float(b)) <= rtol * max(1.0, abs(float(b))), f"{name}: lamina {a.item()} vs jax {b}"
        else:
            np.testing.assert_allclose(a.numpy(), np.asarray(b), rtol=rtol, atol=rtol)


def check_same_steps(name, steps=2, rtol=1e-4):
    """Both sides compute the same thing: losses (or outputs) agree over the first steps.

    Two steps, because float32 rounding differences grow chaotically in training: on resnet20
    (lr 0.1, BatchNorm) the third losses differ by 6e-4, although in float64 both libraries
    agree to 1e-15 over five steps (checked by hand, 2026-11-26).
    """
    workload = make_workload(name)
    if "torch" not in workload:
        return
    training = WORKLOADS[name][5]
    for _ in range(steps):
        ours, theirs = workload["lamina"](), workload["torch"]()
        if training:
            a, b = ours.item(), theirs.item()
            assert abs(a - b) <= rtol * max(1.0, abs(b)), f"{name}: lamina loss {a} vs torch {b}"
        else:
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=rtol, atol=rtol)
