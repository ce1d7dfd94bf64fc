"""Linear maps: linear and bilinear."""

from lamina import dtypes
from lamina.autograd.autocast_mode import lower
from lamina.autograd.autocast_mode import state as autocast_state
from lamina.errors import DTypeError, ShapeError, shape_str
from lamina.nn.functional._checks import check_parameter_shape
from lamina.ops.linalg import Linear, einsum


def check_input_dtype(layer: str, x, weight):
    """Layers refuse an input whose dtype differs from their parameters (BAD_INPUTS row 6). Inside an autocast
    region the dtypes compared are the ones the op will see, after autocast lowers float32 (`lower`)."""
    x_dtype, weight_dtype = x.array.dtype, weight.array.dtype
    if autocast_state.enabled and x.device.type == autocast_state.device_type:
        lowered = autocast_state.dtype.numpy
        x_dtype = lowered if x_dtype == dtypes.float32.numpy else x_dtype
        weight_dtype = lowered if weight_dtype == dtypes.float32.numpy else weight_dtype
    if x_dtype != weight_dtype:
        raise DTypeError(
            f"{layer}: input dtype {x.dtype.name} does not match the parameters' dtype {weight.dtype.name}. "
            f"Convert the input (x.to({weight.dtype})) or the layer (layer.to({x.dtype}))."
        )


def linear(x, weight, bias=None):
    """y = x W^T + b: x (*, in_features), W (out_features, in_features) -> (*, out_features)."""
    if autocast_state.enabled:
        x, weight, bias = lower(x, weight, bias)
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ShapeError(
            f"linear: input's last dim {x.shape[-1] if x.ndim else '(none, 0-d input)'} does not match the weight's "
            f"in_features {weight.shape[1]} (input shape {shape_str(x.shape)}, weight shape {shape_str(weight.shape)})."
        )
    check_input_dtype("linear", x, weight)
    if bias is not None and bias.ndim != 0:  # a 0-d bias broadcasts, as in PyTorch
        check_parameter_shape("linear", "bias", bias, (weight.shape[0],))
    if bias is not None and (bias.ndim != 1 or bias.array.dtype != weight.array.dtype):
        return x @ weight.t() + bias  # an unusual bias: broadcasting and promotion by the general ops
    return Linear.apply(x, weight, *(() if bias is None else (bias,)))


def bilinear(x1, x2, weight, bias=None):
    """y_k = x1^T W_k x2 + b_k: x1 (*, in1), x2 (*, in2), W (out, in1, in2) -> (*, out)."""
    if x1.shape[-1] != weight.shape[1] or x2.shape[-1] != weight.shape[2] or x1.shape[:-1] != x2.shape[:-1]:
        raise ShapeError(
            f"bilinear: inputs of shapes {shape_str(x1.shape)} and {shape_str(x2.shape)} do not fit the weight "
            f"{shape_str(weight.shape)} (expected (*, {weight.shape[1]}) and (*, {weight.shape[2]}))."
        )
    check_input_dtype("bilinear", x1, weight)
    out = einsum("...i,kij,...j->...k", x1, weight, x2)
    return out + bias if bias is not None else out
