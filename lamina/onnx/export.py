"""lamina.onnx.export: a model traced on an example input, written as an ONNX file.

Opset 17, the newest that the onnxruntime releases of the last three years all read, and the first with
LayerNormalization (transformers export as one node per layer norm, not five). The graph is static: every
shape is the example's, as torch.onnx.export without dynamic_axes gives.

A trace sees the ops that ran, not the Python around them: control flow on values, `.item()`, NumPy on
`.numpy()`, are frozen at the example's values. So the export is checked before it is returned: the
file runs (onnxruntime, or onnx's reference evaluator) on the example and on a second random input of
the same shape, and must give the model's outputs on both. An export that would be wrong is an error.
"""

import contextlib

import numpy as np

from lamina.autograd.grad_mode import enable_grad, no_grad
from lamina.errors import LaminaError
from lamina.onnx.graph import GraphBuilder
from lamina.onnx.symbolic import SYMBOLIC, Unsupported
from lamina.onnx.trace import Tracer, eval_mode
from lamina.tensor import Tensor

OPSET = 17


class OnnxExportError(LaminaError, RuntimeError):
    """A model that cannot be exported faithfully: the op and layer are named."""


def _import_onnx():
    try:
        import onnx
    except ImportError:
        raise OnnxExportError(
            "lamina.onnx.export needs the onnx package; install it with pip install 'lamina[onnx]'."
        ) from None
    return onnx


def export(
    model,
    args,
    f,
    *,
    input_names=None,
    output_names=None,
    opset_version=None,
    dynamic_axes=None,
    export_params=True,
    verify=True,
    verbose=False,
    do_constant_folding=True,
):
    """Trace `model(*args)` in eval mode and write it to `f` (a path or a binary file object) as ONNX.

    PyTorch's names: `input_names`/`output_names` name the graph's inputs and outputs. `verbose` and
    `do_constant_folding` are accepted for PyTorch code and change nothing (constants are always folded).
    Returns the onnx.ModelProto.
    """
    onnx = _import_onnx()
    if opset_version not in (None, OPSET):
        raise OnnxExportError(f"lamina.onnx.export writes opset {OPSET}; got opset_version={opset_version}.")
    if dynamic_axes:
        raise OnnxExportError(
            "lamina.onnx.export: dynamic_axes is not supported; the graph has the example input's shapes "
            "(export once per batch size you serve)."
        )
    if not export_params:
        raise OnnxExportError(
            "lamina.onnx.export: export_params=False is not supported; the weights are always written."
        )
    inputs = _as_tuple(args)
    for position, value in enumerate(inputs):
        if not isinstance(value, Tensor):
            raise OnnxExportError(
                f"lamina.onnx.export: argument {position} is a {type(value).__name__}; pass the example input as a "
                "tensor, or a tuple of tensors."
            )
    input_names = _names("input", len(inputs), input_names, "input_names")
    exporter = _Exporter(onnx, model)
    proto = exporter.run(inputs, input_names, output_names)
    if verify:
        _verify(proto, model, inputs, input_names)
    payload = proto.SerializeToString()
    if hasattr(f, "write"):
        f.write(payload)
    else:
        from pathlib import Path

        from lamina.serialization import write_atomically

        write_atomically(Path(f), payload)
    if verbose:
        print(onnx.helper.printable_graph(proto.graph))
    return proto


def _as_tuple(args):
    if isinstance(args, Tensor):
        return (args,)
    if isinstance(args, (tuple, list)):
        return tuple(args)
    return (args,)


def _names(stem, count, given, argument):
    if given is None:
        return [stem] if count == 1 else [f"{stem}_{i}" for i in range(count)]
    given = list(given)
    if len(given) != count or len(set(given)) != count:
        raise OnnxExportError(
            f"lamina.onnx.export: {argument} must name each of the {count} value(s) once; got {given}."
        )
    return given


