"""The reference kernels, in NumPy: the definition of what every compiled kernel must compute.

Each function takes and returns arrays (never Tensors). The compiled set (the compiled/ package)
offers the same functions with the same arguments, and tests/backend/test_kernels.py holds
them to these, in float32 and float64, on many shapes.

Conventions: `padding` is ((top, bottom), (left, right)); stride and dilation are pairs.
"""

import math

import numpy as np

from lamina.backend.kernels import namespace

# --- convolution: im2col by a strided window view (no copy until the matrix product needs one) ---


def matmul(a, b):
    """a @ b (NumPy's matmul; its BLAS chooses its own threads)."""
    return a @ b


def output_size(size: int, kernel: int, stride: int, pad_total: int, dilation: int) -> int:
    return (size + pad_total - dilation * (kernel - 1) - 1) // stride + 1


def conv_output_hw(input_hw, weight_hw, stride, padding, dilation):
    return tuple(
        output_size(n, k, s, sum(p), d) for n, k, s, p, d in zip(input_hw, weight_hw, stride, padding, dilation)
    )


def _windows(x_padded, kernel, stride, dilation, out_size):
    """(N, C, Ho, Wo, kh, kw) view: the input patch under each output position."""
    xp = namespace.of(x_padded)
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    extent = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    view = xp.lib.stride_tricks.sliding_window_view(x_padded, extent, axis=(2, 3))
    return view[:, :, : (out_size[0] - 1) * sh + 1 : sh, : (out_size[1] - 1) * sw + 1 : sw, ::dh, ::dw]


def _pad(x, padding):
    xp = namespace.of(x)
    if not any(p for pair in padding for p in pair):
        return x
    return xp.pad(x, ((0, 0), (0, 0)) + tuple(padding))


def conv2d_forward(x, w, stride, padding, dilation, groups):
    """y[n, o] = sum over c, i, j of x_padded[n, c, h*s + i*d, ...] * w[o, c, i, j], per group."""
    xp = namespace.of(x)
    out_hw = conv_output_hw(x.shape[2:], w.shape[2:], stride, padding, dilation)
    windows = _windows(_pad(x, padding), w.shape[2:], stride, dilation, out_hw)
    per_group_in, per_group_out = x.shape[1] // groups, w.shape[0] // groups
    outputs = []
    for g in range(groups):
        patch = windows[:, g * per_group_in : (g + 1) * per_group_in]  # (N, Cg, Ho, Wo, kh, kw)
        kernel = w[g * per_group_out : (g + 1) * per_group_out]  # (Og, Cg, kh, kw)
        outputs.append(xp.tensordot(patch, kernel, axes=([1, 4, 5], [1, 2, 3])))  # (N, Ho, Wo, Og)
    out = outputs[0] if groups == 1 else xp.concatenate(outputs, axis=3)
    return xp.ascontiguousarray(out.transpose(0, 3, 1, 2))  # (N, O, Ho, Wo)


def conv2d_weight_grad(x, grad, weight_shape, stride, padding, dilation, groups):
    """dL/dw[o, c, i, j] = sum over n, h, w of grad[n, o, h, w] * x_padded[n, c, h*s + i*d, ...]."""
    xp = namespace.of(x)
    windows = _windows(_pad(x, padding), weight_shape[2:], stride, dilation, grad.shape[2:])
    per_group_in, per_group_out = x.shape[1] // groups, weight_shape[0] // groups
    parts = []
    for g in range(groups):
        patch = windows[:, g * per_group_in : (g + 1) * per_group_in]
        grad_g = grad[:, g * per_group_out : (g + 1) * per_group_out]
        parts.append(xp.tensordot(grad_g, patch, axes=([0, 2, 3], [0, 2, 3])))  # (Og, Cg, kh, kw)
    return parts[0] if groups == 1 else xp.concatenate(parts, axis=0)


