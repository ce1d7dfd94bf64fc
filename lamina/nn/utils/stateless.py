"""functional_call (torch.func.functional_call, torch.nn.utils.stateless.functional_call): a module run with
some of its parameters and buffers replaced by given tensors, for meta-learning, per-sample gradients and
ensembling; the module's own tensors are back in place afterwards, even when the call raises."""

from lamina.errors import ShapeError


def _owner(module, dotted):
    """(the submodule holding `dotted`'s last name, that name, its store: '_parameters' or '_buffers')."""
    *path, name = dotted.split(".")
    owner = module
    for part in path:
        child = owner._modules.get(part)
        if child is None:
            return None, name, None
        owner = child
    for store in ("_parameters", "_buffers"):
        if name in getattr(owner, store):
            return owner, name, store
    return None, name, None


def _given_here(given, module, child, name):
    """Whether `name` of `child` is itself one of the given keys (without tie_weights only those are replaced)."""
    for key in given:
        owner, own_name, _ = _owner(module, key)
        if owner is child and own_name == name:
            return True
    return False


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """module(*args, **kwargs) with the tensors of `parameter_and_buffer_dicts` (a dict, or several to merge,
    keyed by state_dict names) in place of its own. strict=True requires every parameter and buffer given."""
    dicts = parameter_and_buffer_dicts
    given = {}
    for part in dicts if isinstance(dicts, (tuple, list)) else (dicts,):
        for key, value in part.items():
            if key in given:
                raise ValueError(f"functional_call: '{key}' appears in more than one of the given dicts.")
            given[key] = value
    unknown = [key for key in given if _owner(module, key)[0] is None]
    if unknown:
        raise ShapeError(
            f"functional_call: {type(module).__name__} has no parameter or buffer named {', '.join(unknown)}."
        )
    if strict:
        absent = [key for key in module.state_dict(keep_vars=True) if key not in given]
        if absent:
            raise ShapeError(f"functional_call (strict=True): missing {', '.join(absent)}.")
    substitutes = {}  # id of a module's own tensor -> what stands in for it
    for key, value in given.items():
        owner, name, store = _owner(module, key)
        substitutes[id(getattr(owner, store)[name])] = value
    replaced = []
    try:
        for _, child in module.named_modules():
            for store in (child._parameters, child._buffers):
                for name, original in store.items():
                    # tie_weights: a tensor shared by several modules (tied embeddings) is replaced everywhere
                    key_given = id(original) in substitutes
                    if key_given and (tie_weights or _given_here(given, module, child, name)):
                        replaced.append((store, name, original))
                        store[name] = substitutes[id(original)]
        args = () if args is None else (args if isinstance(args, tuple) else (args,))
        return module(*args, **(kwargs or {}))
    finally:
        for store, name, original in reversed(replaced):
            store[name] = original
