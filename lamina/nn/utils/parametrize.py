"""torch.nn.utils.parametrize: a module's tensor computed from others each time it is read.

`register_parametrization(module, "weight", P())` replaces the parameter `weight` by `P()(original)`:
the trained parameter becomes `module.parametrizations.weight.original` (the state_dict key PyTorch uses),
and reading `module.weight` runs the parametrizations in the order they were registered. As in PyTorch
the module's class is swapped for a subclass holding a property per parametrized name
("ParametrizedLinear"), and it is restored when the last one is removed. Assigning to `module.weight`
sets the original through each parametrization's `right_inverse`, when it has one.

A `right_inverse` may return several tensors (weight norm's magnitude and direction): they are stored as
`original0`, `original1`, ... and passed to the first parametrization's forward as separate arguments.
"""

import contextlib

from lamina.autograd.grad_mode import no_grad
from lamina.nn.containers import ModuleDict, ModuleList
from lamina.nn.module import Module
from lamina.nn.parameter import Parameter
from lamina.tensor import Tensor

_cache = None  # {(module id, name): tensor} inside `cached()`, else None


@contextlib.contextmanager
def cached():
    """Inside this block each parametrized tensor is computed once and reused (one RNN step after another)."""
    global _cache
    outer = _cache
    if _cache is None:
        _cache = {}
    try:
        yield
    finally:
        if outer is None:
            _cache = None


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, and its original(s) as parameters (or buffers) of this list."""

    def __init__(self, modules, original, unsafe=False):
        super().__init__(modules)
        self.unsafe = unsafe
        first = modules[0]
        with no_grad():
            stored = first.right_inverse(original) if hasattr(first, "right_inverse") else original
        self.is_tensor = isinstance(stored, Tensor)
        self.ntensors = 1 if self.is_tensor else len(stored)
        originals = [stored] if self.is_tensor else list(stored)
        for index, value in enumerate(originals):
            if not isinstance(value, Tensor):
                raise ValueError(
                    f"register_parametrization: right_inverse must return a tensor or a sequence of tensors; "
                    f"got {type(value).__name__} at position {index}."
                )
            name = "original" if self.is_tensor else f"original{index}"
            self._store(name, value.detach().clone(), original)

    def _store(self, name, value, like):
        if isinstance(like, Parameter):
            setattr(self, name, Parameter(value, requires_grad=like.requires_grad))
        else:
            self.register_buffer(name, value)

    def originals(self) -> list:
        if self.is_tensor:
            return [self.original]
        return [getattr(self, f"original{index}") for index in range(self.ntensors)]

    def right_inverse(self, value):
        """Set the original(s) so that the chain gives `value` (each parametrization's right_inverse, last first)."""
        with no_grad():
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    value = module.right_inverse(value)
                elif not self.unsafe:
                    raise RuntimeError(
                        f"parametrization {type(module).__name__} does not implement right_inverse, so the "
                        "parametrized tensor cannot be assigned."
                    )
            values = [value] if self.is_tensor else list(value)
            for original, new in zip(self.originals(), values):
                if tuple(new.shape) != tuple(original.shape) and not self.unsafe:
                    raise ValueError(
                        f"parametrization: the assigned value gives an original of shape {tuple(new.shape)}; "
                        f"expected {tuple(original.shape)}."
                    )
                original.copy_(new)

    def forward(self):
        modules = list(self)
        value = modules[0](*self.originals())
        for module in modules[1:]:
            value = module(value)
        return value


def _property(name):
    def get(module):
        if _cache is None:
            return module.parametrizations[name]()
        key = (id(module), name)
        if key not in _cache:
            _cache[key] = module.parametrizations[name]()
        return _cache[key]

    def set_(module, value):
        module.parametrizations[name].right_inverse(value)

    return property(get, set_, doc=f"the parametrized tensor '{name}'")


def _parametrized_setattr(module, name, value):
    """Assigning to a parametrized name, a Parameter included, sets its original(s) (as in PyTorch)."""
    if is_parametrized(module, name):
        module.parametrizations[name].right_inverse(value)
    else:
        Module.__setattr__(module, name, value)


def is_parametrized(module, tensor_name=None) -> bool:
    parametrizations = module.__dict__.get("_modules", {}).get("parametrizations")
    if not isinstance(parametrizations, ModuleDict):
        return False
    return len(parametrizations) > 0 if tensor_name is None else tensor_name in parametrizations


def type_before_parametrizations(module) -> type:
    """The module's class before any parametrization swapped it."""
    return type(module).__bases__[0] if is_parametrized(module) else type(module)


def register_parametrization(module, tensor_name, parametrization, *, unsafe=False):
    """Parametrize `module.<tensor_name>` (a parameter or a buffer) by the module `parametrization`."""
    if not isinstance(parametrization, Module):
        raise TypeError(
            f"register_parametrization: the parametrization must be an nn.Module; got {type(parametrization).__name__}."
        )
    if is_parametrized(module, tensor_name):
        chain = module.parametrizations[tensor_name]
        if not unsafe:
            with no_grad():
                check = parametrization(chain())
            if not isinstance(check, Tensor):
                raise ValueError("register_parametrization: a parametrization must return a tensor.")
        chain.append(parametrization)
        return module
    original = module._parameters.get(tensor_name, module._buffers.get(tensor_name))
    if original is None:
        raise ValueError(
            f"register_parametrization: module {type(module).__name__} has no parameter or buffer '{tensor_name}'."
        )
    chain = ParametrizationList([parametrization], original, unsafe=unsafe)
    if not unsafe:
        with no_grad():
            value = chain()
        if not isinstance(value, Tensor) or (tuple(value.shape), value.dtype) != (
            tuple(original.shape),
            original.dtype,
        ):
            got = f"{tuple(value.shape)} {value.dtype}" if isinstance(value, Tensor) else type(value).__name__
            raise ValueError(
                f"register_parametrization: the parametrization of '{tensor_name}' must keep its shape and "
                f"dtype ({tuple(original.shape)} {original.dtype}); it gives {got}. Pass unsafe=True to allow it."
            )
    if not is_parametrized(module):
        cls = type(module)
        module.__class__ = type(f"Parametrized{cls.__name__}", (cls,), {"__setattr__": _parametrized_setattr})
        module.parametrizations = ModuleDict()
    delattr(module, tensor_name)
    setattr(type(module), tensor_name, _property(tensor_name))
    module.parametrizations[tensor_name] = chain
    return module


def remove_parametrizations(module, tensor_name, leave_parametrized=True):
    """Undo `register_parametrization`: `tensor_name` becomes a parameter again, holding the parametrized value
    (leave_parametrized=True) or the original."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(
            f"remove_parametrizations: module {type(module).__name__} has no parametrization on '{tensor_name}'."
        )
    chain = module.parametrizations[tensor_name]
    if not leave_parametrized and not chain.is_tensor:
        raise ValueError(
            "remove_parametrizations: leave_parametrized=False needs a single original tensor; this "
            f"parametrization of '{tensor_name}' keeps {chain.ntensors}."
        )
    with no_grad():
        value = chain() if leave_parametrized else chain.original
    first = chain.originals()[0]
    if chain.is_tensor and tuple(value.shape) == tuple(first.shape) and value.dtype == first.dtype:
        with no_grad():
            first.copy_(value)  # the same Parameter object: an optimizer built on it goes on working
        restored = first
    elif isinstance(first, Parameter):
        restored = Parameter(value.detach(), requires_grad=any(o.requires_grad for o in chain.originals()))
    else:
        restored = value.detach()
    del module.parametrizations[tensor_name]
    delattr(type(module), tensor_name)
    if isinstance(restored, Parameter):
        Module.__setattr__(module, tensor_name, restored)
    else:
        module.register_buffer(tensor_name, restored)
    if not module.parametrizations:
        del module.parametrizations
        module.__class__ = type(module).__bases__[0]
    return module
