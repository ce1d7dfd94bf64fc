"""Reference batch and layer normalisation: x (N, C, *) for batch norm, x (M, D) rows for layer norm."""

from lamina.backend.kernels import namespace


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
