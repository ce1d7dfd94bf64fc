"""In-place ops: `add_`, `mul_`, `x[i] = v`, ... and the version counter.

Without a graph to record (under `no_grad`, or when nothing requires grad),
an in-place op writes straight into the tensor's array. While recording, it
is computed out of place from a snapshot of the tensor's old state, written
back into the same array (so views and detached aliases see it) and the
tensor takes the new node as its `grad_fn`.

Either way the tensor's version counter goes up, so a backward that saved the
old value notices and raises instead of using the changed one (PyTorch's
rule). In-place ops on a leaf that requires grad are refused while recording:
they would silently drop what the leaf was.
"""

from lamina import dtypes
from lamina.autograd.grad_mode import state
from lamina.errors import AutogradError, DTypeError, ShapeError, shape_str
from lamina.ops import elementwise, indexing
from lamina.ops.indexing import IndexPut
from lamina.ops.shapes import broadcast_shape
from lamina.tensor import Tensor


def _check_target(op: str, target: Tensor, other=None):
    base = target._base
    if state.grad_enabled and target.requires_grad and target.grad_fn is None:
        raise AutogradError(
            f"{op}: a leaf tensor that requires grad is being used in an in-place operation. Do it inside "
            "`with lamina.no_grad():` (as optimizers do), or work on a clone."
        )
    if state.grad_enabled and base is not None and base.requires_grad and base.grad_fn is None:
        raise AutogradError(
            f"{op}: a view of a leaf tensor that requires grad is being used in an in-place operation. "
            "Do it inside `with lamina.no_grad():`, or work on a clone."
        )
    if isinstance(other, Tensor) and other.shape != target.shape:
        if broadcast_shape(op, other.shape, target.shape) != target.shape:
            raise ShapeError(
                f"{op}: the other operand of shape {shape_str(other.shape)} cannot be broadcast to the "
                f"shape {shape_str(target.shape)} of the tensor modified in place."
            )


def _recording(target: Tensor, *others) -> bool:
    if not state.grad_enabled:
        return False
    return target.requires_grad or any(isinstance(o, Tensor) and o.requires_grad for o in others)


def _snapshot(target: Tensor, copy: bool) -> Tensor:
    """The target as it is now, as a separate graph input (its data copied if the op saves it)."""
    snapshot = Tensor._make(target.array.copy() if copy else target.array, target.device)
    snapshot.grad_fn = target.grad_fn
    snapshot.requires_grad = target.requires_grad
    if not copy:
        snapshot._version = target._version
    return snapshot


def _commit(op: str, target: Tensor, result: Tensor) -> Tensor:
    """Write an out-of-place result back into the target's array and take over its node."""
    if target._base is not None and (target._base.requires_grad or result.requires_grad):
        raise AutogradError(
            f"{op}: in-place change of a view ({shape_str(target.shape)}) while recording the graph; lamina "
            "does not re-link the tensor it views. Write `base[index] = value` on the base tensor, or use "
            "the out-of-place op."
        )
    if result.dtype is not target.dtype:
        _check_cast(op, result.dtype, target.dtype)
        result = elementwise.cast(result, target.dtype)
    target.array[...] = result.array
    target.grad_fn = result.grad_fn
    target.requires_grad = result.requires_grad
    target._version[0] += 1
    return target


def _check_cast(op: str, source: dtypes.DType, destination: dtypes.DType):
    if source.is_floating_point and not destination.is_floating_point:
        raise DTypeError(
            f"{op}: result type {source.name} can't be cast to the desired output type {destination.name} "
            "of the tensor modified in place. Use the out-of-place op, or convert the tensor first."
        )


def _binary_inplace(op: str, function, ufunc_name: str, target: Tensor, other, saves_self: bool):
    _check_target(op, target, other)
    if _recording(target, other):
        return _commit(op, target, function(_snapshot(target, copy=saves_self), other))
    xp = target.device.backend.xp
    if isinstance(other, Tensor):
        if other.device is not target.device:
            elementwise.raise_device_mismatch(op, (target, other))
        _check_cast(op, other.dtype, target.dtype)
        other = other.array
    elif isinstance(other, float) and not target.is_floating_point():
        _check_cast(op, dtypes.default_float, target.dtype)
    getattr(xp, ufunc_name)(target.array, other, out=target.array, casting="unsafe")
    target._version[0] += 1
    return target


def add_(target, other):
    return _binary_inplace("add_", elementwise.add, "add", target, other, saves_self=False)


def sub_(target, other):
    return _binary_inplace("sub_", elementwise.sub, "subtract", target, other, saves_self=False)


def mul_(target, other):
    return _binary_inplace("mul_", elementwise.mul, "multiply", target, other, saves_self=True)


def div_(target, other):
    if not target.is_floating_point():
        raise DTypeError(f"div_: true division of the integer tensor ({target.dtype.name}) cannot be done in place.")
    return _binary_inplace("div_", elementwise.div, "true_divide", target, other, saves_self=True)


def clamp_(target, low=None, high=None):
    _check_target("clamp_", target)
    if _recording(target):
        from lamina.functional import clamp

        return _commit("clamp_", target, clamp(_snapshot(target, copy=True), low, high))
    target.device.backend.xp.clip(target.array, low, high, out=target.array)
    target._version[0] += 1
    return target


def fill_(target, value):
    _check_target("fill_", target)
    if _recording(target, value):
        value = value if isinstance(value, Tensor) else target.new_tensor(value)
        return _commit("fill_", target, elementwise.cast(value, target.dtype).expand(target.shape))
    target.array[...] = value.array if isinstance(value, Tensor) else value
    target._version[0] += 1
    return target


def masked_fill_(target, mask, value):
    _check_target("masked_fill_", target)
    if _recording(target, value):
        return _commit("masked_fill_", target, elementwise.where(mask, value, _snapshot(target, copy=False)))
    target.array[...] = target.device.backend.xp.where(
        mask.array, value.array if isinstance(value, Tensor) else value, target.array
    )
    target._version[0] += 1
    return target


def copy_(target, source):
    """Copy source's values into target (broadcasting source, casting to target's dtype)."""
    if not isinstance(source, Tensor):
        raise DTypeError(f"copy_: the source must be a tensor; got {type(source).__name__}.")
    _check_target("copy_", target, source)
    if _recording(target, source):
        return _commit("copy_", target, elementwise.cast(source, target.dtype).expand(target.shape))
    if source.device is not target.device:
        source = source.to(target.device)
    target.array[...] = source.array
    target._version[0] += 1
    return target


def setitem(target, index, value):
    """target[index] = value; recorded as IndexPut when a graph is being built."""
    _check_target("__setitem__", target)
    parts = index if isinstance(index, tuple) else (index,)
    converted = tuple(indexing._index_part(target, p) for p in parts)
    index = converted if isinstance(index, tuple) else converted[0]
    if _recording(target, value):
        if not isinstance(value, Tensor):
            value = target.new_tensor(value)
        value = elementwise.cast(value, target.dtype)
        return _commit("__setitem__", target, IndexPut.apply(_snapshot(target, copy=False), value, index=index))
    if isinstance(value, Tensor):
        if value.device is not target.device:
            elementwise.raise_device_mismatch("__setitem__", (target, value))
        value = value.array
    target.array[index] = value
    target._version[0] += 1
    return target
