"""Run a model once and record every primitive it applies: the graph that ONNX export writes.

Every differentiable op goes through `Function.apply` (autograd/function.py), so wrapping that one
method while the model runs sees them all; comparisons and logical ops give bool tensors without a
graph node (ops/elementwise.py), so they are wrapped too. The model runs with recording on (inputs and
parameters requiring grad) so that in-place ops take their recorded path, where the result is a step
like any other and the modified tensor's `grad_fn` says which step made its current value.

Shapes are those of the example input: the exported graph is static, as every Reshape and constant in it
was read off this one run.
"""

import contextlib
from dataclasses import dataclass

from lamina.autograd.function import Function, python_apply
from lamina.autograd.grad_mode import no_grad
from lamina.ops import elementwise
from lamina.tensor import Tensor


@dataclass
class Step:
    """One primitive applied: its name, its tensor inputs, its options, its output and the layer it ran in."""

    op: str
    inputs: tuple
    options: dict
    output: Tensor
    layer: str


class Tracer:
    """`with Tracer(model) as tracer: model(x)` fills `tracer.steps`, in the order the ops ran."""

    def __init__(self, model):
        self.model = model
        self.steps = []
        self._layers = []
        self._handles = []

    def __enter__(self):
        self._saved_apply = Function.__dict__["apply"]
        self._saved_compare = elementwise.compare
        self._saved_not = elementwise.logical_not
        tracer = self

        def recording_apply(cls, *inputs, **options):
            output = python_apply.__func__(cls, *inputs, **options)
            tracer._add(cls.__name__, inputs, options, output)
            return output

        def recording_compare(op, a, b):
            with no_grad():  # the operands as the comparison sees them: scalars made tensors, dtypes made one
                a, b = elementwise._operands(op, a, b)
            output = tracer._saved_compare(op, a, b)
            tracer._add(f"compare:{op}", (a, b), {}, output)
            return output

        def recording_not(x):
            output = tracer._saved_not(x)
            tracer._add("compare:not", (x,), {}, output)
            return output

        Function.apply = classmethod(recording_apply)
        elementwise.compare = recording_compare
        elementwise.logical_not = recording_not
        for name, module in self.model.named_modules():
            label = f"{name} ({type(module).__name__})" if name else f"the model ({type(module).__name__})"
            self._handles.append(module.register_forward_pre_hook(self._enter_layer(label)))
            self._handles.append(module.register_forward_hook(self._leave_layer))
        return self

    def __exit__(self, *exc):
        Function.apply = self._saved_apply
        elementwise.compare = self._saved_compare
        elementwise.logical_not = self._saved_not
        for handle in self._handles:
            handle.remove()
        return False

    def _enter_layer(self, label):
        def hook(module, inputs):
            self._layers.append(label)

        return hook

    def _leave_layer(self, module, inputs, output):
        if self._layers:
            self._layers.pop()

    def _add(self, op, inputs, options, output):
        layer = self._layers[-1] if self._layers else "the model"
        self.steps.append(Step(op, tuple(inputs), dict(options), output, layer))


@contextlib.contextmanager
def eval_mode(model):
    """The model in eval mode for a trace, each module's own mode put back after."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield model
    finally:
        for module, training in modes:
            module.training = training