def conv2d_input_grad(grad, w, input_shape, stride, padding, dilation, groups):
    """dL/dx: each output gradient spread back over the input patch it came from (col2im)."""
    xp = namespace.of(grad)
    (kh, kw), (sh, sw), (dh, dw) = w.shape[2:], stride, dilation
    n, channels = input_shape[0], input_shape[1]
    (top, bottom), (left, right) = padding
    padded = xp.zeros((n, channels, input_shape[2] + top + bottom, input_shape[3] + left + right), dtype=grad.dtype)
    out_h, out_w = grad.shape[2:]
    per_group_in, per_group_out = channels // groups, w.shape[0] // groups
    for g in range(groups):
        grad_g = grad[:, g * per_group_out : (g + 1) * per_group_out]
        kernel = w[g * per_group_out : (g + 1) * per_group_out]
        patches = xp.tensordot(grad_g, kernel, axes=([1], [0]))  # (N, Ho, Wo, Cg, kh, kw)
        target = padded[:, g * per_group_in : (g + 1) * per_group_in]
        for i in range(kh):
            for j in range(kw):
                rows = slice(i * dh, i * dh + (out_h - 1) * sh + 1, sh)
                cols = slice(j * dw, j * dw + (out_w - 1) * sw + 1, sw)
                target[:, :, rows, cols] += patches[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return padded[:, :, top : top + input_shape[2], left : left + input_shape[3]]


# --- max pooling ---


def max_pool2d(x_padded, kernel, stride, dilation, out_size):
    """Each window's maximum and its flat position (row * width + col) in x_padded.

    NOTE: the first maximum wins a tie (as PyTorch); a NaN counts as the maximum.
    Returns (values (N, C, Ho, Wo), positions (N, C, Ho, Wo) int64).
    """
    xp = namespace.of(x_padded)
    (kh, kw), n, c = kernel, x_padded.shape[0], x_padded.shape[1]
    out_h, out_w = out_size
    if tuple(stride) == tuple(kernel) and tuple(dilation) == (1, 1):
        # non-overlapping windows (the common 2x2, stride 2 case): a reshape instead of a window copy
        tiles = x_padded[:, :, : out_h * kh, : out_w * kw].reshape(n, c, out_h, kh, out_w, kw)
        flat = tiles.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, out_h, out_w, kh * kw)
    else:
        flat = _windows(x_padded, kernel, stride, dilation, out_size).reshape(n, c, out_h, out_w, -1)
    best = flat.argmax(axis=-1)  # (N, C, Ho, Wo) in [0, kh*kw); argmax returns the first NaN or maximum
    values = xp.take_along_axis(flat, best[..., None], axis=-1)[..., 0]
    (sh, sw), (dh, dw) = stride, dilation
    rows = xp.arange(out_h).reshape(-1, 1) * sh + (best // kw) * dh
    cols = xp.arange(out_w).reshape(1, -1) * sw + (best % kw) * dw
    return values, (rows * x_padded.shape[3] + cols).astype(xp.int64)


def max_pool2d_backward(grad, positions, padded_shape):
    """The gradient of max_pool2d for x_padded: each window's gradient added at its maximum."""
    xp = namespace.of(grad)
    n, c = padded_shape[:2]
    out = xp.zeros((n * c, padded_shape[2] * padded_shape[3]), dtype=grad.dtype)
    rows = xp.arange(n * c).reshape(-1, 1)
    xp.add.at(out, (rows, positions.reshape(n * c, -1)), grad.reshape(n * c, -1))
    return out.reshape(padded_shape)


def max_pool2d_values(x_padded, kernel, stride, dilation, out_size):
    """Each window's maximum only (inference, and the forward of training: the backward finds the argmax)."""
    return max_pool2d(x_padded, kernel, stride, dilation, out_size)[0]


def max_pool2d_grad(grad, x_padded, values, kernel, stride, dilation):
    """The gradient for x_padded: each window's gradient at its first maximum (found again from x and values)."""
    _, positions = max_pool2d(x_padded, kernel, stride, dilation, values.shape[2:])
    return max_pool2d_backward(grad, positions, x_padded.shape)


# --- normalisation: x (N, C, *) for batch norm, x (M, D) rows for layer norm ---


def batch_norm_train(x, weight, bias, eps):
    """Normalise each channel by the batch's statistics: returns (y, mean (C,), biased var (C,), invstd (C,))."""
    xp = namespace.of(x)
    dims = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mean = x.mean(axis=dims)
    var = x.var(axis=dims)
    invstd = 1 / xp.sqrt(var + eps)
    y = (x - mean.reshape(shape)) * invstd.reshape(shape)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y, mean, var, invstd


def batch_norm_train_backward(grad, x, weight, mean, invstd):
    """(dx, dweight, dbias) of batch_norm_train for the batch statistics' dependence on x too."""
    dims = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    count = x.size // x.shape[1]
    xhat = (x - mean.reshape(shape)) * invstd.reshape(shape)
    dbias = grad.sum(axis=dims)
    dweight = (grad * xhat).sum(axis=dims)
    scale = invstd if weight is None else invstd * weight
    # dx = scale/count * (count*g - sum(g) - xhat*sum(g*xhat))
    dx = (grad - (dbias / count).reshape(shape) - xhat * (dweight / count).reshape(shape)) * scale.reshape(shape)
    return dx.astype(x.dtype, copy=False), dweight, dbias


def layer_norm(x, weight, bias, eps):
    """Normalise each row of x (M, D): returns (y, mean (M,), invstd (M,))."""
    xp = namespace.of(x)
    mean = x.mean(axis=1)
    invstd = 1 / xp.sqrt(x.var(axis=1) + eps)
    y = (x - mean[:, None]) * invstd[:, None]
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y, mean, invstd


def layer_norm_backward(grad, x, weight, mean, invstd):
    """(dx, dweight, dbias) of layer_norm, rows of x (M, D)."""
    xhat = (x - mean[:, None]) * invstd[:, None]
    dweight, dbias = (grad * xhat).sum(axis=0), grad.sum(axis=0)
    g = grad if weight is None else grad * weight
    d = x.shape[1]
    # dx = invstd/D * (D*g - sum(g) - xhat*sum(g*xhat)), per row
    dx = (g - g.mean(axis=1, keepdims=True) - xhat * (g * xhat).sum(axis=1, keepdims=True) / d) * invstd[:, None]
    return dx, dweight, dbias


# --- reductions ---


def sum_all(x, keepdim):
    """The sum of all of x's elements (keepdim: shaped (1, 1, ...)). Reductions over some dims stay in the ops."""
    return x.sum(keepdims=keepdim)


def sum_dims(x, dims, keepdim):
    """The sum over `dims` (a sorted tuple of distinct non-negative dims)."""
    return x.sum(axis=dims, keepdims=keepdim)


def max_all(x, keepdim):
    """The largest of x's elements (x has some); NaN if any is NaN, as in PyTorch."""
    return x.max(keepdims=keepdim)


def min_all(x, keepdim):
    """The smallest of x's elements (x has some); NaN if any is NaN, as in PyTorch."""
    return x.min(keepdims=keepdim)


def class_targets(labels, classes, ignore_index):
    """A classification loss's labels: (how many are not ignore_index, the flat index of the first that is
    neither ignore_index nor in [0, classes), or -1). Both are computed without reading the labels back
    (0-d arrays on a device), so a check of them can wait for the next host read (backend/deferred.py)."""
    xp = namespace.of(labels)
    kept = labels != ignore_index
    bad = (kept & ((labels < 0) | (labels >= classes))).reshape(-1)
    first_bad = xp.where(bad.any(), bad.argmax(), -1) if bad.size else xp.asarray(-1)
    return kept.sum(), first_bad


def small_product(a, b):
    """a @ b for 2-D arrays where a kernel set has a faster way for small ones, or None: the caller's NumPy
    product (ops/linalg.py), which is the definition. The compiled set's is small.c's."""
    return None


# --- activations and softmax ---


# A 0-d zero of the input's dtype: NumPy takes it faster than a Python 0, which it must first resolve to a
# dtype. Another namespace gets a scalar of the dtype (a device cannot take a host array).
_ZEROS = {np.dtype(kind): np.zeros((), kind) for kind in (np.float16, np.float32, np.float64)}


def _zero(xp, dtype):
    zero = _ZEROS.get(dtype) if xp is np else None
    return dtype.type(0) if zero is None else zero


def relu(x):
    """max(x, 0) elementwise; NaN stays NaN (as PyTorch)."""
    xp = namespace.of(x)
    return xp.maximum(x, _zero(xp, x.dtype))


def relu_backward(grad, z):
    """grad where the ReLU's output z is positive, else 0 (NOTE: 0 at x = 0, as PyTorch)."""
    xp = namespace.of(grad)
    zero = _zero(xp, z.dtype)
    return xp.where(z > zero, grad, zero)


_SQRT_2_OVER_PI = 0.7978845608028654


def gelu_tanh(x):
    """x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))); returns (y, the tanh), the tanh kept for the backward."""
    xp = namespace.of(x)
    t = xp.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))
    return 0.5 * x * (1 + t), t