class _Exporter:
    """Names every traced value and translates each step (symbolic.py) into the GraphBuilder."""

    def __init__(self, onnx, model):
        self.onnx = onnx
        self.model = model
        self.g = GraphBuilder(onnx)
        self.by_node, self.by_tensor, self.by_array = {}, {}, {}
        self.failed = {}  # output name -> why it could not be translated (an error only if an output needs it)
        self.named_arrays = {}
        self._alive = []  # keeps every id() above meaning the same object

    def bind(self, tensor, name):
        self._alive.append(tensor)
        self.by_tensor[id(tensor)] = name
        self.by_array[id(tensor.array)] = name
        if tensor.grad_fn is not None:
            self.by_node[id(tensor.grad_fn)] = name

    def traced_name(self, array):
        return self.by_array.get(id(array))

    def name_of(self, tensor):
        for table, key in (
            (self.by_node, id(tensor.grad_fn)),
            (self.by_tensor, id(tensor)),
            (self.by_array, id(tensor.array)),
        ):
            if key in table and (table is not self.by_node or tensor.grad_fn is not None):
                return table[key]
        name = self.g.constant(tensor.array, hint="constant")  # made inside forward from no input: a constant
        self.bind(tensor, name)
        return name

    def run(self, inputs, input_names, output_names):
        for name, value in _parameters_and_buffers(self.model):
            self.named_arrays[name] = np.asarray(value.array)
            self.bind(value, name)
        traced_inputs = []
        for name, value in zip(input_names, inputs):
            value = value.detach()
            if value.is_floating_point():
                value.requires_grad_(True)  # so that in-place ops on what it feeds take their recorded path
            traced_inputs.append(value)
            self.bind(value, name)
        with _export_mode(self.model), Tracer(self.model) as tracer, enable_grad():
            result = self.model(*traced_inputs)
        for step in tracer.steps:
            self._translate(step)
        outputs = _output_tensors(result)
        output_names = _names("output", len(outputs), output_names, "output_names")
        graph_outputs = []
        for name, value in zip(output_names, outputs):
            source = self.name_of(value)
            if source in self.failed:
                raise OnnxExportError(self.failed[source])
            self.g.nodes.append(self.onnx.helper.make_node("Identity", [source], [name]))
            graph_outputs.append((name, np.asarray(value.array)))
        self._check_needed(graph_outputs)
        graph_inputs = [(name, np.asarray(value.array)) for name, value in zip(input_names, inputs)]
        from lamina import __version__

        return self.g.model(graph_inputs, graph_outputs, self.named_arrays, OPSET, __version__)

    def _translate(self, step):
        names = [self.name_of(value) for value in step.inputs]
        translate = SYMBOLIC.get(step.op)
        why = None
        if translate is None:
            why = "has no ONNX translation yet"
        else:
            try:
                output = translate(self, step, names)
            except Unsupported as error:
                why = f"cannot be exported: {error}"
        if why is not None:
            output = self.g.fresh("untranslated")
            shapes = ", ".join(f"{value.dtype.name} {tuple(value.shape)}" for value in step.inputs)
            self.failed[output] = (
                f"lamina.onnx.export: the op {step.op} (in {step.layer}, inputs {shapes}) {why}. Export a model "
                "that computes this part differently, or file an issue naming the op."
            )
        for failed_input in (name for name in names if name in self.failed):
            self.failed.setdefault(output, self.failed[failed_input])
        self.bind(step.output, output)

    def _check_needed(self, graph_outputs):
        for name in self.g.needed_names(name for name, _ in graph_outputs):
            if name in self.failed:
                raise OnnxExportError(self.failed[name])


def _parameters_and_buffers(model):
    seen = set()
    for name, value in [*model.named_parameters(), *model.named_buffers()]:
        if id(value) not in seen and value is not None:
            seen.add(id(value))
            yield name, value


def _output_tensors(result):
    """The model's outputs, nested tuples flattened in order (an LSTM's (output, (h, c)) -> three), as torch's
    exporter names them."""
    if isinstance(result, Tensor):
        return [result]
    if isinstance(result, (tuple, list)) and result:
        return [tensor for value in result for tensor in _output_tensors(value)]
    raise OnnxExportError(
        f"lamina.onnx.export: the model returned {type(result).__name__}; export needs a tensor or a tuple of tensors."
    )


