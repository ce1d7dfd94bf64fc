"""`lamina.autograd.Function`: your own differentiable op, written as in PyTorch.

    class MyReLU(lamina.autograd.Function):
        @staticmethod
        def forward(ctx, x):                    # Tensors in (no graph is recorded here), Tensor(s) out
            ctx.save_for_backward(x)
            return x.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):         # one gradient per forward argument (None for non-tensors)
            x, = ctx.saved_tensors
            return grad_output * (x > 0)

    y = MyReLU.apply(x)

Unlike lamina's own primitives (lamina.autograd.function.Function, whose forward works on backend
arrays for speed), forward and backward here see Tensors, so PyTorch code runs unchanged. The call
becomes one node of the graph (`y.grad_fn`, named `MyReLUBackward`); backward is run with grad mode
set as the engine asks, so a backward written in Tensor ops supports `create_graph=True` unless it is
decorated with `once_differentiable`.

Several outputs are joined into one flat node output (the engine's nodes have one output) and handed
back as views of it; outputs marked non-differentiable, or of an integer dtype, stay outside the graph.
"""

import functools

from lamina.autograd.function import Function as Primitive
from lamina.autograd.grad_mode import no_grad, state
from lamina.errors import AutogradError, DTypeError
from lamina.tensor import Tensor


