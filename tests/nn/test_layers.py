"""Every layer against its torch twin: same weights (through state_dict), same outputs and gradients."""

import numpy as np
import pytest
from layer_helpers import compare_layer, torch

import lamina
from lamina import nn

rng = np.random.default_rng(0)


def x(*shape):
    return rng.standard_normal(shape)


def tnn():
    return torch.nn


LAYERS = {
    "Linear": (lambda m: m.Linear(4, 3), [x(2, 5, 4)]),
    "Linear-nobias": (lambda m: m.Linear(4, 3, bias=False), [x(2, 4)]),
    "Bilinear": (lambda m: m.Bilinear(3, 2, 4), [x(5, 3), x(5, 2)]),
    "Conv2d": (lambda m: m.Conv2d(3, 4, 3, padding=1), [x(2, 3, 5, 5)]),
    "Conv2d-groups-stride": (lambda m: m.Conv2d(4, 6, (3, 2), stride=2, groups=2, dilation=(1, 2)), [x(1, 4, 7, 8)]),
    "Conv2d-same": (lambda m: m.Conv2d(2, 2, 4, padding="same", bias=False), [x(1, 2, 5, 5)]),
    "Conv2d-reflect": (lambda m: m.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"), [x(1, 2, 4, 4)]),
    "Conv1d": (lambda m: m.Conv1d(3, 5, 3, stride=2, padding=1), [x(2, 3, 9)]),
    "ConvTranspose2d": (lambda m: m.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1), [x(1, 3, 4, 4)]),
    "MaxPool2d": (lambda m: m.MaxPool2d(2), [x(2, 3, 6, 6)]),
    "MaxPool1d": (lambda m: m.MaxPool1d(3, stride=2), [x(2, 3, 9)]),
    "AvgPool2d": (lambda m: m.AvgPool2d(3, stride=2, padding=1), [x(2, 3, 7, 7)]),
    "AdaptiveAvgPool2d": (lambda m: m.AdaptiveAvgPool2d((3, 2)), [x(2, 3, 7, 5)]),
    "AdaptiveMaxPool2d": (lambda m: m.AdaptiveMaxPool2d(2), [x(2, 3, 5, 5)]),
    "BatchNorm1d": (lambda m: m.BatchNorm1d(4), [x(6, 4)]),
    "BatchNorm1d-3d": (lambda m: m.BatchNorm1d(3, momentum=None), [x(4, 3, 5)]),
    "BatchNorm2d": (lambda m: m.BatchNorm2d(3, momentum=0.3), [x(4, 3, 3, 3)]),
    "BatchNorm2d-noaffine": (lambda m: m.BatchNorm2d(3, affine=False, track_running_stats=False), [x(4, 3, 2, 2)]),
    "LayerNorm": (lambda m: m.LayerNorm((3, 4)), [x(2, 3, 4)]),
    "GroupNorm": (lambda m: m.GroupNorm(2, 4), [x(3, 4, 2, 2)]),
    "LocalResponseNorm": (lambda m: m.LocalResponseNorm(3, alpha=0.01, k=2.0), [x(2, 6, 3, 3)]),
    "Embedding": (lambda m: m.Embedding(10, 3, padding_idx=1), [np.array([[1, 2, 9], [0, 1, 1]])]),
    "ReLU": (lambda m: m.ReLU(), [x(3, 4)]),
    "LeakyReLU": (lambda m: m.LeakyReLU(0.2), [x(3, 4)]),
    "ELU": (lambda m: m.ELU(), [x(3, 4)]),
    "GELU": (lambda m: m.GELU(), [x(3, 4)]),
    "GELU-tanh": (lambda m: m.GELU(approximate="tanh"), [x(3, 4)]),
    "SiLU": (lambda m: m.SiLU(), [x(3, 4)]),
    "Tanh": (lambda m: m.Tanh(), [x(3, 4)]),
    "Sigmoid": (lambda m: m.Sigmoid(), [x(3, 4)]),
    "Softmax": (lambda m: m.Softmax(dim=1), [x(3, 4)]),
    "LogSoftmax": (lambda m: m.LogSoftmax(dim=0), [x(3, 4)]),
    "Softplus": (lambda m: m.Softplus(beta=2), [x(3, 4)]),
    "Hardtanh": (lambda m: m.Hardtanh(-0.5, 0.5), [x(3, 4)]),
    "Flatten": (lambda m: m.Flatten(), [x(2, 3, 4)]),
    "Unflatten": (lambda m: m.Unflatten(1, (2, 3)), [x(4, 6)]),
    "Identity": (lambda m: m.Identity(), [x(2, 2)]),
    "Sequential": (lambda m: m.Sequential(m.Linear(4, 8), m.Tanh(), m.Linear(8, 2)), [x(3, 4)]),
    "RNN": (lambda m: m.RNN(3, 4, num_layers=2, nonlinearity="relu"), [x(5, 2, 3)]),
    "RNN-bidirectional-batch-first": (lambda m: m.RNN(3, 4, bidirectional=True, batch_first=True), [x(2, 5, 3)]),
    "LSTM": (lambda m: m.LSTM(3, 4, num_layers=2, bidirectional=True), [x(4, 2, 3)]),
    "LSTM-unbatched-nobias": (lambda m: m.LSTM(3, 2, bias=False), [x(4, 3)]),
    "GRU": (lambda m: m.GRU(3, 4, num_layers=2, batch_first=True), [x(2, 5, 3)]),
    "RNNCell": (lambda m: m.RNNCell(3, 4), [x(2, 3), x(2, 4)]),
    "GRUCell": (lambda m: m.GRUCell(3, 4), [x(2, 3), x(2, 4)]),
    "MultiheadAttention": (lambda m: m.MultiheadAttention(8, 2), [x(4, 2, 8), x(5, 2, 8), x(5, 2, 8)]),
    "MultiheadAttention-kdim-batch-first": (
        lambda m: m.MultiheadAttention(6, 3, kdim=4, vdim=5, batch_first=True),
        [x(2, 3, 6), x(2, 4, 4), x(2, 4, 5)],
    ),
    "TransformerEncoderLayer": (lambda m: m.TransformerEncoderLayer(8, 2, 16, dropout=0.0), [x(5, 2, 8)]),
    "TransformerEncoderLayer-prenorm-gelu": (
        lambda m: m.TransformerEncoderLayer(
            8, 2, 16, dropout=0.0, activation="gelu", norm_first=True, batch_first=True
        ),
        [x(2, 5, 8)],
    ),
    "TransformerDecoderLayer": (lambda m: m.TransformerDecoderLayer(8, 2, 16, dropout=0.0), [x(4, 2, 8), x(5, 2, 8)]),
    "Transformer": (lambda m: m.Transformer(8, 2, 2, 1, 16, dropout=0.0), [x(5, 2, 8), x(4, 2, 8)]),
}


