"""Reference max pooling over strided windows of a padded input."""

from lamina.backend.kernels import namespace
from lamina.backend.kernels.reference.conv import _windows


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
