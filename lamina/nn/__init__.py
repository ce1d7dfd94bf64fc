"""lamina.nn: layers, containers, losses and initialisation, with PyTorch's names.

model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
loss = nn.functional.cross_entropy(model(x), y)
"""

from lamina.nn import functional, init, parallel, utils
from lamina.nn.containers import ModuleDict, ModuleList, Sequential
from lamina.nn.module import IncompatibleKeys, Module
from lamina.nn.modules.activation import (
    ELU,
    GELU,
    Hardtanh,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from lamina.nn.modules.attention import MultiheadAttention
from lamina.nn.modules.conv import Conv1d, Conv2d, ConvTranspose2d
from lamina.nn.modules.dropout import Dropout, Dropout2d
from lamina.nn.modules.linear import Bilinear, Flatten, Identity, Linear, Unflatten
from lamina.nn.modules.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from lamina.nn.modules.normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm, LocalResponseNorm
from lamina.nn.modules.pooling import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, MaxPool1d, MaxPool2d
from lamina.nn.modules.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from lamina.nn.modules.sparse import Embedding
from lamina.nn.modules.transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from lamina.nn.parameter import Parameter

__all__ = [
    "functional",
    "init",
    "parallel",
    "utils",
    "Module",
    "IncompatibleKeys",
    "Parameter",
    "Sequential",
    "ModuleList",
    "ModuleDict",
    "ELU",
    "GELU",
    "Hardtanh",
    "LeakyReLU",
    "LogSoftmax",
    "ReLU",
    "ReLU6",
    "Sigmoid",
    "SiLU",
    "Softmax",
    "Softplus",
    "Tanh",
    "MultiheadAttention",
    "Conv1d",
    "Conv2d",
    "ConvTranspose2d",
    "Dropout",
    "Dropout2d",
    "Bilinear",
    "Flatten",
    "Identity",
    "Linear",
    "Unflatten",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "HuberLoss",
    "KLDivLoss",
    "L1Loss",
    "MSELoss",
    "NLLLoss",
    "SmoothL1Loss",
    "BatchNorm1d",
    "BatchNorm2d",
    "GroupNorm",
    "LayerNorm",
    "LocalResponseNorm",
    "AdaptiveAvgPool2d",
    "AdaptiveMaxPool2d",
    "AvgPool2d",
    "MaxPool1d",
    "MaxPool2d",
    "GRU",
    "LSTM",
    "RNN",
    "GRUCell",
    "LSTMCell",
    "RNNCell",
    "Embedding",
    "Transformer",
    "TransformerDecoder",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerEncoderLayer",
]