@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_matches_torch(name):
    make, inputs = LAYERS[name]
    compare_layer(lambda: make(nn), lambda: make(tnn()), inputs)


def test_lstm_cell_and_initial_states():
    def call(layer, x, h, c):
        return layer(x, (h, c))

    compare_layer(lambda: nn.LSTMCell(3, 4), lambda: tnn().LSTMCell(3, 4), [x(2, 3), x(2, 4), x(2, 4)], call=call)
    compare_layer(
        lambda: nn.LSTM(3, 4),
        lambda: tnn().LSTM(3, 4),
        [x(5, 2, 3), x(1, 2, 4), x(1, 2, 4)],
        call=lambda layer, s, h, c: layer(s, (h, c)),
    )


def test_attention_masks():
    causal = np.triu(np.ones((4, 4), dtype=bool), 1)  # True = may not attend
    padding = np.array([[False, False, True, False], [False, False, False, True]])

    def call(layer, q, mask, pad):
        return layer(q, q, q, attn_mask=mask, key_padding_mask=pad)

    compare_layer(
        lambda: nn.MultiheadAttention(6, 2),
        lambda: tnn().MultiheadAttention(6, 2),
        [x(4, 2, 6), causal, padding],
        call=call,
    )
    float_mask = x(4, 4)
    compare_layer(
        lambda: nn.MultiheadAttention(6, 3, batch_first=True),
        lambda: tnn().MultiheadAttention(6, 3, batch_first=True),
        [x(2, 4, 6), float_mask],
        call=lambda layer, q, m: layer(q, q, q, attn_mask=m, average_attn_weights=False),
    )


