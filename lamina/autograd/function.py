"""Function: a differentiable primitive, and the node it leaves in the graph.

A primitive is a subclass with two static methods, a few lines apart so the
chain rule can be checked by eye:

    class Mul(Function):
        @staticmethod
        def forward(ctx, x, y):           # backend arrays in, one array out
            ctx.save_for_backward(x, y)
            return x * y
        @staticmethod
        def backward(ctx, grad_out):      # Tensors in, one gradient per input out
            x, y = ctx.saved
            return sum_to(grad_out * y, x.shape), sum_to(grad_out * x, y.shape)

Positional arguments of `apply` are the tensor inputs (one gradient each);
keyword arguments are options passed to `forward` unchanged.

`forward` computes on arrays (fast, and `ctx.xp` is the inputs' backend).
`backward` computes on Tensors with Tensor ops, so the backward pass is itself
a graph when `create_graph=True`: second derivatives come for free.

`apply` below is the definition; lamina/native/dispatch.c does the same in C where it was built at
install (the per-op cost on small tensors), and LAMINA_NATIVE=0 keeps this one.

`ctx.save_for_backward` takes arrays: an input array is saved as its Tensor
(with its version, to catch later in-place changes), the output array as the
output (re-linked to this node when read), anything else as a constant.
"""

from lamina import native
from lamina.autograd.anomaly import creation_trace, first_bad_value
from lamina.autograd.grad_mode import state
from lamina.errors import AnomalyError, AutogradError, DeviceError
from lamina.tensor import Tensor

_FREED = object()  # saved values released by a backward without retain_graph

_INPUT, _OUTPUT, _CONSTANT = 0, 1, 2


class Function:
    """Base of every primitive; its instances are the graph's nodes (`tensor.grad_fn`).

    Nodes use __slots__: each primitive lists what its forward keeps on ctx for the
    backward (`__slots__ = ("dims",)`), so a node is small and its contents are
    declared. A user's own Function without __slots__ simply gets a __dict__.
    """

    __slots__ = ("device", "xp", "needs_input_grad", "next_nodes", "input_meta", "_saved", "extras")
    is_view = False  # True when the output shares memory with input 0 (reshape, transpose, ...)
    derivative = ""  # the local derivative in words, shown by lamina.viz.explain_backward

    @classmethod
    def apply(cls, *inputs, **options):
        # NOTE: the hot path of every op (benchmarks/op_overhead.py): one and two inputs are written out
        # (no lists, positional calls to forward) because a loop and a star-call cost more than the NumPy
        # work of a small op.
        first = inputs[0]
        device = first.device
        count = len(inputs)
        if count == 1:
            requires_grad = first.requires_grad
        elif count == 2:
            second = inputs[1]
            if second.device is not device:
                raise_device_mismatch(cls.__name__, inputs)
            requires_grad = first.requires_grad or second.requires_grad
        else:
            requires_grad = False
            for tensor in inputs:
                if tensor.device is not device:
                    raise_device_mismatch(cls.__name__, inputs)
                if tensor.requires_grad:
                    requires_grad = True

        ctx = cls()
        ctx.device = device
        ctx.xp = device.xp
        ctx._saved = ()
        modes = state  # one thread-local lookup, its fields read once each
        record = requires_grad and modes.grad_enabled
        ctx.needs_input_grad = tuple([tensor.requires_grad for tensor in inputs]) if record else ()
        if count == 1:
            output_array = cls.forward(ctx, first.array, **options) if options else cls.forward(ctx, first.array)
        elif count == 2 and not options:
            output_array = cls.forward(ctx, first.array, second.array)
        else:
            output_array = cls.forward(ctx, *[tensor.array for tensor in inputs], **options)
        output_device = ctx.device  # ToDevice changes it
        if type(output_array) is not output_device.array_type:
            output_array = output_device.xp.asarray(output_array)  # NumPy reductions return scalars, not arrays
        output = Tensor._make(output_array, output_device)
        if cls.is_view:
            output._version = first._version
            output._base = first._base if first._base is not None else first
        anomaly = modes.anomaly_enabled
        if anomaly and not modes.in_backward:
            _check_forward(cls, [tensor.array for tensor in inputs], output_array, device.xp)
        if record:
            _record(ctx, inputs, output, anomaly)
        return output

    @staticmethod
    def forward(ctx, *arrays, **options):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError

    @property
    def op_name(self) -> str:
        """The primitive's name, as errors and lamina.viz show it: 'Mul'."""
        return type(self).__name__

    def name(self) -> str:
        """PyTorch's name for the node: 'MulBackward0'."""
        return f"{type(self).__name__}Backward0"

    @property
    def next_functions(self) -> tuple:
        """PyTorch's view of the graph: one (node, 0) pair per input; a leaf shows as its AccumulateGrad."""
        nodes = self.next_nodes if hasattr(self, "next_nodes") else ()
        return tuple((AccumulateGrad(n) if isinstance(n, Tensor) else n, 0) for n in nodes)

    def __repr__(self) -> str:
        return f"<{self.name()}>"  # as a tensor's repr shows it in PyTorch: grad_fn=<MulBackward0>

    def node_extras(self) -> "NodeExtras":
        """The rarely used parts of a node (hooks, retain_grad, anomaly trace), made on first use."""
        if self.extras is None:
            self.extras = NodeExtras()
        return self.extras

    # --- saved values ---
    def save_for_backward(self, *arrays):
        self._saved = arrays

    def _pack_saved(self, inputs, output):
        packed = []
        for value in self._saved:
            for tensor in inputs:
                if value is tensor.array:
                    # the node that made it, named only if an error needs it (this runs for every saved input)
                    packed.append((_INPUT, tensor, tensor._version[0], tensor.grad_fn))
                    break
            else:
                if value is output.array:
                    packed.append((_OUTPUT, output.array, output._version, output._version[0]))
                else:
                    packed.append((_CONSTANT, value))
        self._saved = packed

    @property
    def saved(self) -> tuple:
        """The saved values as Tensors, checked against in-place changes since saving."""
        if self._saved is _FREED:
            raise AutogradError(
                f"{self.op_name} backward: trying to backward through the graph a second time (or directly "
                "access saved tensors after they have already been freed). Saved intermediate values of "
                "the graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or if you "
                "need to access saved tensors after calling backward."
            )
        tensors = []
        for entry in self._saved:
            kind = entry[0]
            if kind == _INPUT:
                tensor, version = entry[1], entry[2]
                if tensor._version[0] != version:
                    producer = f"output 0 of {entry[3].op_name}" if entry[3] is not None else "a leaf tensor"
                    self._raise_version(tensor.dtype.name, tensor.shape, producer, tensor._version[0], version)
                tensors.append(tensor)
            elif kind == _OUTPUT:
                data, version_box, version = entry[1], entry[2], entry[3]
                if version_box[0] != version:
                    self._raise_modified_output(data, version_box[0], version)
                tensors.append(self._output_tensor(data, version_box))
            else:
                tensors.append(Tensor._make(entry[1], self.device))
        return tuple(tensors)

    def _output_tensor(self, data, version_box):
        tensor = Tensor._make(data, self.device)
        tensor.requires_grad = True
        tensor.grad_fn = self
        tensor._version = version_box
        return tensor

    def release_saved(self):
        if self._saved:
            self._saved = _FREED

    def _raise_modified_output(self, data, now, expected):
        self._raise_version(str(data.dtype), data.shape, f"output 0 of {self.op_name}", now, expected)

    def _raise_version(self, dtype_name, shape, producer, now, expected):
        raise AutogradError(
            f"{self.op_name} backward: one of the variables needed for gradient computation has been "
            f"modified by an inplace operation: [{dtype_name} tensor of shape {tuple(shape)}], which is "
            f"{producer}, is at version {now}; expected version {expected} instead. Hint: do the "
            "in-place operation out of place (e.g. `x = x + 1` instead of `x += 1`), or clone the "
            "tensor before modifying it; lamina.autograd.detect_anomaly() shows where it was created."
        )


