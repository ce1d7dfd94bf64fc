"""torch.jit: TorchScript's names, so that programs which script or trace a model run; the model runs eagerly.

`script` and `trace` give back the module or function itself: TorchScript compiles Python into a graph that
computes what the Python computes, so results are the same, at lamina's eager speed (as `lamina.compile`).
What only a compiled archive can do is refused by name: `save`/`load` of TorchScript files (save the
state_dict with lamina.save instead). The decorators (`ignore`, `unused`, `export`) and `annotate` are
identities, and `is_scripting()`/`is_tracing()` are False, truthfully.
"""

from lamina.errors import CheckpointError


def script(obj=None, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """The module or function itself (run eagerly); usable as `@torch.jit.script`."""
    return obj


def trace(func, example_inputs=None, *args, **kwargs):
    """The module or function itself (run eagerly): tracing records what an eager call computes."""
    if not callable(func):
        raise TypeError(f"jit.trace: expects a module or a function; got {type(func).__name__}.")
    return func


def trace_module(module, inputs, *args, **kwargs):
    return module


def _identity_decorator(fn=None, **options):
    return fn if fn is not None else (lambda function: function)


ignore = unused = export = _identity_decorator


def annotate(the_type, the_value):
    return the_value


def is_scripting() -> bool:
    return False


def is_tracing() -> bool:
    return False


def save(module, path, *args, **kwargs):
    raise CheckpointError(
        "jit.save: lamina writes no TorchScript archives (they hold the model's code); save "
        "module.state_dict() with lamina.save and rebuild the module to load it."
    )


def load(path, *args, **kwargs):
    raise CheckpointError(
        f"jit.load: lamina reads no TorchScript archives ({path}); load a state_dict saved with lamina.save (or "
        "a torch.save state_dict file) into the module instead."
    )


class Final:  # `x: torch.jit.Final[int]` in a module's annotations
    def __class_getitem__(cls, item):
        return item


__all__ = ["script", "trace", "trace_module", "ignore", "unused", "export", "annotate", "is_scripting",
           "is_tracing", "save", "load", "Final"]  # fmt: skip
