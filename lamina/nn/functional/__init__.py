"""lamina.nn.functional: the stateless forms of the layers and losses (PyTorch's names).

Everything here is a composite of lamina's primitives (or calls the conv
primitives); nn modules own the parameters and call these.
"""

from lamina.functional import pad
from lamina.functional.shaping import one_hot
from lamina.nn.functional.activation import (
    elu,
    gelu,
    hardtanh,
    leaky_relu,
    log_softmax,
    relu,
    relu6,
    sigmoid,
    silu,
    softmax,
    softplus,
    tanh,
)
from lamina.nn.functional.attention import causal_mask, scaled_dot_product_attention
from lamina.nn.functional.conv import conv1d, conv2d, conv_transpose2d
from lamina.nn.functional.dropout import dropout, dropout2d
from lamina.nn.functional.linear import bilinear, linear
from lamina.nn.functional.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from lamina.nn.functional.normalization import batch_norm, group_norm, layer_norm, local_response_norm
from lamina.nn.functional.pooling import (
    adaptive_avg_pool2d,
    adaptive_max_pool2d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
)
from lamina.nn.functional.sparse import embedding

__all__ = [
    "pad",
    "one_hot",
    "elu",
    "gelu",
    "hardtanh",
    "leaky_relu",
    "log_softmax",
    "relu",
    "relu6",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "tanh",
    "causal_mask",
    "scaled_dot_product_attention",
    "conv1d",
    "conv2d",
    "conv_transpose2d",
    "dropout",
    "dropout2d",
    "bilinear",
    "linear",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "mse_loss",
    "nll_loss",
    "smooth_l1_loss",
    "batch_norm",
    "group_norm",
    "layer_norm",
    "local_response_norm",
    "adaptive_avg_pool2d",
    "adaptive_max_pool2d",
    "avg_pool2d",
    "max_pool1d",
    "max_pool2d",
    "embedding",
]