class FunctionCtx:
    """The `ctx` of a user Function: saved tensors, which inputs need gradients, and your own attributes."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self.materialize_grads = True
        self._to_save = ()
        self._versions = ()
        self._non_differentiable = set()
        self._dirty = set()
        self._outputs = {}  # id(forward output) -> the graph's output tensor, to hand back from saved_tensors

    def save_for_backward(self, *tensors):
        for tensor in tensors:
            if tensor is not None and not isinstance(tensor, Tensor):
                raise TypeError(
                    f"save_for_backward: can only save tensors (or None); got {type(tensor).__name__}. "
                    "Store other values as attributes of ctx (ctx.value = ...)."
                )
        self._to_save = tensors
        self._versions = tuple(None if t is None else t._version[0] for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        if self._to_save is None:
            raise AutogradError(
                "saved_tensors: trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Specify retain_graph=True if you need to."
            )
        for tensor, version in zip(self._to_save, self._versions):
            if tensor is not None and tensor._version[0] != version:
                raise AutogradError(
                    "saved_tensors: one of the variables needed for gradient computation has been modified by an "
                    f"inplace operation: a tensor of shape {tuple(tensor.shape)} is at version {tensor._version[0]}; "
                    f"expected version {version} instead. Clone it before modifying it."
                )
        return tuple(self._outputs.get(id(t), t) if t is not None else None for t in self._to_save)

    saved_variables = saved_tensors

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable.update(id(t) for t in tensors)

    def mark_dirty(self, *tensors):
        self._dirty.update(id(t) for t in tensors)

    def set_materialize_grads(self, value: bool):
        self.materialize_grads = bool(value)


class Function:
    """Base class of a user-defined differentiable op (PyTorch's `torch.autograd.Function`)."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("autograd.Function: define a static forward(ctx, *args).")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("autograd.Function: define a static backward(ctx, *grad_outputs).")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """PyTorch 2's split style: a forward without ctx, then setup_context(ctx, inputs, output)."""

    @classmethod
    def apply(cls, *args, **kwargs):
        tensors = [a for a in args if isinstance(a, Tensor)]
        record = state.grad_enabled and any(t.requires_grad for t in tensors)
        ctx = FunctionCtx(tuple(isinstance(a, Tensor) and a.requires_grad for a in args))
        with no_grad():
            if _uses_setup_context(cls):
                outputs = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, outputs)
            else:
                outputs = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(outputs, tuple)
        outputs = (outputs,) if single else outputs
        for index, output in enumerate(outputs):
            if output is not None and not isinstance(output, Tensor):
                raise TypeError(f"{cls.__name__}.forward: output {index} is a {type(output).__name__}, not a Tensor.")
        if not record:
            return outputs[0] if single else outputs
        linked = _link(cls, ctx, args, tensors, outputs)
        return linked[0] if single else linked


def _uses_setup_context(cls) -> bool:
    return cls.setup_context is not Function.setup_context


def _differentiable(ctx, output) -> bool:
    return output is not None and output.is_floating_point() and id(output) not in ctx._non_differentiable


def _link(cls, ctx, args, tensors, outputs):
    """Record the call as one node: differentiable outputs packed into its output, handed back as views."""
    chosen = [i for i, output in enumerate(outputs) if _differentiable(ctx, output)]
    if not chosen:
        return outputs
    dtype = outputs[chosen[0]].dtype
    for i in chosen:
        if outputs[i].dtype != dtype or outputs[i].device is not outputs[chosen[0]].device:
            raise DTypeError(
                f"{cls.__name__}.forward: differentiable outputs must share one dtype and device; got "
                f"{[(outputs[j].dtype.name, str(outputs[j].device)) for j in chosen]}. Mark the others "
                "non-differentiable (ctx.mark_non_differentiable)."
            )
    xp = outputs[chosen[0]].device.xp
    packed = xp.concatenate([outputs[i].array.reshape(-1) for i in chosen]) if len(chosen) > 1 else None
    node_output = _named_node(cls).apply(*tensors, user=(cls, ctx, args, outputs, chosen), packed=packed)
    result = list(outputs)
    for i, piece in zip(chosen, _unpack(node_output, outputs, chosen)):
        result[i] = piece
    for i in chosen:
        ctx._outputs[id(outputs[i])] = result[i]
    return tuple(result)


def _unpack(flat, outputs, chosen) -> list:
    """The node's one output (or its gradient) as the differentiable outputs it packs, each in its shape."""
    if len(chosen) == 1:
        return [flat]
    pieces, start = [], 0
    for i in chosen:
        size = outputs[i].numel()
        pieces.append(flat[start : start + size].view(*outputs[i].shape))
        start += size
    return pieces


class _UserNode(Primitive):
    """The graph node of one call of a user Function; its class is named after the Function (see _named_node)."""

    user = None  # (Function class, ctx, forward args, forward outputs, indices of the differentiable outputs)

    @staticmethod
    def forward(node, *arrays, user, packed):
        node.user = user
        fn, ctx, args, outputs, chosen = user
        return packed if packed is not None else outputs[chosen[0]].array

    @staticmethod
    def backward(node, grad_out):
        fn, ctx, args, outputs, chosen = node.user
        grads = [None] * len(outputs)
        for i, piece in zip(chosen, _unpack(grad_out, outputs, chosen)):
            grads[i] = piece
        if ctx.materialize_grads:
            grads = [g if g is not None or o is None else o.new_zeros(*o.shape) for g, o in zip(grads, outputs)]
        returned = fn.backward(ctx, *grads)
        returned = returned if isinstance(returned, tuple) else (returned,)
        if len(returned) < len(args):
            raise AutogradError(
                f"{fn.__name__}.backward: returned {len(returned)} gradients for {len(args)} forward arguments; "
                "return one per argument (None for the ones that are not tensors or need none)."
            )
        tensor_grads = []
        for arg, grad in zip(args, returned):
            if isinstance(arg, Tensor):
                if grad is not None and not isinstance(grad, Tensor):
                    grad = arg.new_tensor(grad)
                if grad is not None and grad.dtype != arg.dtype:
                    grad = grad.to(arg.dtype)
                tensor_grads.append(grad)
        return tuple(tensor_grads)

    def release_saved(self):
        if self.user is not None:
            self.user[1]._to_save = None


@functools.cache
def _named_node(fn):
    """One node class per user Function, named after it, so graphs and errors show its name."""
    return type(fn.__name__, (_UserNode,), {"__slots__": ()})


def once_differentiable(backward):
    """A backward that supports no double backward: it runs without recording, and says so if asked.

    NOTE: stricter than PyTorch, which fails only when the double backward reaches the node: here a
    backward with create_graph=True (the engine then records) is refused at once, naming the reason."""

    @functools.wraps(backward)
    def wrapper(ctx, *grad_outputs):
        if state.grad_enabled:
            raise AutogradError(
                "once_differentiable: this Function's backward is not differentiable; create_graph=True "
                "(a double backward) cannot go through it."
            )
        with no_grad():
            return backward(ctx, *grad_outputs)

    return wrapper
