"""`lamina.backends`: PyTorch's backend switches and queries (cudnn, mps, cuda.matmul), answered truthfully.

The flags exist so that programs which set them (`torch.backends.cudnn.benchmark = True`) run; lamina's
CPU kernels are deterministic and have no TF32 mode, so the values change nothing. lamina's own switch,
`winograd.enabled`, trades a 3x3 convolution's precision for speed (backend/kernels/choices.py).
"""

from lamina.backend.kernels.choices import winograd  # noqa: F401 - lamina.backends.winograd, re-exported


class _Flags:
    def __init__(self, **flags):
        self.__dict__.update(flags)

    def is_available(self) -> bool:
        return False

    def is_built(self) -> bool:
        return False


cudnn = _Flags(enabled=True, benchmark=False, deterministic=False, allow_tf32=True)
mps = _Flags()
cuda = _Flags(matmul=_Flags(allow_tf32=False, allow_fp16_reduced_precision_reduction=True))
