"""The Transformer (Vaswani et al. 2017): encoder-decoder attention with sinusoidal positions.

Token embeddings (scaled by sqrt(d_model)) plus fixed sinusoidal position encodings, nn.Transformer
in the middle, and a linear output tied to the target embedding. `transformer_base()` is the paper's
base configuration (d_model 512, 8 heads, 6+6 layers, d_ff 2048) with a shared 37,000-token vocabulary.
Deviation: the paper also shares the source embedding with the target's; here `share_embeddings=True`
does that (as in the base config's count).
"""

import math

import numpy as np

from lamina import creation, nn


def sinusoidal_positions(length: int, d_model: int) -> np.ndarray:
    """PE[p, 2i] = sin(p / 10000^(2i/d)), PE[p, 2i+1] = cos(...): (length, d_model)."""
    positions = np.arange(length)[:, None]
    rates = np.exp(-math.log(10000.0) * np.arange(0, d_model, 2) / d_model)
    table = np.zeros((length, d_model), dtype=np.float32)
    table[:, 0::2] = np.sin(positions * rates)
    table[:, 1::2] = np.cos(positions * rates)[:, : d_model // 2]
    return table


class Seq2SeqTransformer(nn.Module):
    def __init__(
        self,
        source_vocab,
        target_vocab,
        d_model=512,
        nhead=8,
        num_encoder_layers=6,
        num_decoder_layers=6,
        dim_feedforward=2048,
        dropout=0.1,
        max_length=512,
        share_embeddings=False,
    ):
        super().__init__()
        self.d_model = d_model
        self.target_embedding = nn.Embedding(target_vocab, d_model)
        if share_embeddings:
            if source_vocab != target_vocab:
                raise ValueError("Seq2SeqTransformer: shared embeddings need one vocabulary size.")
            self.source_embedding = self.target_embedding
        else:
            self.source_embedding = nn.Embedding(source_vocab, d_model)
        self.register_buffer("positions", creation.tensor(sinusoidal_positions(max_length, d_model)), persistent=False)
        self.transformer = nn.Transformer(
            d_model, nhead, num_encoder_layers, num_decoder_layers, dim_feedforward, dropout, batch_first=True
        )
        self.output = nn.Linear(d_model, target_vocab, bias=False)
        self.output.weight = self.target_embedding.weight  # tied, as in the paper (section 3.4)
        for embedding in (self.source_embedding, self.target_embedding):
            # std d^-1/2, so that after the sqrt(d) scaling tokens and positions have the same magnitude
            nn.init.normal_(embedding.weight, 0.0, d_model**-0.5)

    def _embed(self, embedding, tokens):  # (B, T) -> (B, T, D)
        return embedding(tokens) * math.sqrt(self.d_model) + self.positions[: tokens.shape[1]]

    def forward(self, source, target):  # source (B, S), target (B, T) -> logits (B, T, V)
        mask = nn.Transformer.generate_square_subsequent_mask(target.shape[1], device=target.device)
        hidden = self.transformer(
            self._embed(self.source_embedding, source), self._embed(self.target_embedding, target), tgt_mask=mask
        )
        return self.output(hidden)


def transformer(source_vocab, target_vocab, **config) -> Seq2SeqTransformer:
    return Seq2SeqTransformer(source_vocab, target_vocab, **config)


def small_transformer(vocab: int = 11, max_length: int = 16) -> Seq2SeqTransformer:
    """The 2+2-layer, width-64 model that learns the sequence tasks of the history and `lamina train`."""
    return Seq2SeqTransformer(
        vocab,
        vocab,
        d_model=64,
        nhead=4,
        num_encoder_layers=2,
        num_decoder_layers=2,
        dim_feedforward=128,
        dropout=0.0,
        max_length=max_length,
    )


def transformer_base(vocab: int = 37000) -> Seq2SeqTransformer:
    """The paper's base model (Table 3): d_model 512, 8 heads, N = 6, d_ff 2048, one shared vocabulary."""
    return Seq2SeqTransformer(vocab, vocab, share_embeddings=True)