@contextlib.contextmanager
def _export_mode(model):
    """Eval mode and every floating parameter recording, for the trace only; both restored after."""
    flags = [(p, p.requires_grad) for p in model.parameters()]
    with eval_mode(model):
        try:
            for parameter, _ in flags:
                if parameter.is_floating_point():
                    parameter.requires_grad_(True)
            yield model
        finally:
            for parameter, flag in flags:
                parameter.requires_grad_(flag)


# --- the check that the file computes what the model computes ---


def _runner(proto):
    """A function feeds -> outputs for the exported model: onnxruntime when installed, else onnx's evaluator."""
    payload = proto.SerializeToString()
    try:
        import onnxruntime
    except ImportError:
        from onnx.reference import ReferenceEvaluator

        evaluator = ReferenceEvaluator(proto)
        return lambda feeds: evaluator.run(None, feeds)
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    try:
        session = onnxruntime.InferenceSession(payload, options, providers=["CPUExecutionProvider"])
    except Exception as error:  # noqa: BLE001 - onnxruntime's own error types; only "not implemented" falls back
        if "NOT_IMPLEMENTED" not in str(error):
            raise
        from onnx.reference import ReferenceEvaluator  # e.g. a float64 Conv, which onnxruntime's CPU lacks

        evaluator = ReferenceEvaluator(proto)
        return lambda feeds: evaluator.run(None, feeds)
    return lambda feeds: session.run(None, feeds)


def _second_input(value: np.ndarray, rng) -> np.ndarray:
    """An input of the example's shape and dtype with other values (ints within the example's range)."""
    if value.dtype == np.bool_:
        return rng.random(value.shape) < 0.5
    if value.dtype.kind in "iu":
        low, high = (int(value.min()), int(value.max())) if value.size else (0, 0)
        return rng.integers(low, high + 1, size=value.shape).astype(value.dtype)
    spread = float(value.std()) if value.size else 1.0
    return (rng.standard_normal(value.shape) * (spread or 1.0) + float(value.mean() if value.size else 0)).astype(
        value.dtype
    )


def _verify(proto, model, inputs, input_names):
    from lamina.creation import tensor as make_tensor

    run = _runner(proto)
    examples = [np.asarray(value.array) for value in inputs]
    trials = [
        ("the example input", examples),
        ("a second random input", [_second_input(v, np.random.default_rng(0)) for v in examples]),
    ]
    for label, arrays in trials:
        with _export_mode(model), no_grad():
            expected = _output_tensors(model(*[make_tensor(a) for a in arrays]))
        got = run(dict(zip(input_names, arrays)))
        for position, (want, have) in enumerate(zip(expected, got)):
            want = np.asarray(want.array)
            problem = _difference(want, np.asarray(have))
            if problem is None:
                continue
            if label == "the example input":
                cause = "the translation of some op is wrong (a lamina bug: please report it)"
            else:
                cause = (
                    "the model's output depends on its input through something the trace cannot see: Python "
                    "control flow on tensor values, .item()/.tolist(), NumPy on .numpy(), or an in-place change "
                    "outside the graph; the trace froze the example's values"
                )
            raise OnnxExportError(
                f"lamina.onnx.export: the exported file does not reproduce output {position} of the model on {label} "
                f"({problem}): {cause}. Pass verify=False to write it anyway."
            )


def _difference(want: np.ndarray, have: np.ndarray):
    if want.shape != have.shape:
        return f"shape {have.shape} instead of {want.shape}"
    if want.dtype.kind not in "fc":
        return None if np.array_equal(want, have) else "different values"
    if not np.array_equal(np.isnan(want), np.isnan(have)):
        return "NaN at different places"
    scale = max(1.0, float(np.nanmax(np.abs(want))) if want.size else 1.0)
    tolerance = (1e-4 if want.dtype == np.float32 else 1e-9) * scale
    worst = float(np.nanmax(np.abs(want.astype(np.float64) - have))) if want.size else 0.0
    return None if worst <= tolerance else f"max abs difference {worst:.3g} > {tolerance:.3g}"
