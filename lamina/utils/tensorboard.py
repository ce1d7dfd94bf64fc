"""`torch.utils.tensorboard` at its path: lamina's own small SummaryWriter (lamina/train/tensorboard.py)."""

from lamina.train.tensorboard import SummaryWriter

__all__ = ["SummaryWriter"]
