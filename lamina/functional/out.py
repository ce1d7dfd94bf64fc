"""PyTorch's `out=` keyword: the function computes its result as usual, then writes it into the given tensor.

PyTorch's rules, which `write_out` checks: `out` takes part in no graph (an error while recording, if the
result or `out` requires grad); the result must be castable to out's dtype without leaving its kind
(bool -> integer -> floating: a float result into an int64 `out` is refused); `out` on the result's device;
an `out` of another shape is resized (a warning unless it was empty). Where the shape matches, the result
is written into out's own memory, so views of `out` see it.
"""

import functools
import warnings

from lamina.autograd.grad_mode import state
from lamina.errors import AutogradError, DeviceError, DTypeError, shape_str
from lamina.tensor import Tensor


def _kind(dtype) -> int:
    return 0 if dtype.numpy.kind == "b" else 2 if dtype.is_floating_point else 1


def write_out(name: str, result, out):
    """Write `result` (a tensor, or a tuple of them for out=(values, indices)) into `out`; returns out."""
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(f"{name}(): out must be a tuple of {len(result)} tensors; got {type(out).__name__}.")
        written = [write_out(name, r, o) for r, o in zip(result, out)]
        return type(result)(*written) if hasattr(result, "_fields") else tuple(written)  # (values, indices)
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}.")
    if state.grad_enabled and (result.requires_grad or out.requires_grad):
        raise AutogradError(
            f"{name}(): functions with out=... arguments don't support automatic differentiation, but one of the "
            "arguments requires grad. Call it without out=, or inside lamina.no_grad()."
        )
    if out.device is not result.device:
        raise DeviceError(f"{name}(): out is on {out.device} but the result is on {result.device}.")
    if _kind(result.dtype) > _kind(out.dtype):
        raise DTypeError(
            f"{name}(): result type {result.dtype.name} can't be cast to the desired output type {out.dtype.name}."
        )
    values = result.array.astype(out.dtype.numpy, copy=False)
    if out.shape == result.shape:
        out.array[...] = values
    else:
        if out.numel():
            warnings.warn(
                f"{name}(): an output with one or more elements was resized from {shape_str(out.shape)} to "
                f"{shape_str(result.shape)}, as PyTorch does; pass an empty tensor (or one of the right shape).",
                UserWarning,
                stacklevel=3,
            )
        out.array = values.copy()
    out._version[0] += 1
    return out


def with_out(function):
    """`function` with PyTorch's `out=` keyword (see write_out)."""

    @functools.wraps(function)
    def accepting_out(*args, out=None, **kwargs):
        result = function(*args, **kwargs)
        return result if out is None else write_out(function.__name__, result, out)

    return accepting_out
