"""Argument checks shared by the nn functions: reductions, pairs, empty batches, parameter shapes."""

from lamina.errors import DataError, DeviceError, ShapeError, shape_str

REDUCTIONS = ("mean", "sum", "none")


def check_reduction(op: str, reduction: str):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {REDUCTIONS}; got {reduction!r}.")


def check_not_empty(op: str, x, reduction: str):
    """A mean over no samples is nan in PyTorch; lamina refuses (BAD_INPUTS row 15)."""
    if reduction == "mean" and x.numel() == 0:
        raise DataError(
            f"{op}: the mean over an empty batch (input shape {shape_str(x.shape)}) is undefined; lamina raises "
            "rather than return nan (stricter than PyTorch). Check that the data loader yields no empty batches."
        )


def check_same_device(op: str, **tensors):
    """Every tensor argument on the first one's device: lamina never copies between devices implicitly."""
    named = [(name, t) for name, t in tensors.items() if t is not None and hasattr(t, "device")]
    for name, tensor in named[1:]:
        if tensor.device is not named[0][1].device:
            raise DeviceError(
                f"{op}: expected all tensors to be on the same device, but {named[0][0]} is on {named[0][1].device} "
                f"and {name} on {tensor.device}. Move them with .to(device) first."
            )


def check_same_shape(op: str, input, target):
    """Loss inputs must match exactly: broadcasting (4, 1) against (4,) is almost always a bug (row 12)."""
    check_same_device(op, input=input, target=target)
    if tuple(input.shape) != tuple(target.shape):
        raise ShapeError(
            f"{op}: input shape {shape_str(input.shape)} and target shape {shape_str(target.shape)} differ; "
            "broadcasting them would compute the wrong loss (PyTorch only warns). Reshape one, e.g. "
            "target.reshape(input.shape) or input.squeeze(-1)."
        )


def check_parameter_shape(op: str, name: str, tensor, expected):
    """A weight, bias or running statistic must have exactly the shape its input implies.

    Checked before the fused kernels run: they index by the input's sizes and do not broadcast.
    """
    if tensor is not None and tuple(tensor.shape) != tuple(expected):
        raise ShapeError(
            f"{op}: expected {name} of shape {shape_str(tuple(expected))} for this input; "
            f"got {shape_str(tensor.shape)}."
        )


def reduce(loss, reduction: str):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def pair(value, name="argument"):
    """An int or a pair of ints -> a pair of ints."""
    if isinstance(value, int):
        return (value, value)
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return (value[0], value[0])
    if len(value) != 2:
        raise ValueError(f"{name} must be an int or a pair of ints; got {value}.")
    return value
