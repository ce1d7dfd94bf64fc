"""Module backward hooks: `register_full_backward_hook(hook)`, called as hook(module, grad_input, grad_output).

The module's tensor inputs and its output pass through identity Functions. The output's one records
the gradient arriving at the output (grad_output); the inputs' one, run once the gradients with respect
to every input are known, calls the hooks, which may replace grad_input by returning a tuple (PyTorch's
contract). Where no input requires grad, the hooks are called from the output's node with
grad_input of Nones, as PyTorch does.
"""

from lamina.autograd.custom import Function
from lamina.tensor import Tensor


class _Call:
    """What one forward call shares between its input and output identities."""

    def __init__(self, module, hooks, inputs_need_grad):
        self.module, self.hooks, self.inputs_need_grad = module, hooks, inputs_need_grad
        self.grad_output = None

    def run(self, grad_input: tuple) -> tuple:
        for hook in self.hooks:
            replaced = hook(self.module, grad_input, self.grad_output)
            if replaced is not None:
                if not isinstance(replaced, (tuple, list)) or len(replaced) != len(grad_input):
                    raise TypeError(
                        f"{type(self.module).__name__} backward hook: must return None or a tuple of "
                        f"{len(grad_input)} gradient(s) (one per input); got {type(replaced).__name__}."
                    )
                grad_input = tuple(replaced)
        return grad_input


class _InputIdentity(Function):
    @staticmethod
    def forward(ctx, call, *tensors):
        ctx.call = call
        return tensors if len(tensors) > 1 else tensors[0]

    @staticmethod
    def backward(ctx, *grads):
        return (None, *ctx.call.run(tuple(grads)))


class _OutputIdentity(Function):
    @staticmethod
    def forward(ctx, call, output):
        ctx.call = call
        return output

    @staticmethod
    def backward(ctx, grad_output):
        ctx.call.grad_output = (grad_output,)
        if not ctx.call.inputs_need_grad:
            ctx.call.run((None,))
        return None, grad_output


def call_with_backward_hooks(module, hooks, args, kwargs):
    """Run module.forward(*args) with its inputs and output wrapped so that backward calls the hooks."""
    positions = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
    call = _Call(module, hooks, bool(positions))
    if positions:
        wrapped = _InputIdentity.apply(call, *[args[i] for i in positions])
        wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
        args = list(args)
        for i, tensor in zip(positions, wrapped):
            args[i] = tensor
    output = module.forward(*args, **kwargs)
    if isinstance(output, Tensor) and output.requires_grad:
        output = _OutputIdentity.apply(call, output)
    return output
