"""Every error lamina raises, in one place.

Each class subclasses the builtin that a Python user would catch for the same
mistake (a wrong shape is a ValueError, a wrong dtype a TypeError), so
`except ValueError` keeps working, while `except lamina.ShapeError` is precise.

Messages follow one template: `<op or layer>: <what is wrong>; got <actual>.
<how to fix>` (see ../shared/BAD_INPUTS.md for the table the tests check).
"""


class LaminaError(Exception):
    """Base class of every lamina error."""


class ShapeError(LaminaError, ValueError):
    """Shapes that cannot work together (matmul, broadcasting, reshape, ...)."""


class DTypeError(LaminaError, TypeError):
    """A dtype an op cannot take (integer tensors that require grad, ...)."""


class DeviceError(LaminaError, RuntimeError):
    """Tensors on different devices, or a device that is not available."""


class AutogradError(LaminaError, RuntimeError):
    """Misuse of the autograd graph: double backward, in-place on saved tensors, ..."""


class AnomalyError(AutogradError):
    """A NaN or Inf produced by an op while anomaly detection is on."""


class CheckpointError(LaminaError, RuntimeError):
    """A checkpoint file that is missing, truncated, empty or not lamina's."""


class DataError(LaminaError, ValueError):
    """Bad data: a corrupt dataset file, an empty batch, a label out of range."""


class WorkerError(LaminaError, RuntimeError):
    """A data-loader worker that died, hung past the timeout, or failed in a way that cannot be re-raised."""


def shape_str(shape) -> str:
    """(2, 3) for a shape, the way every message prints one."""
    return "(" + ", ".join(str(int(s)) for s in shape) + ("," if len(shape) == 1 else "") + ")"
