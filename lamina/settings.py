"""PyTorch's process-wide settings and queries at `torch.*`: threads, print options, determinism, the default
device, seeds, type queries, and `Size`. Each does what it says in lamina, or says it changes nothing."""

import numpy as np  # print options and dtype queries only

from lamina import dtypes
from lamina.backend import get_device
from lamina.backend.kernels import choices

_initial_seed = 0


def set_num_threads(count: int) -> None:
    """The BLAS threads NumPy uses (threadpoolctl), as torch's intra-op threads."""
    from threadpoolctl import threadpool_limits

    global _thread_limit
    _thread_limit = threadpool_limits(int(count))


_thread_limit = None


def get_num_threads() -> int:
    from threadpoolctl import threadpool_info

    pools = threadpool_info()
    return max((pool.get("num_threads", 1) for pool in pools), default=1)


def set_num_interop_threads(count: int) -> None:
    """Accepted: lamina has no inter-op thread pool."""


def get_num_interop_threads() -> int:
    return 1


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """How tensors print (NumPy's print options, which lamina's repr uses)."""
    presets = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80), "full": (4, 2**31 - 1, 3, 80)}
    if profile is not None:
        precision, threshold, edgeitems, linewidth = presets[profile]
    options = {"precision": precision, "threshold": threshold, "edgeitems": edgeitems, "linewidth": linewidth}
    if sci_mode is not None:
        options["suppress"] = not sci_mode
    np.set_printoptions(**{k: v for k, v in options.items() if v is not None})


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Accepted: lamina's CPU kernels are deterministic already (the same inputs give the same bits)."""


def are_deterministic_algorithms_enabled() -> bool:
    return True


def set_float32_matmul_precision(precision: str) -> None:
    """PyTorch's setting: "highest" (the default) keeps float32 products at float32 rounding; "high" and
    "medium" let lamina's float32 3x3 convolutions take the faster, less precise Winograd F(4x4, 3x3)
    (backend/kernels/choices.py)."""
    if precision not in choices.float32_precision.LEVELS:
        raise ValueError(f"set_float32_matmul_precision: expected 'highest', 'high' or 'medium'; got {precision!r}.")
    choices.float32_precision.level = precision


def get_float32_matmul_precision() -> str:
    return choices.float32_precision.level


def get_default_device():
    return get_device(None)


def set_default_device(device) -> None:
    """New tensors and layers go to `device` unless told otherwise (torch.set_default_device); None: the CPU."""
    from lamina.backend import set_default_device as set_default

    set_default(device)


def manual_seed_with_memory(seed: int) -> None:
    global _initial_seed
    _initial_seed = int(seed)


def initial_seed() -> int:
    """The seed last given to lamina.manual_seed (0 before any)."""
    return _initial_seed


def seed() -> int:
    """Seed every generator from the operating system's entropy; returns the seed."""
    from lamina.creation import manual_seed

    value = int(np.random.SeedSequence().entropy % 2**63)
    manual_seed(value)
    return value


def typename(x) -> str:
    from lamina.tensor import Tensor

    return x.type() if isinstance(x, Tensor) else type(x).__name__


def promote_types(a, b):
    return dtypes.promote_types(dtypes.to_dtype(a), dtypes.to_dtype(b))


def result_type(a, b):
    from lamina.tensor import Tensor

    def kind(value):
        return value.dtype if isinstance(value, Tensor) else None

    first, second = kind(a), kind(b)
    if first is not None and second is not None:
        return dtypes.promote_types(first, second)
    tensor_dtype = first or second
    scalar = b if first is not None else a
    if tensor_dtype is None:
        return dtypes.default_float if isinstance(a, float) or isinstance(b, float) else dtypes.int64
    return dtypes.scalar_dtype(scalar, tensor_dtype)


def can_cast(from_, to) -> bool:
    """Whether PyTorch's casting rule allows from_ -> to in an in-place op (no float -> integer, no -> bool)."""
    source, target = dtypes.to_dtype(from_), dtypes.to_dtype(to)
    rank = {dtypes.bool_: 0, **{d: 1 for d in dtypes.ALL if d.numpy.kind in "iu"}, **{d: 2 for d in dtypes.FLOATING}}
    return rank[source] <= rank[target]


class Size(tuple):
    """torch.Size: a tuple of ints (lamina's .shape is a plain tuple; this is for code that builds one)."""

    def numel(self) -> int:
        total = 1
        for size in self:
            total *= size
        return total

    def __repr__(self) -> str:
        return f"lamina.Size({list(self)})"
