"""Padding layers (ZeroPad2d, ConstantPad1d/2d, ReflectionPad1d/2d, ReplicationPad1d/2d, CircularPad1d/2d):
lamina.functional.pad with a stored padding. `padding` is an int (every side) or PyTorch's tuple, last dim first."""

from lamina.functional import pad
from lamina.nn.module import Module


class _Pad(Module):
    mode, dims = "constant", 2

    def __init__(self, padding, value: float = 0.0):
        super().__init__()
        self.padding = (padding,) * (2 * self.dims) if isinstance(padding, int) else tuple(padding)
        if len(self.padding) != 2 * self.dims:
            raise ValueError(f"{type(self).__name__}: padding must be an int or {2 * self.dims} ints; got {padding!r}.")
        self.value = value

    def forward(self, x):
        return pad(x, self.padding, self.mode, self.value)

    def extra_repr(self):
        return f"{self.padding}" + (f", value={self.value}" if self.mode == "constant" and self.value else "")


def _padding(name, mode, dims, doc):
    return type(name, (_Pad,), {"mode": mode, "dims": dims, "__doc__": doc})


ZeroPad1d = _padding("ZeroPad1d", "constant", 1, "Pad the last dim with zeros.")
ZeroPad2d = _padding("ZeroPad2d", "constant", 2, "Pad the last two dims with zeros.")
ConstantPad1d = _padding("ConstantPad1d", "constant", 1, "Pad the last dim with a constant value.")
ConstantPad2d = _padding("ConstantPad2d", "constant", 2, "Pad the last two dims with a constant value.")
ReflectionPad1d = _padding("ReflectionPad1d", "reflect", 1, "Pad the last dim with its reflection.")
ReflectionPad2d = _padding("ReflectionPad2d", "reflect", 2, "Pad the last two dims with their reflection.")
ReplicationPad1d = _padding("ReplicationPad1d", "replicate", 1, "Pad the last dim by repeating its edge.")
ReplicationPad2d = _padding("ReplicationPad2d", "replicate", 2, "Pad the last two dims by repeating their edges.")
CircularPad1d = _padding("CircularPad1d", "circular", 1, "Pad the last dim by wrapping around.")
CircularPad2d = _padding("CircularPad2d", "circular", 2, "Pad the last two dims by wrapping around.")
