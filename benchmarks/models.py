"""The benchmark networks, written once against the shared API (`lib` is lamina or torch)."""


def lenet5(lib):
    """LeNet-5 on 1x28x28: conv6 5x5 pad 2, ReLU, maxpool 2, conv16 5x5, ReLU, maxpool 2, 120, 84, 10."""
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),  # (B, 6, 14, 14)
        nn.Conv2d(6, 16, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),  # (B, 16, 5, 5)
        nn.Flatten(),
        nn.Linear(400, 120),
        nn.ReLU(),
        nn.Linear(120, 84),
        nn.ReLU(),
        nn.Linear(84, 10),
    )


def char_gpt(lib, vocab=65, context=64, d_model=128, heads=4, layers=2):
    """A character-level GPT: token + position embeddings, pre-LN blocks, GELU (tanh), tied nothing."""
    nn, F = lib.nn, lib.nn.functional

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
            self.qkv = nn.Linear(d_model, 3 * d_model)
            self.proj = nn.Linear(d_model, d_model)
            self.fc, self.out = nn.Linear(d_model, 4 * d_model), nn.Linear(4 * d_model, d_model)

        def forward(self, x):  # x: (B, T, D)
            b, t, d = x.shape
            q, k, v = self.qkv(self.ln1(x)).split(d_model, dim=2)  # each (B, T, D)
            q, k, v = (z.reshape(b, t, heads, d // heads).transpose(1, 2) for z in (q, k, v))  # (B, H, T, D/H)
            attended = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (B, H, T, D/H)
            x = x + self.proj(attended.transpose(1, 2).reshape(b, t, d))
            return x + self.out(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tokens, self.positions = nn.Embedding(vocab, d_model), nn.Embedding(context, d_model)
            self.blocks = nn.ModuleList([Block() for _ in range(layers)])
            self.ln, self.head = nn.LayerNorm(d_model), nn.Linear(d_model, vocab)

        def forward(self, idx):  # idx: (B, T) -> logits (B, T, V)
            x = self.tokens(idx) + self.positions(lib.arange(idx.shape[1]))
            for block in self.blocks:
                x = block(x)
            return self.head(self.ln(x))

    return GPT()
