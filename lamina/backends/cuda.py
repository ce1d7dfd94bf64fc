"""torch.backends.cuda: the matmul precision flags (no TF32 in lamina: they change nothing)."""


class _MatmulFlags:
    def __init__(self):
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True


matmul = _MatmulFlags()


def is_built() -> bool:
    """Whether this lamina can run CUDA: its CuPy backend imports (a GPU may still be absent)."""
    import importlib.util

    return importlib.util.find_spec("cupy") is not None
