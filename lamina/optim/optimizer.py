"""Optimizer: parameter groups, per-parameter state, zero_grad, step, state_dict.

A subclass writes only `update(param, grad, group, state)`: the rule for one
parameter, on its arrays, in place. The base runs it for every parameter that
has a gradient, under no_grad, and bumps the parameter's version counter (a
graph that saved the old value notices the change).
"""

import math

from lamina.autograd.grad_mode import enable_grad, no_grad
from lamina.errors import DeviceError, ShapeError, shape_str
from lamina.tensor import Tensor

# What a group may hold beside this optimizer's hyper-parameters and still be its own: the keys the schedules
# add (lr_scheduler.py, swa_utils.py), and PyTorch's implementation flags (foreach, fused, ...), which change
# how torch computes an update, never what
SCHEDULE_KEYS = frozenset({"initial_lr", "max_lr", "min_lr", "base_momentum", "max_momentum", "swa_lr"})
TORCH_FLAGS = frozenset({"foreach", "fused", "differentiable", "capturable"})


def check_hyperparameter(name: str, value, low=0.0, high=None, inclusive_high=False):
    """ValueError in PyTorch's words ('Invalid learning rate: -1') for a value out of range, NaN or infinite."""
    label = {"lr": "learning rate"}.get(name, name.replace("_", " "))
    if isinstance(value, (int, float)) and not math.isfinite(value):
        raise ValueError(f"Invalid {label}: {value} (it must be a finite number)")
    if value < low or (high is not None and (value > high if inclusive_high else value >= high)):
        raise ValueError(f"Invalid {label}: {value}")


class Optimizer:
    """Base of every optimizer; `params` is an iterable of tensors or of dicts (parameter groups)."""

    def __init__(self, params, defaults: dict):
        self.defaults = defaults
        self.state = {}  # parameter -> its state dict (momentum buffers, step counts, ...)
        self.param_groups = []
        params = list(params) if not isinstance(params, Tensor) else [params]
        if not params:
            raise ValueError(f"{type(self).__name__}: optimizer got an empty parameter list; pass model.parameters().")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict):
        group = dict(group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for param in group["params"]:
            if not isinstance(param, Tensor) or not param.is_leaf:
                raise ValueError(
                    f"{type(self).__name__}: can't optimize a non-leaf tensor or a non-tensor; got "
                    f"{type(param).__name__}."
                )
        if len({id(p) for p in group["params"]}) != len(group["params"]):
            raise ValueError(
                f"{type(self).__name__}: a parameter appears more than once in the parameter list; it would be "
                "updated twice per step. Pass each parameter once (e.g. list(dict.fromkeys(params)))."
            )
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in existing for p in group["params"]):
            raise ValueError(f"{type(self).__name__}: some parameters appear in more than one parameter group.")
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True):
        for group in self.param_groups:
            for param in group["params"]:
                if set_to_none:
                    param.grad = None
                elif param.grad is not None:
                    param.grad = param.grad.detach()
                    param.grad.array[...] = 0

    def step(self, closure=None):
        """One update of every parameter with a gradient; `closure` re-evaluates and returns the loss."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for param in group["params"]:
                    if param.grad is None:
                        continue
                    if param.grad.device is not param.device or param.grad.dtype is not param.dtype:
                        raise DeviceError(
                            f"{type(self).__name__}.step: a parameter on {param.device} ({param.dtype.name}) has a "
                            f".grad on {param.grad.device} ({param.grad.dtype.name}); a gradient must be on its "
                            "parameter's device with its dtype (was .grad set by hand?)."
                        )
                    grad = param.grad.array
                    if grad.shape != param.array.shape:  # a .grad set by hand: never broadcast it into the update
                        raise ShapeError(
                            f"{type(self).__name__}.step: a parameter of shape {shape_str(param.shape)} has a .grad "
                            f"of shape {shape_str(grad.shape)}; a gradient must have its parameter's shape."
                        )
                    state = self.state.setdefault(param, {})
                    self.update(param, -grad if group.get("maximize") else grad, group, state)
                    param._version[0] += 1
        return loss

    def update(self, param, grad, group: dict, state: dict):
        raise NotImplementedError

    # --- helpers for subclasses ---
    @staticmethod
    def buffer(state: dict, name: str, like, fill=0.0):
        """A state array of the parameter's shape and dtype, created (filled) on first use."""
        if name not in state:
            state[name] = Tensor._make(
                like.device.backend.xp.full(like.shape, fill, dtype=like.array.dtype), like.device
            )
        return state[name].array

    # --- state ---
    def state_dict(self) -> dict:
        """{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]} (PyTorch's layout)."""
        index_of, groups, counter = {}, [], 0
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = []
            for param in group["params"]:
                index_of.setdefault(id(param), counter)
                packed["params"].append(index_of[id(param)])
                counter += 1
            groups.append(packed)
        state = {index_of[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index_of}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict):
        """Restore hyper-parameters and state; the groups must match this optimizer's (BAD_INPUTS row 28)."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{type(self).__name__}: loaded state dict has {len(saved_groups)} parameter groups, the "
                f"optimizer has {len(self.param_groups)}."
            )
        params_by_index = {}
        for saved, group in zip(saved_groups, self.param_groups):
            foreign = sorted(set(saved) - set(self.defaults) - {"params"} - SCHEDULE_KEYS - TORCH_FLAGS)
            if foreign:
                raise ValueError(
                    f"{type(self).__name__}: loaded state dict has hyper-parameters {foreign} that "
                    f"{type(self).__name__} does not have; it was saved from another optimizer. Build the same "
                    "optimizer class that saved it."
                )
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{type(self).__name__}: loaded state dict contains a parameter group that doesn't match the size "
                    f"of optimizer's group ({len(saved['params'])} vs {len(group['params'])} parameters); was it "
                    "saved from another model?"
                )
            params_by_index.update(zip(saved["params"], group["params"]))
        self.state = {}
        for index, saved_state in state_dict["state"].items():
            param = params_by_index[int(index)]
            restored = {}
            for name, value in saved_state.items():
                if isinstance(value, Tensor):
                    if value.shape != param.shape and value.ndim:
                        raise ShapeError(
                            f"{type(self).__name__}: state '{name}' has shape {value.shape} but its "
                            f"parameter has shape {param.shape}; the state is from another model."
                        )
                    value = value.to(param.device)
                    value = value.to(param.dtype) if value.is_floating_point() else value
                    value = Tensor._make(value.array.copy(), param.device)
                restored[name] = value
            self.state[param] = restored
        for saved, group in zip(saved_groups, self.param_groups):
            for key, value in saved.items():
                if key != "params":
                    group[key] = value

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for index, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {index}")
            lines += [f"    {key}: {value}" for key, value in sorted(group.items()) if key != "params"]
        return "\n".join(lines + [")"])
