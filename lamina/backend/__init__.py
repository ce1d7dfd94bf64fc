"""Devices and the array backends behind them.

A device is a name (`cpu`) bound to a backend object that owns the arrays'
namespace (`xp`, Chainer's idea: NumPy on the CPU, CuPy on a GPU) and the
random generator. Ops never import NumPy for array math; they call
`ctx.xp`, the namespace of their inputs' device, so a new backend plugs in
by registering a device here, without touching any op.

Importing lamina never probes for a GPU: `cuda` is resolved only when asked (cupy_backend.py).
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


_cuda_missing = None  # why there is no cuda device, once CuPy was asked (None: not asked yet)


def cuda_unavailable_reason():
    """None if the cuda device is registered (probing for it on first call), else why not."""
    global _cuda_missing
    if "cuda" in _DEVICES:
        return None
    if _cuda_missing is None:
        from lamina.backend import cupy_backend

        backend, _cuda_missing = cupy_backend.load()
        if backend is not None:
            from lamina import settings

            backend.seed(settings.initial_seed())  # as if lamina.manual_seed had seeded it with the rest
            register_device("cuda", backend)
    return _cuda_missing


_default = [cpu]  # where tensors are made when no device is named: lamina.set_default_device


def set_default_device(spec) -> None:
    """Make `spec` (None: the CPU) the device new tensors and layers are made on, as torch.set_default_device."""
    _default[0] = cpu if spec is None else get_device(spec)


def get_device(spec) -> Device:
    """Resolve `None` (the default device), a name such as 'cpu' or 'cuda:0', or a Device to a Device."""
    if spec is None:
        return _default[0]
    if isinstance(spec, Device):
        return spec
    name = str(spec)
    device = _DEVICES.get(name)
    if device is not None:
        return device
    kind, _, index = name.partition(":")
    if kind == "cuda":
        why = cuda_unavailable_reason()
        if why is not None:
            raise DeviceError(f"lamina: device '{name}' is not available: {why}. Use device='cpu'.")
        if index not in ("", "0"):
            raise DeviceError(
                f"lamina: device '{name}': lamina uses one GPU per process (cuda:0, the current device); "
                "run one process per GPU (lamina launch) and select it with CUDA_VISIBLE_DEVICES."
            )
        return _DEVICES["cuda"]
    device = _DEVICES.get(kind) if index else None
    if device is not None:
        return device
    known = ", ".join(sorted(_DEVICES))
    raise DeviceError(f"lamina: unknown device '{name}'; known devices: {known}.")


def all_devices():
    return list(_DEVICES.values())
