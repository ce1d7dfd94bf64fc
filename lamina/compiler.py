"""`lamina.compile`: PyTorch's torch.compile accepted, running the function or module eagerly.

torch.compile never changes what a model computes, only how fast; `backend="eager"` is one of its own
modes. lamina has no graph capture yet (the capture-and-replay design is issue 19), so every backend runs
eagerly here: a program that calls `model = torch.compile(model)` runs unchanged, at lamina's eager speed.
"""


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None, options=None, disable=False):
    """Return `model` itself (or, used as `@lamina.compile(...)`, a decorator returning the function)."""
    if model is None:
        return lambda function: function
    if not callable(model):
        raise TypeError(f"compile: expects a module or a function; got {type(model).__name__}.")
    return model
