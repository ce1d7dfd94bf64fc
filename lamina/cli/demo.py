"""`lamina demo`: train a tiny network with lamina's tensors and autograd, and watch the loss fall.

Two interleaved spirals (a classic problem no straight line separates) are
learned by a 2-32-32-2 MLP with tanh units, trained by plain gradient descent
written out by hand (gradient descent with momentum): every piece is a
tensor op, the gradients come from `loss.backward()`.
"""

import math

import lamina


def spirals(n_per_class: int, seed: int):
    """Two spirals in the plane, a pure function of (n_per_class, seed): points (N, 2), labels (N,)."""
    lamina.manual_seed(seed)
    t = lamina.linspace(0.25, 1.0, n_per_class) * (3 * math.pi)  # angle along the arm
    arms = []
    for phase in (0.0, math.pi):  # class 0, then class 1: the same arm turned half a circle
        x = t * (t + phase).cos() / (3 * math.pi)
        y = t * (t + phase).sin() / (3 * math.pi)
        arms.append(lamina.stack([x, y], dim=1) + lamina.randn(n_per_class, 2) * 0.02)
    points = lamina.cat(arms)
    labels = lamina.cat([lamina.zeros(n_per_class, dtype=lamina.int64), lamina.ones(n_per_class, dtype=lamina.int64)])
    return points, labels


def init_layer(fan_in: int, fan_out: int):
    bound = 1 / math.sqrt(fan_in)  # PyTorch's default Linear initialisation range
    weight = (lamina.rand(fan_in, fan_out) * 2 - 1) * bound
    bias = (lamina.rand(fan_out) * 2 - 1) * bound
    return weight.requires_grad_(), bias.requires_grad_()


def run(
    steps: int = 1000, lr: float = 0.1, momentum: float = 0.9, seed: int = 0, print_every: int = 100, out=print
) -> dict:
    points, labels = spirals(100, seed)
    params = [*init_layer(2, 32), *init_layer(32, 32), *init_layer(32, 2)]
    velocities = [lamina.zeros_like(p) for p in params]
    out(f"lamina {lamina.__version__} demo: a 2-32-32-2 MLP learns two spirals ({len(labels)} points)")
    losses = []
    for step in range(steps + 1):
        w1, b1, w2, b2, w3, b3 = params
        hidden = (points @ w1 + b1).tanh()  # (N, 32)
        hidden = (hidden @ w2 + b2).tanh()  # (N, 32)
        logits = hidden @ w3 + b3  # (N, 2)
        log_probs = logits.log_softmax(dim=1)
        loss = -log_probs.gather(1, labels.reshape(-1, 1)).mean()  # cross-entropy
        losses.append(loss.item())
        for p in params:
            p.grad = None
        loss.backward()
        with lamina.no_grad():  # the update must not be recorded in the graph
            for p, v in zip(params, velocities):
                v.mul_(momentum).add_(p.grad)  # v <- momentum * v + grad
                p.sub_(v * lr)  # p <- p - lr * v
        if step % print_every == 0:
            accuracy = (logits.argmax(dim=1) == labels).float().mean().item()
            out(f"step {step:4d}  loss {loss.item():.4f}  accuracy {accuracy:.1%}")
    return {"first_loss": losses[0], "last_loss": losses[-1], "accuracy": accuracy}
