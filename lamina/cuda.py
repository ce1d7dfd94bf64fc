"""`lamina.cuda`: PyTorch's GPU queries, answered truthfully by the CuPy backend (backend/cupy_backend.py).

`is_available()` is True where CuPy imports and a GPU answers (the first call probes; `import lamina`
does not). Without one, code that asks before using a GPU, as PyTorch programs do
(`device = "cuda" if torch.cuda.is_available() else "cpu"`), runs on the CPU, and the calls below that
need a GPU say why there is none.
"""

from lamina.backend import cuda_unavailable_reason, get_device
from lamina.errors import DeviceError


def is_available() -> bool:
    return cuda_unavailable_reason() is None


def _backend():
    why = cuda_unavailable_reason()
    if why is not None:
        raise DeviceError(f"lamina.cuda: no GPU: {why}.")
    return get_device("cuda").backend


def device_count() -> int:
    """1 where lamina's GPU is available (one GPU per process: cuda:0), else 0."""
    return 1 if is_available() else 0


def current_device() -> int:
    _backend()
    return 0


def get_device_name(device=None) -> str:
    return _backend().describe()["gpu"]


def manual_seed(seed: int) -> None:
    """Seed the GPU's generator (nothing to seed without a GPU; lamina.manual_seed seeds every device)."""
    if is_available():
        _backend().seed(int(seed))


manual_seed_all = manual_seed


def get_rng_state(device="cuda") -> dict:
    return _backend().get_state()


def set_rng_state(state, device="cuda") -> None:
    _backend().set_state(state)


def synchronize(device=None) -> None:
    """Wait for the GPU's queued work; the checks ops left on it report here (backend/deferred.py)."""
    from lamina.backend import deferred

    if is_available():
        _backend().xp.cuda.Device().synchronize()
    deferred.flush()


def empty_cache() -> None:
    """Hand the memory pool's cached, unused blocks back to the driver."""
    if is_available():
        _backend().xp.get_default_memory_pool().free_all_blocks()


def memory_allocated(device=None) -> int:
    return int(_backend().xp.get_default_memory_pool().used_bytes()) if is_available() else 0


def memory_reserved(device=None) -> int:
    return int(_backend().xp.get_default_memory_pool().total_bytes()) if is_available() else 0


def is_bf16_supported() -> bool:
    return False  # NumPy and CuPy have no bfloat16 dtype: lamina's mixed precision is float16


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
