"""torch.func's everyday names: functional_call, grad, grad_and_value, vmap, jacrev, hessian.

grad and the Jacobians are autograd.grad and autograd.functional underneath. vmap maps a function over a
batch dimension by calling it once per slice and stacking the results: the same values as PyTorch's
vectorised vmap for functions without side effects, at a Python loop's speed.
"""

from lamina.autograd import functional as _functional
from lamina.autograd import grad as _grad
from lamina.autograd.grad_mode import enable_grad
from lamina.errors import AutogradError, ShapeError
from lamina.nn.utils.stateless import functional_call
from lamina.tensor import Tensor

__all__ = ["functional_call", "grad", "grad_and_value", "vmap", "jacrev", "hessian"]


def _flatten(tree):
    """(the tensors of a tensor, dict, list or tuple of them, nested; a function rebuilding it from new ones)."""
    if isinstance(tree, Tensor):
        return [tree], lambda leaves: leaves[0]
    if isinstance(tree, dict):
        keys = list(tree)
        parts = [_flatten(tree[k]) for k in keys]
    elif isinstance(tree, (list, tuple)):
        keys = None
        parts = [_flatten(item) for item in tree]
    else:
        raise TypeError(f"lamina.func: expects tensors, or dicts, lists and tuples of them; got {type(tree).__name__}.")
    counts = [len(leaves) for leaves, _ in parts]

    def rebuild(leaves):
        items, start = [], 0
        for (_, build), count in zip(parts, counts):
            items.append(build(leaves[start : start + count]))
            start += count
        if keys is not None:
            return type(tree)(zip(keys, items))
        return type(tree)(items)

    return [leaf for leaves, _ in parts for leaf in leaves], rebuild


def grad_and_value(func, argnums=0, has_aux=False):
    """A function returning (d func / d args[argnums], func(*args)) for func with a one-element output; an
    argument may be a tensor or a dict, list or tuple of them (the gradient has its structure)."""
    single = isinstance(argnums, int)
    numbers = (argnums,) if single else tuple(argnums)

    def wrapped(*args, **kwargs):
        with enable_grad():
            args = list(args)
            flat, rebuilders = [], []
            for number in numbers:
                leaves, rebuild = _flatten(args[number])
                leaves = [leaf.detach().requires_grad_(True) for leaf in leaves]
                args[number] = rebuild(leaves)
                flat.append(leaves)
                rebuilders.append(rebuild)
            result = func(*args, **kwargs)
            output, aux = result if has_aux else (result, None)
            if not isinstance(output, Tensor) or output.numel() != 1:
                raise AutogradError("grad: the function must return a Tensor with one element (a loss).")
            everything = [leaf for leaves in flat for leaf in leaves]
            found = _grad(output.reshape(()), everything, allow_unused=True)
        found = [g if g is not None else leaf.new_zeros(*leaf.shape) for g, leaf in zip(found, everything)]
        grads, start = [], 0
        for leaves, rebuild in zip(flat, rebuilders):
            grads.append(rebuild(found[start : start + len(leaves)]))
            start += len(leaves)
        grads = grads[0] if single else tuple(grads)
        value = output.detach()
        return (grads, (value, aux)) if has_aux else (grads, value)

    return wrapped


def grad(func, argnums=0, has_aux=False):
    """A function returning d func / d args[argnums] (and func's aux output with has_aux=True)."""
    both = grad_and_value(func, argnums, has_aux)

    def wrapped(*args, **kwargs):
        grads, value = both(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads

    return wrapped


def jacrev(func, argnums=0):
    def wrapped(*args):
        numbers = (argnums,) if isinstance(argnums, int) else tuple(argnums)

        def of_chosen(*chosen):
            full = list(args)
            for number, value in zip(numbers, chosen):
                full[number] = value
            return func(*full)

        chosen = tuple(args[n] for n in numbers)
        return _functional.jacobian(of_chosen, chosen[0] if isinstance(argnums, int) else chosen)

    return wrapped


def hessian(func, argnums=0):
    if not isinstance(argnums, int):
        raise ValueError("hessian: lamina.func.hessian takes one argnums (an int).")

    def wrapped(*args):
        def of_chosen(value):
            full = list(args)
            full[argnums] = value
            return func(*full)

        return _functional.hessian(of_chosen, args[argnums])

    return wrapped


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """func mapped over dim in_dims of its tensor arguments (None: an argument passed whole to every call),
    the results stacked along out_dims."""
    from lamina.functional import stack

    def wrapped(*args):
        dims = in_dims if isinstance(in_dims, (tuple, list)) else (in_dims,) * len(args)
        if len(dims) != len(args):
            raise ValueError(f"vmap: in_dims has {len(dims)} entries for {len(args)} arguments.")
        if any(d is not None and not isinstance(a, Tensor) for a, d in zip(args, dims)):
            raise TypeError("vmap: only tensor arguments can be mapped over; give the others in_dims None.")
        sizes = {a.shape[d] for a, d in zip(args, dims) if d is not None}
        if len(sizes) != 1:
            raise ShapeError(f"vmap: the mapped dimensions must have one size; got sizes {sorted(sizes)}.")
        (size,) = sizes
        results = [func(*(a if d is None else a.select(d, i) for a, d in zip(args, dims))) for i in range(size)]
        leaves = [_flatten(result) for result in results]
        count = len(leaves[0][0])
        outs = out_dims if isinstance(out_dims, (tuple, list)) else (out_dims,) * count
        stacked = [stack([flat[k] for flat, _ in leaves], dim=o) for k, o in zip(range(count), outs)]
        return leaves[0][1](stacked)  # the results' structure (a tensor, a tuple, a dict of gradients, ...)

    return wrapped
