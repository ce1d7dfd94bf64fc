"""Reverse-mode automatic differentiation.

`tensor.backward()` and `lamina.autograd.grad(...)` check their arguments here
and hand the walk over the graph to `engine.run_backward`.
"""

from lamina.autograd.anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from lamina.autograd.custom import Function, FunctionCtx, once_differentiable
from lamina.autograd.engine import run_backward
from lamina.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from lamina.errors import AutogradError, DeviceError, ShapeError, shape_str
from lamina.tensor import Tensor

__all__ = [
    "Function",
    "FunctionCtx",
    "once_differentiable",
    "backward",
    "grad",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "inference_mode",
    "is_inference_mode_enabled",
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "gradcheck",
    "gradgradcheck",
    "functional",
]


def _as_tuple(value):
    if value is None:
        return None
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _root_gradients(outputs, grad_outputs, create_graph):
    grads = []
    for index, output in enumerate(outputs):
        if not output.requires_grad:
            raise AutogradError(
                f"backward: element {index} of tensors does not require grad and does not have a grad_fn. "
                "Set requires_grad=True on the inputs (leaves) before computing it, and don't compute it "
                "under no_grad()."
            )
        given = grad_outputs[index] if grad_outputs is not None else None
        if given is None:
            if output.numel() != 1:
                raise AutogradError(
                    f"backward: grad can be implicitly created only for scalar outputs; output {index} has shape "
                    f"{shape_str(output.shape)}. Pass a gradient of that shape, or reduce it first (e.g. .sum())."
                )
            xp, dtype = output.device.xp, output.array.dtype
            # (xp.array(1) for the usual 0-d loss: xp.ones is Python-level code)
            ones = xp.array(1, dtype) if output.array.ndim == 0 else xp.ones(output.shape, dtype)
            given = Tensor._make(ones, output.device)
            grads.append(given)  # fresh, in no graph: nothing to detach
            continue
        if not isinstance(given, Tensor):
            given = output.new_tensor(given)
        if given.device is not output.device:
            raise DeviceError(
                f"backward: grad_output[{index}] is on {given.device} but output[{index}] is on {output.device}; "
                "lamina never copies between devices implicitly: move the gradient with .to(device)."
            )
        if given.shape != output.shape:
            raise ShapeError(
                f"backward: mismatch in shape: grad_output[{index}] has a shape of {shape_str(given.shape)} and "
                f"output[{index}] has a shape of {shape_str(output.shape)}."
            )
        if given.array.dtype != output.array.dtype:
            given = given.to(output.dtype)
        grads.append(given if create_graph else given.detach())
    return grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate d(tensors)/d(leaf) into every leaf's `.grad` (or only into `inputs`' .grad)."""
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors)
    retain_graph = create_graph if retain_graph is None else retain_graph
    grads = _root_gradients(tensors, grad_tensors, create_graph)
    if inputs is not None:
        inputs = _as_tuple(inputs)
        found = run_backward(tensors, grads, retain_graph, create_graph, capture=list(inputs))
        from lamina.autograd.engine import store_grads

        store_grads(inputs, found, create_graph)
        return
    run_backward(tensors, grads, retain_graph, create_graph)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph=False,
    only_inputs=True,
    allow_unused=None,
    materialize_grads=False,
):
    """The gradients of `outputs` with respect to `inputs`, returned (no `.grad` is touched).

    With create_graph=True the result is itself differentiable: Hessian-vector
    products and gradient penalties are a second `grad` or `backward` away.
    """
    # only_inputs is accepted and ignored, as in PyTorch (deprecated there: only the inputs ever get gradients)
    allow_unused = materialize_grads if allow_unused is None else allow_unused
    outputs = _as_tuple(outputs)
    inputs_tuple = _as_tuple(inputs)
    for index, tensor in enumerate(inputs_tuple):
        if not tensor.requires_grad:
            raise AutogradError(f"grad: input {index} does not require grad; there is no gradient to compute for it.")
    retain_graph = create_graph if retain_graph is None else retain_graph
    grads = _root_gradients(outputs, _as_tuple(grad_outputs), create_graph)
    found = run_backward(outputs, grads, retain_graph, create_graph, capture=list(inputs_tuple))
    for index, value in enumerate(found):
        if value is None and not allow_unused:
            raise AutogradError(
                f"grad: input {index} (shape {shape_str(inputs_tuple[index].shape)}) appears to not have been used "
                "in the graph. Set allow_unused=True if this is the desired behavior."
            )
    if materialize_grads:
        found = [value if value is not None else t.new_zeros(*t.shape) for value, t in zip(found, inputs_tuple)]
    return tuple(found)


from lamina.autograd import functional  # noqa: E402  (jacobian, hessian, vjp, ...: built on grad above)
from lamina.autograd.gradcheck import gradcheck, gradgradcheck  # noqa: E402


def Variable(data, requires_grad=False, volatile=False):  # noqa: N802 - PyTorch's (pre-0.4) class name
    """PyTorch's old wrapper: since 0.4 a Variable is a Tensor; here too, with requires_grad set as asked."""
    return data.requires_grad_(requires_grad) if requires_grad else data
