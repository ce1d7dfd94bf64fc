"""GradScaler: loss scaling for float16 training (Micikevicius et al. 2018), PyTorch's names and rules.

scaler.scale(loss).backward()   # gradients of scale * loss: small float16 gradients do not flush to zero
scaler.step(optimizer)          # unscale (divide by scale); skip the step if any gradient is inf or NaN
scaler.update()                 # inf/NaN seen: scale *= backoff_factor; growth_interval clean steps: *= growth_factor
"""

import math

from lamina.autograd.grad_mode import no_grad
from lamina.functional import stack


class GradScaler:
    def __init__(self, device="cuda", init_scale=2.0**16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):  # fmt: skip
        if not growth_factor > 1.0 or not 0.0 < backoff_factor < 1.0:
            raise ValueError("GradScaler: growth_factor must be > 1 and backoff_factor in (0, 1).")
        self.enabled = bool(enabled)
        self._scale, self._growth_factor, self._backoff_factor = float(init_scale), growth_factor, backoff_factor
        self._growth_interval, self._growth_tracker = int(growth_interval), 0
        self._found_inf = {}  # id(optimizer) -> whether its unscaled gradients held inf/NaN, this iteration
        self._unscaled = set()

    def scale(self, outputs):
        """outputs * scale (a tensor, or a list/tuple of them)."""
        if not self.enabled:
            return outputs
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        return outputs * self._scale

    def unscale_(self, optimizer):
        """Divide the optimizer's gradients by the scale, once per step; record whether any is inf or NaN."""
        if not self.enabled:
            return
        if id(optimizer) in self._unscaled:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        finite = []  # per gradient, on its device: read once, in step() (as torch, one read per step)
        inverse = 1.0 / self._scale
        with no_grad():
            for group in optimizer.param_groups:
                for param in group["params"]:
                    if param.grad is None:
                        continue
                    param.grad.mul_(inverse)
                    finite.append(param.grad.isfinite().all())
        self._found_inf[id(optimizer)] = bool(finite) and not bool(stack(finite).all().item())
        self._unscaled.add(id(optimizer))

    def step(self, optimizer, *args, **kwargs):
        """optimizer.step() unless the (unscaled) gradients held inf or NaN; returns its result or None."""
        if not self.enabled:
            return optimizer.step(*args, **kwargs)
        if id(optimizer) not in self._unscaled:
            self.unscale_(optimizer)
        if self._found_inf[id(optimizer)]:
            return None
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale=None):
        """Adjust the scale for the next iteration (or set it to new_scale)."""
        if not self.enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale.item() if hasattr(new_scale, "item") else new_scale)
        elif any(self._found_inf.values()):
            self._scale *= self._backoff_factor
            self._growth_tracker = 0
        else:
            self._growth_tracker += 1
            if self._growth_tracker == self._growth_interval:
                self._scale *= self._growth_factor
                self._growth_tracker = 0
        self._found_inf, self._unscaled = {}, set()

    def get_scale(self) -> float:
        return self._scale if self.enabled else 1.0

    def is_enabled(self) -> bool:
        return self.enabled

    def state_dict(self) -> dict:
        if not self.enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor, "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval, "_growth_tracker": self._growth_tracker}  # fmt: skip

    def load_state_dict(self, state: dict):
        if not self.enabled:
            return
        self._scale = float(state["scale"])
        self._growth_factor, self._backoff_factor = state["growth_factor"], state["backoff_factor"]
        self._growth_interval, self._growth_tracker = state["growth_interval"], state["_growth_tracker"]
        if not math.isfinite(self._scale) or self._scale <= 0:
            raise ValueError(
                f"GradScaler.load_state_dict: the scale must be a positive finite number; got {self._scale}."
            )
