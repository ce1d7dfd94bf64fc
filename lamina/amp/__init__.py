"""lamina.amp: mixed precision, PyTorch's torch.amp: `autocast` regions and `GradScaler`."""

from lamina.amp.grad_scaler import GradScaler
from lamina.autograd.autocast_mode import autocast, is_autocast_enabled

__all__ = ["GradScaler", "autocast", "is_autocast_enabled"]
