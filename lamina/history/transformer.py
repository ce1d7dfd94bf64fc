"""2017, Vaswani et al.: attention alone learns sequence transduction; the base model's size.

Small encoder-decoder Transformers learn copy, reverse and sort on sequences of 8 digits; accuracy
is measured with greedy decoding (each output token fed back), per token, on unseen sequences.
"""

import numpy as np

import lamina
from lamina import optim
from lamina.datasets import generated
from lamina.history.milestone import Result
from lamina.history.training import count_parameters
from lamina.models import small_transformer, transformer_base
from lamina.nn import functional as F

BOS = 10  # digits are 0..9; token 10 starts every target


def greedy_decode(model, source, length):
    model.eval()
    target = np.full((len(source), 1), BOS)
    with lamina.no_grad():
        for _ in range(length):
            logits = model(lamina.tensor(source), lamina.tensor(target))
            target = np.concatenate([target, logits[:, -1].argmax(-1).numpy()[:, None]], 1)
    model.train()
    return target[:, 1:]


def learn(task, steps, seed):
    source, target = generated.sequence_task(task, n=4000, length=8, seed=seed)
    test_source, test_target = generated.sequence_task(task, n=300, length=8, seed=seed + 100)
    lamina.manual_seed(seed)
    model = small_transformer()
    optimizer = optim.Adam(model.parameters(), lr=2e-3)
    scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=2e-3, total_steps=steps)
    generator = np.random.default_rng(seed)
    for _ in range(steps):
        index = generator.integers(0, len(source), 64)
        decoder_in = np.concatenate([np.full((64, 1), BOS), target[index, :-1]], 1)  # teacher forcing
        logits = model(lamina.tensor(source[index]), lamina.tensor(decoder_in))
        loss = F.cross_entropy(logits.reshape(-1, 11), lamina.tensor(target[index].reshape(-1)))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
    return float((greedy_decode(model, test_source, 8) == test_target).mean())


def run(quick=True, out_dir=None, seed=0):
    base = count_parameters(transformer_base())
    results = [
        Result(
            "transformer",
            2017,
            "the base model (d 512, 8 heads, 6+6 layers, shared 37k vocabulary)",
            f"{base / 1e6:.1f}M parameters",
            "65M (Table 3)",
            abs(base / 65e6 - 1) < 0.05,
        )
    ]
    for task in ("copy", "reverse", "sort"):
        token_accuracy = learn(task, 400 if quick else 1500, seed)
        results.append(
            Result(
                "transformer",
                2017,
                f"learns to {task} 8-digit sequences (greedy decoding)",
                f"{token_accuracy:.1%} token accuracy",
                ">= 99%",
                token_accuracy >= 0.99,
            )
        )
    return results
