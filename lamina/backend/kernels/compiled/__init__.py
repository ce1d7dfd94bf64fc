"""The compiled kernel set: numba loops that make one pass over memory where NumPy makes several.

Same functions, same arguments as the reference package (the definition they are tested against; contract.py
writes the interface down), one module per family, matching lamina/ops/.
Why each exists, measured on the benchmark workloads (benchmarks/README.md):
- convolution: Winograd F(4x4, 3x3) for 3x3 stride-1 layers (4x fewer multiplications); for the
  others, im2col a few samples at a time (over whole padded rows when the stride is 1) so the
  column buffer stays in cache instead of being a 9x or 25x copy of the input, or no im2col at
  all for layers with few inputs per output; the batch split over the cores, one-thread BLAS each,
  or, where the CPU has AVX-512, the products in lamina/native/products.c (products.py);
- pooling, batch/layer norm, softmax, attention weights, cross-entropy, GELU, ReLU's backward:
  a fused loop instead of 4-10 NumPy passes with temporaries (exp and tanh from NumPy's SIMD
  ufuncs, see the NOTE below);
- the embedding's backward and the optimizer updates: one loop instead of np.add.at or 8 passes.
Every loop is compiled on first use (about a second each) and cached in the user's cache folder (jit.py),
never at import. Inputs the kernels were not written for go to the reference, and so does any
kernel not defined here (the package's __getattr__ below).
"""

import numba

from lamina.backend.kernels import reference, small, threads

# The kernels, by family (contract.py lists them); the *_beyond_small ones take what small.c declines (small.py).
from lamina.backend.kernels.compiled.activation import (
    gelu_tanh,
    gelu_tanh_backward,
    relu,
    relu_backward,
    relu_beyond_small,
)
from lamina.backend.kernels.compiled.conv import conv2d_forward, conv2d_input_grad, conv2d_weight_grad
from lamina.backend.kernels.compiled.indexing import index_add_rows
from lamina.backend.kernels.compiled.linalg import matmul
from lamina.backend.kernels.compiled.normalization import (
    batch_norm_train,
    batch_norm_train_backward,
    layer_norm,
    layer_norm_backward,
)
from lamina.backend.kernels.compiled.optim import (
    adam_step,
    adam_step_beyond_small,
    sgd_momentum_step,
    sgd_momentum_step_beyond_small,
)
from lamina.backend.kernels.compiled.pooling import max_pool2d, max_pool2d_grad, max_pool2d_values
from lamina.backend.kernels.compiled.softmax import (
    attention_weights,
    cross_entropy,
    cross_entropy_backward,
    softmax,
    softmax_backward,
)

# small arrays: sums, whole-tensor max/min, small products, class-target checks: small.py (no numba)
sum_all, sum_dims, max_all, min_all = small.sum_all, small.sum_dims, small.max_all, small.min_all
small_product, class_targets = small.small_product, small.class_targets


def describe() -> str:
    return f"numba {numba.__version__} (compiled kernels, {threads.WORKERS} threads)"


def __getattr__(name):
    """A kernel not compiled here is the reference's (module-level __getattr__, PEP 562)."""
    return getattr(reference, name)
