"""`lamina.utils`: PyTorch's `torch.utils` path; `lamina.utils.data` is `lamina.data`."""

from lamina.utils import data

__all__ = ["data"]
