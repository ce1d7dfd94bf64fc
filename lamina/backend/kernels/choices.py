"""The kernel choices that trade precision for speed, and the setting for each.

- `lamina.backends.winograd.enabled` (LAMINA_WINOGRAD=0 to start with it off): 3x3 stride-1 convolutions
  by Winograd's algorithm. Its default tiling, F(2x2, 3x3), rounds no worse than torch's float32
  convolution and is faster than im2col here; off, every convolution takes im2col.
- `lamina.set_float32_matmul_precision("high" | "medium")`: PyTorch's switch for letting float32
  products round more (TF32 on its GPUs). In lamina it lets float32 3x3 convolutions take Winograd
  F(4x4, 3x3), faster again, with about ten times torch's rounding (compiled/winograd.py). "highest", the
  default, keeps it off.
Times and errors: benchmarks/README.md.
"""

import os


class _Switch:
    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __repr__(self) -> str:
        return f"<switch enabled={self.enabled}>"


class _Float32Precision:
    """What `lamina.set_float32_matmul_precision` set: "highest", "high" or "medium"."""

    LEVELS = ("highest", "high", "medium")

    def __init__(self):
        self.level = "highest"

    @property
    def fast(self) -> bool:
        return self.level != "highest"


winograd = _Switch(os.environ.get("LAMINA_WINOGRAD", "1") != "0")
float32_precision = _Float32Precision()