def _record(ctx, inputs, output, anomaly):
    """Link the output to its node and the node to its inputs' nodes: the graph that backward walks."""
    output.requires_grad = True
    output.grad_fn = ctx
    next_nodes, input_meta = [], []
    for tensor in inputs:
        node = tensor.grad_fn
        next_nodes.append(node if node is not None else (tensor if tensor.requires_grad else None))
        input_meta.append((tensor.array.shape, tensor.array.dtype))
    ctx.next_nodes, ctx.input_meta = next_nodes, input_meta
    ctx.extras = None
    if ctx._saved:
        ctx._pack_saved(inputs, output)
    if anomaly:
        ctx.node_extras().forward_trace = creation_trace()


class AccumulateGrad:
    """Where a leaf's gradient goes, as `grad_fn.next_functions` shows it (`.variable` is the leaf)."""

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = ()

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


class NodeExtras:
    """Hooks on a non-leaf tensor, its retain_grad() reference, and its anomaly-mode creation trace."""

    __slots__ = ("hooks", "retained", "forward_trace")

    def __init__(self):
        self.hooks = ()
        self.retained = None  # weak reference to the output tensor
        self.forward_trace = None


def raise_device_mismatch(op_name: str, inputs):
    devices = ", ".join(f"argument {i} on {t.device}" for i, t in enumerate(inputs))
    raise DeviceError(
        f"{op_name}: expected all tensors to be on the same device, but got {devices}. "
        "lamina never copies between devices implicitly; move them with .to(device) first."
    )


def _check_forward(cls, arrays, output_array, xp):
    bad = first_bad_value(xp, output_array)
    if bad is None:
        return
    if any(first_bad_value(xp, a) for a in arrays):
        return  # the value came in from an input: the op that made it was reported already
    raise AnomalyError(
        f"Function '{cls.__name__}' returned {bad} values in its forward output (its inputs were "
        f"finite). It was called from:\n{creation_trace()}"
    )


def _load_native_apply():
    """The native layer's Function.apply (dispatch.c), or None where the layer is off or not built (then this
    file's apply runs)."""
    if native.extension is None:
        return None
    native.extension.configure(Tensor, Function, state, _record, _check_forward, raise_device_mismatch)
    return native.extension


def anomaly_turned_on():
    """Anomaly mode was turned on in some thread (anomaly.py): dispatch.c reads the per-thread switch from now on.
    Until then it skips that read; this file's apply always reads it."""
    if native_apply is not None:
        native_apply.anomaly_turned_on()


python_apply = Function.__dict__["apply"]  # this file's classmethod: the reference, for tests when the C one runs
native_apply = _load_native_apply()
if native_apply is not None:
    Function.apply = classmethod(native_apply.apply)
