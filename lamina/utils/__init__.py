"""`lamina.utils`: PyTorch's `torch.utils` path; `lamina.utils.data` is `lamina.data`, `lamina.utils.tensorboard`
lamina's own SummaryWriter."""

from lamina.utils import checkpoint, data, tensorboard

__all__ = ["checkpoint", "data", "tensorboard"]
