"""Devices and the array backends behind them.

A device is a name (`cpu`) bound to a backend object that owns the arrays'
namespace (`xp`, Chainer's idea: NumPy on the CPU, CuPy on a GPU) and the
random generator. Ops never import NumPy for array math; they call
`ctx.xp`, the namespace of their inputs' device, so a new backend plugs in
by registering a device here, without touching any op.

Importing lamina never probes for a GPU: `cuda` is resolved only when asked.
"""

from lamina.backend.kernels import namespace
from lamina.backend.numpy_backend import NumpyBackend
from lamina.errors import DeviceError


class Device:
    """Where a tensor's data lives: `lamina.device("cpu")`."""

    __slots__ = ("type", "backend", "xp", "array_type")

    def __init__(self, type: str, backend):
        self.type = type
        self.backend = backend
        self.xp = backend.xp  # read by every op: kept here to save two lookups per call
        self.array_type = backend.xp.ndarray

    def __repr__(self) -> str:
        return f"device(type='{self.type}')"

    def __str__(self) -> str:
        return self.type

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            return other == self.type
        return self is other

    def __hash__(self) -> int:
        return hash(self.type)

    def __reduce__(self):  # a device is a singleton: copying a model must not duplicate it
        return (get_device, (self.type,))


_DEVICES = {"cpu": Device("cpu", NumpyBackend())}
cpu = _DEVICES["cpu"]


def register_device(name: str, backend) -> Device:
    """Make `name` a device served by `backend` (a GPU backend, or a test's fake device)."""
    device = Device(name, backend)
    namespace.register(device.array_type, device.xp)  # the reference kernels compute on its arrays
    _DEVICES[name] = device
    return device


def get_device(spec) -> Device:
    """Resolve `None`, a name such as 'cpu' or 'cuda:0', or a Device to a Device."""
    if spec is None:
        return cpu
    if isinstance(spec, Device):
        return spec
    name = str(spec)
    device = _DEVICES.get(name) or _DEVICES.get(name.split(":")[0])
    if device is not None:
        return device
    if name.split(":")[0] == "cuda":
        raise DeviceError(
            f"lamina: device '{name}' is not available: this lamina has no GPU backend "
            "(the CuPy backend is not installed or no CUDA device was found). "
            "Use device='cpu'."
        )
    known = ", ".join(sorted(_DEVICES))
    raise DeviceError(f"lamina: unknown device '{name}'; known devices: {known}.")


def all_devices():
    return list(_DEVICES.values())
