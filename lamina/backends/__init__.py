"""`lamina.backends`: PyTorch's backend switches and queries (cudnn, mps, cuda.matmul), answered truthfully.

The flags exist so that programs which set them (`torch.backends.cudnn.benchmark = True`, after
`import torch.backends.cudnn as cudnn`) run; lamina's CPU kernels are deterministic and have no TF32
mode, and its GPU backend has no cuDNN, so the values change nothing. lamina's own switch,
`winograd.enabled`, trades a 3x3 convolution's precision for speed (backend/kernels/choices.py).
"""

from lamina.backend.kernels.choices import winograd  # noqa: F401 - lamina.backends.winograd, re-exported
from lamina.backends import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps", "winograd"]
