"""The JAX side of the benchmarks: the same networks, weights, batch and optimizer, as one `jax.jit` step.

JAX has no module system of its own (flax is a separate library), so the networks of models.py are written
here again as functions of a {state_dict name: array} dict, with PyTorch's layouts (Linear (out, in), Conv2d
OIHW, NCHW activations), which is what lets both sides start from the same weights. The optimizer updates
are PyTorch's (SGD momentum without dampening, AdamW with decoupled decay), inside the jitted step, as a
JAX user writes them (optax computes the same). resnet20 is not here: the issue asks JAX only of the other
workloads, and BatchNorm's running statistics would need a second state tree.

`check_same_steps` (workloads.py) compares this side's first losses with lamina's before anything is timed.
"""

import numpy as np

HEADS = 4  # char_gpt's default in models.py


def _jax():
    import jax
    import jax.numpy as jnp

    return jax, jnp


def _linear(p, prefix, x):
    return x @ p[prefix + ".weight"].T + p[prefix + ".bias"]


def _conv(jax, p, prefix, x, padding):
    y = jax.lax.conv_general_dilated(
        x, p[prefix + ".weight"], (1, 1), [(padding, padding)] * 2, dimension_numbers=("NCHW", "OIHW", "NCHW")
    )
    return y + p[prefix + ".bias"][None, :, None, None]


def _max_pool2(jax, x):
    return jax.lax.reduce_window(x, -np.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")


def _mlp(jax, jnp, p, x):  # models.mlp and models.tiny_mlp: Linear, ReLU, Linear, ReLU, Linear
    relu = jax.nn.relu
    return _linear(p, "4", relu(_linear(p, "2", relu(_linear(p, "0", x)))))


def _lenet(jax, jnp, p, x):  # models.lenet5
    relu = jax.nn.relu
    x = _max_pool2(jax, relu(_conv(jax, p, "0", x, 2)))
    x = _max_pool2(jax, relu(_conv(jax, p, "3", x, 0)))
    x = x.reshape(x.shape[0], -1)
    return _linear(p, "11", relu(_linear(p, "9", relu(_linear(p, "7", x)))))


def _layer_norm(jnp, p, prefix, x, eps=1e-5):
    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / jnp.sqrt(variance + eps) * p[prefix + ".weight"] + p[prefix + ".bias"]


def _gpt(jax, jnp, p, idx):  # models.char_gpt: pre-LN blocks, causal attention, GELU (tanh)
    b, t = idx.shape
    x = p["tokens.weight"][idx] + p["positions.weight"][:t]
    d = x.shape[-1]
    causal = jnp.tril(jnp.ones((t, t), dtype=bool))
    layer = 0
    while f"blocks.{layer}.qkv.weight" in p:
        block = f"blocks.{layer}"
        q, k, v = jnp.split(_linear(p, block + ".qkv", _layer_norm(jnp, p, block + ".ln1", x)), 3, axis=-1)
        q, k, v = (z.reshape(b, t, HEADS, d // HEADS).transpose(0, 2, 1, 3) for z in (q, k, v))
        scores = jnp.where(causal, q @ k.transpose(0, 1, 3, 2) / np.sqrt(d // HEADS), -jnp.inf)
        attended = jax.nn.softmax(scores, axis=-1) @ v  # (B, H, T, D/H)
        x = x + _linear(p, block + ".proj", attended.transpose(0, 2, 1, 3).reshape(b, t, d))
        hidden = jax.nn.gelu(_linear(p, block + ".fc", _layer_norm(jnp, p, block + ".ln2", x)), approximate=True)
        x = x + _linear(p, block + ".out", hidden)
        layer += 1
    return _linear(p, "head", _layer_norm(jnp, p, "ln", x))


NETWORKS = {"mlp": _mlp, "mlp-tiny": _mlp, "mlp-infer": _mlp, "lenet": _lenet, "lenet-infer": _lenet, "gpt": _gpt}


def _cross_entropy(jax, jnp, logits, labels):
    logits = logits.reshape(-1, logits.shape[-1])
    picked = jnp.take_along_axis(logits, labels[:, None], axis=1)[:, 0]
    return (jax.nn.logsumexp(logits, axis=1) - picked).mean()


def _sgd_momentum(lr, momentum=0.9):
    """torch.optim.SGD(lr, momentum): buffer = momentum * buffer + grad; p -= lr * buffer."""

    def update(params, grads, buffers, step):
        buffers = {k: momentum * buffers[k] + grads[k] for k in params}
        return {k: params[k] - lr * buffers[k] for k in params}, buffers

    return update, lambda params: {k: 0 * v for k, v in params.items()}


def _adamw(lr=3e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    """torch.optim.AdamW's defaults: decoupled decay, then the bias-corrected Adam step."""
    beta1, beta2 = betas

    def update(params, grads, state, step):
        _, jnp = _jax()
        m = {k: beta1 * state[0][k] + (1 - beta1) * grads[k] for k in params}
        v = {k: beta2 * state[1][k] + (1 - beta2) * grads[k] ** 2 for k in params}
        step_size = lr / (1 - beta1**step)
        bias2_root = jnp.sqrt(1 - beta2**step)
        new = {
            k: params[k] * (1 - lr * weight_decay) - step_size * m[k] / (jnp.sqrt(v[k]) / bias2_root + eps)
            for k in params
        }
        return new, (m, v)

    return update, lambda params: ({k: 0 * a for k, a in params.items()}, {k: 0 * a for k, a in params.items()})


OPTIMIZERS = {"mlp": _sgd_momentum(0.1), "mlp-tiny": _sgd_momentum(0.1), "lenet": _sgd_momentum(0.01), "gpt": _adamw()}


def build(name, x, y, weights, training):
    """A step function of workload `name` on JAX (CPU): a training step returns its loss, an inference step the
    logits, each waited for (JAX dispatches asynchronously: a window must end when the work has)."""
    if name not in NETWORKS:
        raise ValueError(f"the JAX side has no {name!r} workload (it has {sorted(NETWORKS)})")
    jax, jnp = _jax()
    network = NETWORKS[name]
    params = {key: jnp.asarray(value) for key, value in weights.items()}
    x, y = jnp.asarray(x), jnp.asarray(y)
    if not training:
        forward = jax.jit(lambda p, inputs: network(jax, jnp, p, inputs))
        return lambda: forward(params, x).block_until_ready()

    update, initial_state = OPTIMIZERS[name]

    def loss_of(p, inputs, labels):
        return _cross_entropy(jax, jnp, network(jax, jnp, p, inputs), labels)

    @jax.jit
    def train_step(p, state, step, inputs, labels):
        loss, grads = jax.value_and_grad(loss_of)(p, inputs, labels)
        p, state = update(p, grads, state, step)
        return p, state, loss

    carried = {"params": params, "state": initial_state(params), "step": 0}

    def step():
        carried["step"] += 1
        step_number = jnp.asarray(carried["step"], dtype=jnp.float32)  # an argument: no recompiling per step
        carried["params"], carried["state"], loss = train_step(carried["params"], carried["state"], step_number, x, y)
        return loss.block_until_ready()

    return step
