"""`lamina.cuda`: PyTorch's GPU queries, answered truthfully.

lamina has no GPU backend yet (the CuPy backend is the next step), so `is_available()` is False and
`device_count()` is 0 on every machine; code that asks before using a GPU, as PyTorch programs do
(`device = "cuda" if torch.cuda.is_available() else "cpu"`), runs on the CPU. Seeding calls are accepted
and do nothing, since there is no device generator to seed.
"""

from lamina.backend import all_devices
from lamina.errors import DeviceError


def is_available() -> bool:
    return any(device.type == "cuda" for device in all_devices())


def device_count() -> int:
    return 1 if is_available() else 0


def current_device() -> int:
    if not is_available():
        raise DeviceError("lamina.cuda.current_device: no GPU backend is available; use device='cpu'.")
    return 0


def manual_seed(seed: int) -> None:
    """Seeds nothing on a machine without a GPU backend (lamina.manual_seed seeds every device)."""


manual_seed_all = manual_seed


def synchronize(device=None) -> None:
    """Nothing to wait for: lamina's CPU ops finish before they return."""


def empty_cache() -> None:
    """Nothing cached: lamina holds no GPU memory pool without a GPU backend."""


def is_bf16_supported() -> bool:
    return False


class _Amp:
    """torch.cuda.amp's old names: autocast(...) is autocast('cuda', ...), GradScaler is torch.amp's."""

    @staticmethod
    def autocast(enabled=True, dtype=None, cache_enabled=True):
        from lamina.amp import autocast

        return autocast("cuda", dtype=dtype, enabled=enabled)

    @staticmethod
    def GradScaler(*args, **kwargs):  # noqa: N802 - PyTorch's name
        from lamina.amp import GradScaler

        return GradScaler("cuda", *args, **kwargs)


amp = _Amp()
