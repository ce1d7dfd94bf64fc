"""Dropout: zero entries (or whole channels) at random while training, rescaling the rest."""

from lamina.errors import ShapeError, shape_str
from lamina.tensor import Tensor


def _keep_mask(x, shape, p):
    backend = x.device.backend
    keep = backend.uniform(shape, x.array.dtype) >= p  # drawn from lamina's seeded generator
    return Tensor._make((keep / (1 - p)).astype(x.array.dtype), x.device)


def _check_p(p):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability has to be between 0 and 1, but got {p}.")


def dropout(x, p=0.5, training=True, inplace=False):
    """Each entry is zeroed with probability p, the others scaled by 1/(1-p) (inverted dropout)."""
    _check_p(p)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    return x * _keep_mask(x, x.shape, p)


def dropout2d(x, p=0.5, training=True, inplace=False):
    """Whole channels of (N, C, H, W) are zeroed together (Tompson et al. 2015)."""
    _check_p(p)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    return x * _keep_mask(x, x.shape[:2] + (1,) * (x.ndim - 2), p)


def _channel_dropout(op, x, p, training, batched_ndim, layout):
    """dropout2d's rule (whole channels zeroed together) for inputs of batched_ndim dims, or one fewer."""
    if x.ndim not in (batched_ndim - 1, batched_ndim):
        raise ShapeError(f"{op}: expects {layout} (or without N); got {shape_str(x.shape)}.")
    batched = x if x.ndim == batched_ndim else x.unsqueeze(0)
    out = dropout2d(batched, p, training)
    return out if x.ndim == batched_ndim else out.squeeze(0)


def dropout1d(x, p=0.5, training=True, inplace=False):
    """Whole channels of (N, C, L) (or (C, L)) are zeroed together."""
    return _channel_dropout("dropout1d", x, p, training, 3, "(N, C, L)")


def dropout3d(x, p=0.5, training=True, inplace=False):
    """Whole channels of (N, C, D, H, W) (or (C, D, H, W)) are zeroed together."""
    return _channel_dropout("dropout3d", x, p, training, 5, "(N, C, D, H, W)")


# SELU's negative saturation value, -scale * alpha (Klambauer et al. 2017)
_SELU_SATURATION = -1.0507009873554804934193349852946 * 1.6732632423543772848170429916717


def _alpha_dropout(x, p, training, mask_shape):
    """Dropped entries set to SELU's saturation value, then an affine map a * x + b that keeps a standard
    normal input's mean and variance (Klambauer et al. 2017), so a SELU network stays self-normalising."""
    _check_p(p)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    keep = x.device.backend.uniform(mask_shape, x.array.dtype) >= p
    keep = Tensor._make(keep.astype(x.array.dtype), x.device)
    a = ((1 - p) * (1 + p * _SELU_SATURATION**2)) ** -0.5
    b = -a * _SELU_SATURATION * p
    return (x * keep + _SELU_SATURATION * (1 - keep)) * a + b


def alpha_dropout(x, p=0.5, training=False, inplace=False):
    """Dropout for SELU networks: entries dropped to SELU's saturation value, mean and variance kept."""
    return _alpha_dropout(x, p, training, x.shape)


def feature_alpha_dropout(x, p=0.5, training=False, inplace=False):
    """alpha_dropout of whole channels (dim 1) at once."""
    if x.ndim < 2:
        raise ShapeError(f"feature_alpha_dropout: expects (N, C, ...); got {shape_str(x.shape)}.")
    return _alpha_dropout(x, p, training, x.shape[:2] + (1,) * (x.ndim - 2))
