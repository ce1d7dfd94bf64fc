"""autocast: mixed precision regions, PyTorch's `torch.autocast(device_type, dtype)`.

Inside `with lamina.autocast("cpu"):` the ops that profit from lower precision (matrix products, linear
layers, convolutions) cast their float32 operands to the region's dtype (float16 here) and return that
dtype; the ops that need the range of float32 (softmax, log_softmax, the losses, layer/group/batch norm)
compute in float32 whatever they are given, as PyTorch's autocast lists do. The casts are ordinary
differentiable casts, so float32 parameters get float32 gradients. Outside a region nothing changes.

NOTE: PyTorch's CPU autocast defaults to bfloat16, which NumPy (and so lamina) has no dtype for; lamina's
default is float16 on every device, and asking for bfloat16 says so.
"""

import functools
import threading
import warnings

from lamina import dtypes
from lamina.errors import DTypeError


class _State(threading.local):
    enabled = False
    dtype = None
    device_type = "cpu"


state = _State()


class autocast:  # noqa: N801 - PyTorch's name
    def __init__(self, device_type="cuda", dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise TypeError(f"autocast: device_type must be a string such as 'cpu' or 'cuda'; got {device_type!r}.")
        self.device_type = device_type.split(":")[0]
        name = getattr(dtype, "name", None) or (str(dtype).replace("torch.", "") if dtype is not None else None)
        if name in ("bfloat16", "bf16"):
            raise DTypeError(
                "autocast: lamina has no bfloat16 (NumPy has no such dtype); use dtype=lamina.float16, the default."
            )
        self.dtype = dtypes.to_dtype(dtype) if dtype is not None else dtypes.float16
        if self.dtype not in (dtypes.float16, dtypes.float32):
            raise DTypeError(f"autocast: dtype must be float16 (or float32, a no-op); got {self.dtype.name}.")
        self.enabled = bool(enabled)
        if self.enabled and self.device_type not in _device_types():
            warnings.warn(
                f"autocast: device_type {self.device_type!r} is not available here; autocast is disabled "
                "(as PyTorch does when CUDA is absent).",
                UserWarning,
                stacklevel=2,
            )
            self.enabled = False

    def __enter__(self):
        self.previous = (state.enabled, state.dtype, state.device_type)
        state.enabled, state.dtype, state.device_type = self.enabled, self.dtype, self.device_type
        return self

    def __exit__(self, *exc_info):
        state.enabled, state.dtype, state.device_type = self.previous

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with autocast(self.device_type, self.dtype, self.enabled):
                return function(*args, **kwargs)

        return wrapper


def _device_types() -> set:
    from lamina.backend import all_devices, cuda_unavailable_reason

    cuda_unavailable_reason()  # registers cuda, the first time, where a GPU answers
    return {device.type for device in all_devices()}


def is_autocast_enabled(device_type=None) -> bool:
    return state.enabled and (device_type is None or device_type == state.device_type)


def lower(*tensors):
    """Inside an autocast region: the float32 tensors on its device cast to its dtype (others unchanged)."""
    from lamina.ops.elementwise import cast

    target = state.dtype
    return tuple(
        cast(t, target)
        if t is not None and t.array.dtype == dtypes.float32.numpy and t.device.type == state.device_type
        else t
        for t in tensors
    )


def in_float32(tensor):
    """Inside an autocast region: a float16 tensor cast up to float32 (the ops that need its range)."""
    if state.enabled and tensor is not None and tensor.array.dtype == dtypes.float16.numpy:
        from lamina.ops.elementwise import cast

        return cast(tensor, dtypes.float32)
    return tensor
