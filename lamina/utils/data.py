"""`torch.utils.data` at its PyTorch path: the same objects as `lamina.data`."""

from lamina.data import *  # noqa: F403 - this module is an alias of lamina.data
from lamina.data import __all__  # noqa: F401
