"""GPT (Radford et al. 2018; GPT-2 2019; GPT-3, Brown et al. 2020): a decoder-only Transformer.

Token and learned position embeddings, pre-LN blocks of causal self-attention and a GELU MLP, a final
LayerNorm, and a language-model head tied to the token embedding (as GPT-2). `parameter_count(config)`
gives the count of a configuration without building it: GPT-3's 96 layers of width 12,288 hold
about 175 billion parameters.
"""

from dataclasses import dataclass

from lamina import creation, nn
from lamina.nn import functional as F


@dataclass
class GPTConfig:
    vocab_size: int = 65
    context: int = 64
    n_layer: int = 2
    n_head: int = 4
    d_model: int = 128
    dropout: float = 0.0


GPT3_175B = GPTConfig(vocab_size=50257, context=2048, n_layer=96, n_head=96, d_model=12288)


class Block(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        d = config.d_model
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.fc, self.out = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
        self.heads, self.dropout = config.n_head, nn.Dropout(config.dropout)

    def forward(self, x):  # x: (B, T, D)
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)  # each (B, T, D)
        q, k, v = (z.reshape(b, t, self.heads, d // self.heads).transpose(1, 2) for z in (q, k, v))  # (B, H, T, D/H)
        attended = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (B, H, T, D/H)
        x = x + self.dropout(self.proj(attended.transpose(1, 2).reshape(b, t, d)))
        return x + self.dropout(self.out(F.gelu(self.fc(self.ln2(x)), approximate="tanh")))


class GPT(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = config
        self.tokens = nn.Embedding(config.vocab_size, config.d_model)
        self.positions = nn.Embedding(config.context, config.d_model)
        self.blocks = nn.ModuleList([Block(config) for _ in range(config.n_layer)])
        self.ln = nn.LayerNorm(config.d_model)
        self.head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        self.head.weight = self.tokens.weight  # weight tying (Press & Wolf 2017), as GPT-2
        for name, param in self.named_parameters():
            if name.endswith("weight") and param.ndim == 2:
                nn.init.normal_(param, 0.0, 0.02)

    def forward(self, idx):  # idx: (B, T) -> logits (B, T, V)
        if idx.shape[1] > self.config.context:
            raise ValueError(f"GPT: sequence of {idx.shape[1]} tokens exceeds the context of {self.config.context}.")
        x = self.tokens(idx) + self.positions(creation.arange(idx.shape[1], device=idx.device))  # (B, T, D)
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln(x))

    def generate(self, idx, steps: int, temperature: float = 1.0, generator=None):
        """Sample `steps` more tokens after idx (B, T), one at a time, from the softmax at `temperature`."""
        import numpy as np

        from lamina.autograd.grad_mode import no_grad

        generator = generator or np.random.default_rng(0)
        tokens = idx.numpy().tolist()
        with no_grad():
            for _ in range(steps):
                window = creation.tensor([row[-self.config.context :] for row in tokens])
                probabilities = (self(window)[:, -1] / temperature).softmax(-1).numpy().astype(np.float64)
                for row, p in zip(tokens, probabilities):
                    row.append(int(generator.choice(len(p), p=p / p.sum())))
        return creation.tensor(tokens)


def parameter_count(config: GPTConfig) -> int:
    """Exactly what GPT(config) holds (tied head counted once), computed without building it."""
    d, v = config.d_model, config.vocab_size
    per_block = 2 * 2 * d + (3 * d * d + 3 * d) + (d * d + d) + (4 * d * d + 4 * d) + (4 * d * d + d)
    return v * d + config.context * d + config.n_layer * per_block + 2 * d


def gpt(config: GPTConfig = None, **overrides) -> GPT:
    config = config or GPTConfig()
    return GPT(GPTConfig(**{**config.__dict__, **overrides}))
