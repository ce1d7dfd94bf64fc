"""The kernel contract: the interface every kernel set offers (the reference package, the compiled
package, and through the reference the CuPy and test backends), written down once.

A kernel takes and returns backend arrays, never Tensors; it computes what the reference's function of the
same name computes (the definition), to rounding. The rules every set keeps:

- **Arguments** are the ones listed here, by position, with these names. `padding` is ((top, bottom),
  (left, right)); stride, dilation and kernel sizes are pairs; dims are sorted, distinct, non-negative.
- **Dtypes**: any dtype the op sends. Float kernels are written for float32 and float64; float32 is computed
  in float32 except sums over a whole batch or row, which add in float64 (as torch's CPU kernels do).
- **Layout**: any strides, views included. An input is never written unless the kernel's description says
  so (the optimizer updates and index_add_rows update their first arguments in place).
- **Refusing**: a kernel never raises for a dtype, size or layout it was not written for: the family's public
  function (its dispatcher: `compiled/conv.py`'s conv2d_forward chooses Winograd, the direct loops, im2col
  or the reference) hands such input to the reference kernel with the same arguments. Bad input (shapes
  that do not fit, labels out of range) is the op's to refuse, at its public door, before any kernel runs;
  the one exception, class_targets, reports bad labels for the loss to name.
- **Small arrays** (small.py): the C kernels of the native layer answer what they are written for and
  return None (or False for the updates) for the rest; small.py's function of the same name then runs the
  next kernel, so callers see one function.

tests/backend/test_kernel_contract.py holds every set to these names and arguments; test_kernels.py holds
the compiled set's values to the reference's.
"""

from typing import Protocol


class KernelSet(Protocol):
    # --- linear algebra ---
    def matmul(self, a, b):
        """a @ b for 2-D or stacked operands (the compiled set splits big ones over its threads)."""

    def small_product(self, a, b):
        """a @ b of small 2-D float arrays of one dtype, or None: then the caller's own product."""

    # --- convolution (ops/conv.py) ---
    def conv2d_forward(self, x, w, stride, padding, dilation, groups):
        """y (N, O, Ho, Wo) of x (N, C, H, W) and w (O, C/groups, kh, kw)."""

    def conv2d_weight_grad(self, x, grad, weight_shape, stride, padding, dilation, groups):
        """dL/dw of weight_shape, from x and grad (N, O, Ho, Wo)."""

    def conv2d_input_grad(self, grad, w, input_shape, stride, padding, dilation, groups):
        """dL/dx of input_shape, from grad (N, O, Ho, Wo) and w."""

    # --- pooling (ops/pooling.py) ---
    def max_pool2d(self, x_padded, kernel, stride, dilation, out_size):
        """(values, positions): each window's maximum and its flat position (row * width + col) in x_padded."""

    def max_pool2d_backward(self, grad, positions, padded_shape):
        """The gradient for x_padded from max_pool2d's positions: each window's gradient at its maximum."""

    def max_pool2d_values(self, x_padded, kernel, stride, dilation, out_size):
        """Each window's maximum only; NaN propagates."""

    def max_pool2d_grad(self, grad, x_padded, values, kernel, stride, dilation):
        """The gradient for x_padded, each window's gradient at its first maximum (found again from values)."""

    # --- normalization (ops/normalization.py) ---
    def batch_norm_train(self, x, weight, bias, eps):
        """(y, mean (C,), biased var (C,), invstd (C,)) of x (N, C, ...) by the batch's statistics."""

    def batch_norm_train_backward(self, grad, x, weight, mean, invstd):
        """(dx, dweight, dbias), through the batch statistics' dependence on x too."""

    def layer_norm(self, x, weight, bias, eps):
        """(y, mean (M,), invstd (M,)) of the rows of x (M, D)."""

    def layer_norm_backward(self, grad, x, weight, mean, invstd):
        """(dx, dweight, dbias) of layer_norm."""

    # --- reductions (ops/reduce.py) ---
    def sum_all(self, x, keepdim):
        """The sum of all of x's elements (keepdim: shaped (1, 1, ...))."""

    def sum_dims(self, x, dims, keepdim):
        """The sum over dims."""

    def max_all(self, x, keepdim):
        """The largest element of a non-empty x; NaN if any is NaN."""

    def min_all(self, x, keepdim):
        """The smallest element of a non-empty x; NaN if any is NaN."""

    # --- softmax and losses (ops/softmax.py) ---
    def softmax(self, x):
        """Softmax of each row of x (M, D); a row of all -inf gives NaN."""

    def attention_weights(self, scores, queries, scale, causal_offset):
        """softmax(scores * scale) per row of scores (M, S), causally masked when causal_offset is not None."""

    def softmax_backward(self, grad, y):
        """dx = y (grad - sum(grad y)) per row."""

    def cross_entropy(self, logits, target, ignore_index):
        """(losses (M,), logsumexp (M,)): -log softmax(logits)[target] per row, 0 on ignored rows."""

    def cross_entropy_backward(self, grad_losses, logits, target, ignore_index, lse):
        """(softmax - onehot(target)) * grad_losses per row, zero on ignored rows."""

    def class_targets(self, labels, classes, ignore_index):
        """(how many labels are not ignore_index, the flat index of the first bad label or -1), as 0-d arrays."""

    # --- activations (ops/activation.py) ---
    def relu(self, x):
        """max(x, 0); NaN stays NaN."""

    def relu_backward(self, grad, z):
        """grad where the ReLU's output z is positive, else 0."""

    def gelu_tanh(self, x):
        """(y, t): GELU's tanh approximation and the tanh, kept for the backward."""

    def gelu_tanh_backward(self, grad, x, t):
        """dL/dx of gelu_tanh from x and its tanh t."""

    # --- indexing (ops/indexing.py) ---
    def index_add_rows(self, target, rows, values):
        """target[rows[k]] += values[k] in place, repeated rows adding up (an embedding's backward)."""

    # --- optimizer updates (lamina/optim), in place on p and the state buffers ---
    def adam_step(
        self, p, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled, step, max_exp_avg_sq=None
    ):
        """One Adam (AdamW when decoupled; AMSGrad with max_exp_avg_sq) update: lamina/optim/adam.py's rule."""

    def sgd_momentum_step(self, p, grad, buffer, lr, momentum, dampening, weight_decay, nesterov):
        """One SGD update with a momentum buffer that holds at least one step: lamina/optim/sgd.py."""


KERNELS = tuple(name for name in vars(KernelSet) if not name.startswith("_"))
