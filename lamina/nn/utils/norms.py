"""The hook-based weight and spectral normalisation: `nn.utils.weight_norm` and `nn.utils.spectral_norm`.

PyTorch's older forms, still what most GAN and vocoder code calls (PyTorch now points to the parametrized
ones in parametrizations.py, which lamina has too). The parameter is replaced by its parts
(`weight_g` and `weight_v`; `weight_orig` with the buffers `weight_u` and `weight_v`), and a forward
pre-hook recomputes `module.weight` from them before every call, so the state_dict keys are PyTorch's.
"""

import warnings

from lamina.autograd.grad_mode import no_grad
from lamina.nn.functional import normalize
from lamina.nn.parameter import Parameter
from lamina.nn.utils.parametrizations import _as_matrix, _default_dim, norm_except_dim


class _WeightNormHook:
    label, parameters, buffers = "weight_norm", ("_g", "_v"), ()  # what it adds beside the module's parameters

    def __init__(self, name, dim):
        self.name, self.dim = name, dim

    def compute_weight(self, module):
        g, v = getattr(module, self.name + "_g"), getattr(module, self.name + "_v")
        return v * (g / norm_except_dim(v, self.dim))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module))

    def final_weight(self, module):
        return self.compute_weight(module)


class _SpectralNormHook:
    label, parameters, buffers = "spectral_norm", ("_orig",), ("_u", "_v")

    def __init__(self, name, n_power_iterations, dim, eps):
        self.name, self.n_power_iterations, self.dim, self.eps = name, n_power_iterations, dim, eps

    def compute_weight(self, module, do_power_iteration):
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        matrix = _as_matrix(weight, self.dim)
        if do_power_iteration:
            with no_grad():  # v first, then u: the older form's order
                for _ in range(self.n_power_iterations):
                    v.copy_(normalize(matrix.mH.mv(u), dim=0, eps=self.eps))
                    u.copy_(normalize(matrix.mv(v), dim=0, eps=self.eps))
            u, v = u.clone(), v.clone()
        return weight / u.dot(matrix.mv(v))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))

    def final_weight(self, module):
        return self.compute_weight(module, do_power_iteration=False)


def _hooks_of(module, kind, name):
    return [
        (key, hook) for key, hook in module._forward_pre_hooks.items() if isinstance(hook, kind) and hook.name == name
    ]


def _parameter(module, name, what):
    if _hooks_of(module, _WeightNormHook, name) or _hooks_of(module, _SpectralNormHook, name):
        raise RuntimeError(f"{what}: '{name}' of {type(module).__name__} is already normalised; remove that first.")
    weight = module._parameters.get(name)
    if weight is None:
        raise ValueError(f"{what}: module {type(module).__name__} has no parameter '{name}'.")
    return weight


def weight_norm(module, name="weight", dim=0):
    """w = g * v / ||v||, the norm over every dimension but `dim` (all of them for dim=None)."""
    warnings.warn(  # as PyTorch warns
        "`nn.utils.weight_norm` is deprecated in favor of `nn.utils.parametrizations.weight_norm`.",
        FutureWarning,
        stacklevel=2,
    )
    weight = _parameter(module, name, "weight_norm")
    hook = _WeightNormHook(name, -1 if dim is None else dim)
    del module._parameters[name]
    module.register_parameter(name + "_g", Parameter(norm_except_dim(weight, hook.dim).detach()))
    module.register_parameter(name + "_v", Parameter(weight.detach()))
    setattr(module, name, hook.compute_weight(module))
    module.register_forward_pre_hook(hook)
    return module


def remove_weight_norm(module, name="weight"):
    return _remove(module, _WeightNormHook, name, "remove_weight_norm")


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """w / sigma(w), sigma estimated by `n_power_iterations` power-iteration steps per training-mode call."""
    weight = _parameter(module, name, "spectral_norm")
    if n_power_iterations <= 0:
        raise ValueError(f"spectral_norm: n_power_iterations must be positive; got {n_power_iterations}.")
    hook = _SpectralNormHook(name, n_power_iterations, _default_dim(module) if dim is None else dim, eps)
    with no_grad():
        rows, columns = _as_matrix(weight, hook.dim).shape
        u = normalize(weight.new_empty(rows).normal_(0, 1), dim=0, eps=eps)
        v = normalize(weight.new_empty(columns).normal_(0, 1), dim=0, eps=eps)
    del module._parameters[name]
    module.register_parameter(name + "_orig", weight)
    setattr(module, name, weight.detach())
    module.register_buffer(name + "_u", u)
    module.register_buffer(name + "_v", v)
    module.register_forward_pre_hook(hook)
    return module


def remove_spectral_norm(module, name="weight"):
    return _remove(module, _SpectralNormHook, name, "remove_spectral_norm")


def _remove(module, kind, name, what):
    """`name` a plain parameter again, holding the normalised weight; the parts and the hook removed."""
    hooks = _hooks_of(module, kind, name)
    if not hooks:
        raise ValueError(f"{what}: {kind.label} of '{name}' not found in {type(module).__name__}.")
    key, hook = hooks[0]
    with no_grad():
        weight = hook.final_weight(module)
    delattr(module, name)
    for suffix in kind.parameters:
        del module._parameters[name + suffix]
    for suffix in kind.buffers:
        del module._buffers[name + suffix]
    module.register_parameter(name, Parameter(weight.detach()))
    del module._forward_pre_hooks[key]
    return module
