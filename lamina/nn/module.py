"""Module: the base of every layer and model.

Assigning a Parameter or a Module to an attribute registers it, so
`parameters()`, `state_dict()`, `to()` and `train()` find everything without
being told. Buffers (running statistics, ...) are registered with
`register_buffer`. Names and behaviour follow torch.nn.Module, so state_dicts
carry the same keys.
"""

from collections import OrderedDict, namedtuple

from lamina import dtypes
from lamina.autograd.grad_mode import no_grad
from lamina.errors import ShapeError
from lamina.nn.backward_hooks import call_with_backward_hooks
from lamina.nn.parameter import Parameter
from lamina.tensor import Tensor, parse_to_arguments

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class: subclasses call `super().__init__()`, assign their parts, and define `forward`."""

    def __init__(self):
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_backward_hooks", OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        for hook in list(self._forward_pre_hooks.values()):
            replaced = hook(self, args)
            if replaced is not None:
                args = replaced if isinstance(replaced, tuple) else (replaced,)
        if self._backward_hooks:
            output = call_with_backward_hooks(self, list(self._backward_hooks.values()), args, kwargs)
        else:
            output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            replaced = hook(self, args, output)
            if replaced is not None:
                output = replaced
        return output

    # --- registration ---
    def __setattr__(self, name, value):
        parameters = self.__dict__.get("_parameters")
        if parameters is None:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before assigning attributes.")
        if isinstance(value, (Parameter, Module)):
            target = parameters if isinstance(value, Parameter) else self._modules
            for store in (parameters, self._buffers, self._modules):
                if store is not target:
                    store.pop(name, None)
            self.__dict__.pop(name, None)
            target[name] = value  # a name already there keeps its place (children() order, as in torch)
        elif name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"{type(self).__name__}: buffer '{name}' must be a tensor or None; got {type(value).__name__}."
                )
            self._buffers[name] = value
        elif name in parameters or name in self._modules:
            if value is not None:
                kind = "parameter" if name in parameters else "submodule"
                raise TypeError(
                    f"{type(self).__name__}: cannot assign {type(value).__name__} as {kind} '{name}' "
                    f"({'Parameter' if kind == 'parameter' else 'Module'} or None expected)."
                )
            (parameters if name in parameters else self._modules)[name] = None
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        for store in ("_parameters", "_buffers", "_modules"):
            values = self.__dict__.get(store)
            if values is not None and name in values:
                return values[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param):
        if param is None:
            self._parameters[name] = None
        else:
            setattr(self, name, param)

    def register_buffer(self, name: str, tensor, persistent: bool = True):
        """A tensor that is part of the module's state but not learned (e.g. running_mean)."""
        self.__dict__.pop(name, None)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name: str, module):
        self._modules[name] = module

    register_module = add_module

    # --- traversal ---
    def named_modules(self, prefix: str = "", memo=None):
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(f"{prefix}.{name}" if prefix else name, memo)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        for name, child in self._modules.items():
            if child is not None:
                yield name, child

    def children(self):
        for _, child in self.named_children():
            yield child

    def named_parameters(self, prefix: str = "", recurse: bool = True):
        seen = set()
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, param in module._parameters.items():
                if param is None or id(param) in seen:
                    continue
                seen.add(id(param))  # a shared parameter is listed once
                yield (f"{module_prefix}.{name}" if module_prefix else name), param

    def parameters(self, recurse: bool = True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True):
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, buffer in module._buffers.items():
                if buffer is not None:
                    yield (f"{module_prefix}.{name}" if module_prefix else name), buffer

    def buffers(self, recurse: bool = True):
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    # --- modes and bulk changes ---
    def train(self, mode: bool = True):
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True):
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True):
        for param in self.parameters():
            if set_to_none:
                param.grad = None
            elif param.grad is not None:
                param.grad = param.grad.detach()
                with no_grad():
                    param.grad.zero_()

    def apply(self, fn):
        """Call fn on every submodule (children first) and on self: e.g. custom initialisation."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def to(self, *args, dtype=None, device=None, non_blocking=False):
        """Move/cast parameters and buffers in place; only floating ones change dtype (as PyTorch)."""
        dtype, device = parse_to_arguments(args, dtype, device)
        with no_grad():
            for tensor in list(self.parameters()) + list(self.buffers()):
                moved = tensor.to(device) if device is not None else tensor
                if dtype is not None and moved.is_floating_point():
                    moved = moved.to(dtype)
                if moved is not tensor:
                    tensor.array, tensor.device = moved.array, moved.device
                    if tensor.grad is not None:
                        tensor.grad = tensor.grad.to(moved.device).to(moved.dtype)
        return self

    def float(self):
        return self.to(dtypes.float32)

    def double(self):
        return self.to(dtypes.float64)

    def half(self):
        return self.to(dtypes.float16)

    def cpu(self):
        return self.to("cpu")

    # --- hooks ---
    def register_forward_hook(self, hook):
        """hook(module, inputs, output) after forward; a returned value replaces the output."""
        return _HookHandle(self._forward_hooks, hook)

    def register_forward_pre_hook(self, hook):
        """hook(module, inputs) before forward; a returned value replaces the inputs."""
        return _HookHandle(self._forward_pre_hooks, hook)

    def register_full_backward_hook(self, hook):
        """hook(module, grad_input, grad_output) once the gradients of the module's inputs are computed;
        a returned tuple replaces grad_input (see backward_hooks.py)."""
        return _HookHandle(self._backward_hooks, hook)

    register_backward_hook = register_full_backward_hook  # PyTorch's older name (same contract here)

    # --- state ---
    def state_dict(self, destination=None, prefix: str = "", keep_vars: bool = False):
        """Every parameter and persistent buffer by dotted name, e.g. '0.weight' (PyTorch's keys)."""
        destination = OrderedDict() if destination is None else destination
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent:
                destination[prefix + name] = buffer if keep_vars else buffer.detach()
        for name, child in self._modules.items():
            if child is not None:
                child.state_dict(destination, prefix + name + ".", keep_vars)
        return destination

    def load_state_dict(self, state_dict, strict: bool = True):
        """Copy values in place; every missing, unexpected and mismatched key is reported at once.

        strict=True raises one ShapeError listing all problems (BAD_INPUTS row 27);
        strict=False loads what matches and returns IncompatibleKeys(missing, unexpected).
        A shape mismatch is an error either way; a dtype mismatch is one with strict=True,
        and is cast with strict=False.
        """
        for name, module in list(self.named_modules()):
            if hasattr(module, "_materialise_from"):  # a lazy layer not called yet: sized from the checkpoint
                module._materialise_from(state_dict, name + "." if name else "")
        own = self.state_dict(keep_vars=True)
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        mismatched = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            source = state_dict[key]
            if not isinstance(source, Tensor):
                from lamina.creation import tensor

                source = tensor(source)  # its own dtype (Tensor(...) would make every value a float)
            if tuple(source.shape) != tuple(target.shape):
                mismatched.append(
                    f"size mismatch for {key}: copying a param with shape {tuple(source.shape)} "
                    f"from checkpoint, the shape in current model is {tuple(target.shape)}."
                )
            elif source.dtype is not target.dtype and strict:
                mismatched.append(
                    f"dtype mismatch for {key}: the checkpoint has {source.dtype.name}, the current "
                    f"model has {target.dtype.name}."
                )
        problems = list(mismatched)
        if strict:
            if missing:
                problems.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ".")
            if unexpected:
                problems.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ".")
        if problems:
            raise ShapeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(problems)
                + "\nCheck that the checkpoint was saved from the same architecture (or pass strict=False to "
                "load the matching keys and get a report)."
            )
        with no_grad():
            for key, target in own.items():
                if key in state_dict:
                    source = state_dict[key]
                    source = source if isinstance(source, Tensor) else Tensor(source)
                    target.copy_(source.to(target.device))
        return IncompatibleKeys(missing, unexpected)

    # --- printing ---
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = []
        for name, child in self._modules.items():
            child_repr = repr(child).replace("\n", "\n  ")
            lines.append(f"({name}): {child_repr}")
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        body = "\n  ".join(([extra] if extra else []) + lines)
        return f"{type(self).__name__}(\n  {body}\n)"

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules))


class _HookHandle:
    _next_id = 0

    def __init__(self, store, hook):
        _HookHandle._next_id += 1
        self.id = _HookHandle._next_id
        self.store = store
        store[self.id] = hook

    def remove(self):
        self.store.pop(self.id, None)
