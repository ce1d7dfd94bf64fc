"""The reference kernels, in NumPy: the definition of what every compiled kernel must compute.

Each function takes and returns arrays (never Tensors), written against the array namespace of its inputs
(kernels/namespace.py), so a GPU backend serves them too. The compiled set (the compiled/ package) offers the
same functions with the same arguments, and tests/backend/test_kernels.py holds them to these, in float32
and float64, on many shapes. One module per family, matching lamina/ops/ and the compiled set.

Conventions: `padding` is ((top, bottom), (left, right)); stride and dilation are pairs.
"""

from lamina.backend.kernels.reference.activation import gelu_tanh, gelu_tanh_backward, relu, relu_backward
from lamina.backend.kernels.reference.conv import (
    conv2d_forward,
    conv2d_input_grad,
    conv2d_weight_grad,
    conv_output_hw,
    output_size,
)
from lamina.backend.kernels.reference.indexing import index_add_rows
from lamina.backend.kernels.reference.linalg import matmul, small_product
from lamina.backend.kernels.reference.normalization import (
    batch_norm_train,
    batch_norm_train_backward,
    layer_norm,
    layer_norm_backward,
)
from lamina.backend.kernels.reference.optim import adam_step, sgd_momentum_step
from lamina.backend.kernels.reference.pooling import max_pool2d, max_pool2d_backward, max_pool2d_grad, max_pool2d_values
from lamina.backend.kernels.reference.reduction import class_targets, max_all, min_all, sum_all, sum_dims
from lamina.backend.kernels.reference.softmax import (
    attention_weights,
    cross_entropy,
    cross_entropy_backward,
    softmax,
    softmax_backward,
)

__all__ = [
    "adam_step",
    "attention_weights",
    "batch_norm_train",
    "batch_norm_train_backward",
    "class_targets",
    "conv2d_forward",
    "conv2d_input_grad",
    "conv2d_weight_grad",
    "conv_output_hw",
    "cross_entropy",
    "cross_entropy_backward",
    "gelu_tanh",
    "gelu_tanh_backward",
    "index_add_rows",
    "layer_norm",
    "layer_norm_backward",
    "matmul",
    "max_all",
    "max_pool2d",
    "max_pool2d_backward",
    "max_pool2d_grad",
    "max_pool2d_values",
    "min_all",
    "output_size",
    "relu",
    "relu_backward",
    "sgd_momentum_step",
    "small_product",
    "softmax",
    "softmax_backward",
    "sum_all",
    "sum_dims",
]