def gelu_tanh_backward(grad, x, t):
    """t: the tanh from the forward. d/dx = (1 + t)/2 + x/2 (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2)."""
    slope = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
    return grad * slope


def softmax(x):
    """Softmax of each row of x (M, D); a row of all -inf gives NaN, as in PyTorch."""
    xp = namespace.of(x)
    shifted = xp.exp(x - x.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def attention_weights(scores, queries, scale, causal_offset):
    """softmax(scores * scale) of each row of scores (M, S), rows being queries 0..L-1 repeated.

    With causal_offset (not None), row r (query q = r % queries) sees keys k <= q + causal_offset only;
    the others get weight 0 (a row that sees no key is NaN, as in PyTorch).
    """
    xp = namespace.of(scores)
    scaled = scores * scores.dtype.type(scale)
    if causal_offset is not None:
        query = xp.arange(scores.shape[0]) % queries
        hidden = xp.arange(scores.shape[1])[None, :] > (query + causal_offset)[:, None]
        scaled = xp.where(hidden, -xp.inf, scaled).astype(scores.dtype, copy=False)
    return softmax(scaled)


def softmax_backward(grad, y):
    """dx = y (g - sum(g y)) per row."""
    return y * (grad - (grad * y).sum(axis=1, keepdims=True))


def cross_entropy(logits, target, ignore_index):
    """Per-row -log softmax(logits)[target] of logits (M, C); rows whose target is ignore_index give 0.

    Returns (losses (M,), logsumexp (M,)); the caller reduces.
    """
    xp = namespace.of(logits)
    shift = logits.max(axis=1)
    lse = xp.log(xp.exp(logits - shift[:, None]).sum(axis=1)) + shift
    keep = target != ignore_index
    # an invalid label (reported by the loss's check, at once or at the next read) picks column 0, not memory
    # outside the row: on a GPU that check may come later than this kernel
    safe = xp.where(keep & (target >= 0) & (target < logits.shape[1]), target, 0)
    picked = xp.take_along_axis(logits, safe[:, None], axis=1)[:, 0]
    return xp.where(keep, lse - picked, 0).astype(logits.dtype, copy=False), lse


def cross_entropy_backward(grad_losses, logits, target, ignore_index, lse):
    """d losses / d logits = (softmax - onehot(target)) * grad, zero on ignored rows."""
    xp = namespace.of(grad_losses)
    keep = target != ignore_index
    weights = xp.where(keep, grad_losses, 0).astype(logits.dtype, copy=False)
    dx = xp.exp(logits - lse[:, None]) * weights[:, None]
    # every row, the ignored ones subtracting a zero weight at column 0: no data-dependent row list (which
    # a GPU would have to read back to size)
    safe = xp.where(keep & (target >= 0) & (target < logits.shape[1]), target, 0)
    dx[xp.arange(dx.shape[0]), safe] -= weights
    return dx


def index_add_rows(target, rows, values):
    """target[rows[k]] += values[k] for every k, repeated rows adding up (an embedding's backward)."""
    xp = namespace.of(target)
    xp.add.at(target, rows, values)


# --- optimizer updates, in place on the parameter and its state ---


def adam_step(p, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled, step, max_exp_avg_sq=None):
    """One Adam/AdamW update of p, in place (lamina/optim/adam.py states the rule); with max_exp_avg_sq,
    AMSGrad's: the denominator uses the running maximum of exp_avg_sq, kept in that buffer."""
    xp = namespace.of(p)
    if weight_decay:
        if decoupled:
            p *= 1 - lr * weight_decay
        else:
            grad = grad + weight_decay * p
    exp_avg *= beta1
    exp_avg += (1 - beta1) * grad
    exp_avg_sq *= beta2
    exp_avg_sq += (1 - beta2) * grad * grad
    second = exp_avg_sq
    if max_exp_avg_sq is not None:
        xp.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        second = max_exp_avg_sq
    denominator = xp.sqrt(second) / math.sqrt(1 - beta2**step) + eps
    p -= (lr / (1 - beta1**step)) * exp_avg / denominator


def sgd_momentum_step(p, grad, buffer, lr, momentum, dampening, weight_decay, nesterov):
    """One SGD update with a momentum buffer that already holds at least one step (see optim/sgd.py)."""
    if weight_decay:
        grad = grad + weight_decay * p
    buffer *= momentum
    buffer += (1 - dampening) * grad
    p -= lr * (grad + momentum * buffer if nesterov else buffer)
