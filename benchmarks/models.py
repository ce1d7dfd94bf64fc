"""The benchmark networks, written once against the shared API (`lib` is lamina or torch).

These follow the performance issue's definitions exactly, which are not always the
papers' (ResNet-20 here uses 1x1 conv + BatchNorm shortcuts, as torchvision-style code
does, where lamina.models.resnet20 uses the paper's option A).
"""


def mlp(lib):
    """784-256-256-10 with ReLU."""
    nn = lib.nn
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))


def tiny_mlp(lib):
    """2-16-16-2 with ReLU: a network of the size people learn with (micrograd's moons), where the per-op
    cost of the framework, not the arithmetic, sets the speed."""
    nn = lib.nn
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2))


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


def resnet20(lib, num_classes=10):
    """CIFAR ResNet-20: 16/32/64 channels, three stages of three basic blocks, 1x1 conv + BN downsampling."""
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.shortcut = None
            if stride != 1 or cin != cout:
                self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):  # (B, cin, H, W) -> (B, cout, H/stride, W/stride)
            out = self.bn1(self.conv1(x)).relu()
            out = self.bn2(self.conv2(out))
            return (out + (x if self.shortcut is None else self.shortcut(x))).relu()

    class ResNet20(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
            blocks, cin = [], 16
            for cout, stride in ((16, 1), (32, 2), (64, 2)):
                for i in range(3):
                    blocks.append(Block(cin, cout, stride if i == 0 else 1))
                    cin = cout
            self.blocks = nn.Sequential(*blocks)
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(64, num_classes)

        def forward(self, x):  # (B, 3, 32, 32) -> (B, classes)
            return self.fc(self.pool(self.blocks(self.stem(x))).flatten(1))

    return ResNet20()


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


def lstm_language_model(lib, vocab=1000, width=200, layers=2, cell="LSTM"):
    """pytorch/examples' word_language_model at its small size: embedding, a 2-layer LSTM (or GRU), a decoder."""
    nn = lib.nn

    class WordLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder, self.decoder = nn.Embedding(vocab, width), nn.Linear(width, vocab)
            self.rnn = getattr(nn, cell)(width, width, layers)

        def forward(self, idx):  # idx: (T, B) -> logits (T, B, V)
            output, _ = self.rnn(self.encoder(idx))
            return self.decoder(output)

    return WordLM()


def gru_language_model(lib):
    """The same word-language model with a GRU (word_language_model's --model GRU)."""
    return lstm_language_model(lib, cell="GRU")