def test_attention_returns_the_weights_it_used_after_dropout():
    """As torch: in training the returned weights are the dropped-out ones the output was computed with."""
    lamina.manual_seed(0)
    layer = nn.MultiheadAttention(4, 1, dropout=0.5, batch_first=True)
    q = lamina.tensor(x(2, 5, 4), dtype=lamina.float32)
    out, weights = layer(q, q, q, average_attn_weights=False)  # weights (N, H, L, S)
    values = nn.functional.linear(q, layer.in_proj_weight[8:], layer.in_proj_bias[8:])
    np.testing.assert_allclose(out.numpy(), layer.out_proj(weights[:, 0] @ values).numpy(), rtol=1e-5, atol=1e-6)
    assert (weights.numpy() == 0).any() and not np.allclose(weights.numpy().sum(-1), 1)
    layer.eval()
    _, weights = layer(q, q, q)
    np.testing.assert_allclose(weights.numpy().sum(-1), 1, rtol=1e-6)


def test_transformer_with_causal_mask():
    mask = nn.Transformer.generate_square_subsequent_mask(4).numpy().astype(np.float64)
    if torch is not None:
        np.testing.assert_array_equal(mask, tnn().Transformer.generate_square_subsequent_mask(4).numpy())
    compare_layer(
        lambda: nn.Transformer(8, 2, 1, 2, 16, dropout=0.0, norm_first=True),
        lambda: tnn().Transformer(8, 2, 1, 2, 16, dropout=0.0, norm_first=True),
        [x(5, 2, 8), x(4, 2, 8), mask],
        call=lambda layer, s, t, m: layer(s, t, tgt_mask=m),
    )


def test_default_initialisation_ranges_match_pytorch():
    lamina.manual_seed(0)
    layer = nn.Linear(100, 50)
    bound = 1 / np.sqrt(100)
    w = layer.weight.numpy()
    assert w.min() >= -bound and w.max() <= bound and w.std() == pytest.approx(bound / np.sqrt(3), rel=0.05)
    conv = nn.Conv2d(8, 16, 3)
    bound = 1 / np.sqrt(8 * 9)
    assert np.abs(conv.weight.numpy()).max() <= bound and np.abs(conv.bias.numpy()).max() <= bound
    embedding = nn.Embedding(1000, 20, padding_idx=0)
    assert embedding.weight.numpy()[1:].std() == pytest.approx(1.0, rel=0.05)
    assert not embedding.weight.numpy()[0].any()
    lstm = nn.LSTM(10, 25)
    assert max(np.abs(p.numpy()).max() for p in lstm.parameters()) <= 1 / 5


def test_layer_errors_name_the_layer_and_shapes():
    with pytest.raises(
        lamina.ShapeError, match=r"Linear\(in_features=10\) got input with last dim 7 \(shape \(3, 7\)\)"
    ):
        nn.Linear(10, 5)(lamina.zeros(3, 7))
    with pytest.raises(
        lamina.ShapeError,
        match=r"Conv2d\(3, 8\): Given groups=1, weight of size \[8, 3, 3, 3\], "
        r"expected input\[1, 4, 8, 8\] to have 3 channels, but got 4",
    ):
        nn.Conv2d(3, 8, 3)(lamina.zeros(1, 4, 8, 8))
    with pytest.raises(lamina.ShapeError, match=r"padded input size per channel: \(2 x 2\). Kernel size: \(5 x 5\)"):
        nn.Conv2d(1, 1, 5)(lamina.zeros(1, 1, 2, 2))
    with pytest.raises(
        IndexError, match=r"Embedding\(10, 3\): embedding: index 10 is out of range .*num_embeddings=10"
    ):
        nn.Embedding(10, 3)(lamina.tensor([1, 10]))
    with pytest.raises(ValueError, match="in_channels .6. must be divisible by groups .4."):
        nn.Conv2d(6, 8, 3, groups=4)
    with pytest.raises(ValueError, match="positive integer"):
        nn.Linear(0, 3)
    with pytest.raises(
        lamina.DTypeError, match="Linear: input dtype float64 does not match the parameters' dtype float32"
    ):
        nn.Linear(2, 2)(lamina.zeros(1, 2, dtype=lamina.float64))
    with pytest.raises(ValueError, match="more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(lamina.zeros(1, 3))
    with pytest.raises(lamina.ShapeError, match=r"BatchNorm2d\(3\) got input with 4 channels"):
        nn.BatchNorm2d(3)(lamina.zeros(2, 4, 2, 2))
    with pytest.raises(ValueError, match="divisible by num_heads"):
        nn.MultiheadAttention(10, 3)
