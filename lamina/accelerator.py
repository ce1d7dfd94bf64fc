"""`lamina.accelerator`: PyTorch 2.6's device-neutral queries; on lamina without a GPU backend, none."""

from lamina import cuda


def is_available() -> bool:
    return cuda.is_available()


def current_accelerator(check_available: bool = False):
    """The accelerator device, or None where there is none (as PyTorch)."""
    from lamina.backend import get_device

    return get_device("cuda") if cuda.is_available() else None


def device_count() -> int:
    return cuda.device_count()
