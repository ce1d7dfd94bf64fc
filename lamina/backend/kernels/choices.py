"""The kernel choices that trade precision for speed, and the switch for each (lamina.backends re-exports them).

Winograd F(4x4, 3x3) computes a 3x3 stride-1 float32 convolution about twice as fast here as im2col
with about 10-20x its rounding error (both measured in benchmarks/README.md). On by default, as PyTorch
keeps TF32 on for cuDNN convolutions; `lamina.backends.winograd.enabled = False` (or LAMINA_WINOGRAD=0) gives im2col's
precision, e.g. to compare a ResNet's BatchNorm statistics with torch's step by step.
"""

import os


class _Switch:
    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __repr__(self) -> str:
        return f"<switch enabled={self.enabled}>"


winograd = _Switch(os.environ.get("LAMINA_WINOGRAD", "1") != "0")
