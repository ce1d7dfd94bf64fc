"""The array namespace of an array: NumPy for NumPy arrays, the device's own (CuPy, a test's) for others.

The reference kernels are written against the namespace of their inputs, so every backend can start
from them: `xp = namespace.of(x)`, then `xp.exp(...)`, never `np.exp(...)`. A backend's array type is
registered with its device (lamina.backend.register_device).
"""

import numpy as np

_BY_TYPE = {np.ndarray: np}


def register(array_type, xp) -> None:
    _BY_TYPE[array_type] = xp


def of(array):
    """The namespace whose functions compute on `array` (NumPy for NumPy arrays and scalars)."""
    return _BY_TYPE.get(type(array), np)
