"""Activation checkpointing (torch.utils.checkpoint): trade compute for memory. The wrapped function runs
without recording a graph, so its intermediate activations are freed at once; the backward runs it again,
from the saved inputs and with the random state it first saw (dropout draws the same mask), and
back-propagates through that second run. Gradients reach the inputs and, through `.backward()`, the
parameters the function uses (as with PyTorch's reentrant checkpoint, `autograd.grad` with respect to those
parameters does not see them: use `.backward()`).
"""

from lamina.autograd import backward as _backward
from lamina.autograd.custom import Function
from lamina.autograd.grad_mode import enable_grad, no_grad
from lamina.backend import get_device
from lamina.tensor import Tensor

_TENSOR = object()  # marks a tensor argument's place among the saved non-tensor ones


def _devices_state(tensors):
    devices = {t.device for t in tensors} | {get_device("cpu")}
    return {device: device.backend.get_state() for device in devices}


class _Checkpoint(Function):
    @staticmethod
    def forward(ctx, function, preserve_rng_state, *args):
        ctx.function, ctx.preserve = function, preserve_rng_state
        tensors = [a for a in args if isinstance(a, Tensor)]
        ctx.rng = _devices_state(tensors) if preserve_rng_state else None
        ctx.arguments = [_TENSOR if isinstance(a, Tensor) else a for a in args]  # the non-tensor ones kept
        ctx.save_for_backward(*tensors)
        with no_grad():
            return function(*args)

    @staticmethod
    def backward(ctx, *grads):
        saved = iter(ctx.saved_tensors)
        args, inputs = [], []
        for value in ctx.arguments:
            if value is _TENSOR:
                tensor = next(saved).detach().requires_grad_(True)
                args.append(tensor)
                inputs.append(tensor)
            else:
                args.append(value)
        now = None
        if ctx.rng is not None:
            now = {device: device.backend.get_state() for device in ctx.rng}
            for device, state in ctx.rng.items():
                device.backend.set_state(state)
        try:
            with enable_grad():
                outputs = ctx.function(*args)
        finally:
            if now is not None:
                for device, state in now.items():
                    device.backend.set_state(state)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grads) if isinstance(o, Tensor) and o.requires_grad and g is not None]
        if pairs:
            _backward([o for o, _ in pairs], [g for _, g in pairs])
        input_grads = iter(t.grad for t in inputs)
        return (None, None, *[next(input_grads) if value is _TENSOR else None for value in ctx.arguments])


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default", debug=False,
               preserve_rng_state=True, **kwargs):  # fmt: skip
    """function(*args, **kwargs), its activations recomputed in the backward instead of kept."""
    if kwargs:
        return _Checkpoint.apply(lambda *a: function(*a, **kwargs), preserve_rng_state, *args)
    return _Checkpoint.apply(function, preserve_rng_state, *args)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """A Sequential (or list of modules) run in `segments` checkpointed pieces; the last runs normally."""
    functions = list(functions.children()) if hasattr(functions, "children") else list(functions)
    if not 1 <= segments <= len(functions):
        raise ValueError(f"checkpoint_sequential: segments must be between 1 and {len(functions)}; got {segments}.")
    size = len(functions) // segments

    def run(start, stop):
        def piece(x):
            for layer in functions[start:stop]:
                x = layer(x)
            return x

        return piece

    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end + 1), input, **kwargs)
    return run(end + 1, len(functions))(input)
