"""Keep freed array memory in the process instead of handing it back to the OS.

NumPy allocates every array with malloc. glibc serves large blocks (over 128 KB at first)
with fresh mmap'd pages and returns them on free, so each new activation of a training step
pays one page fault per 4 KB page on first write, a large part of a LeNet or char-GPT step
(benchmarks/README.md). Raising glibc's mmap and trim thresholds keeps
freed blocks in the heap for the next step to reuse (PyTorch's caching allocator does the
same for its tensors). Peak memory is unchanged; memory freed at a peak is kept for reuse.

Applied once at import, on glibc only; LAMINA_KEEP_FREED_MEMORY=0 turns it off.
"""

import ctypes
import os
import sys

_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's largest allowed value on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX)
TRIM_THRESHOLD = 1024 * 1024 * 1024
TOP_PAD = 64 * 1024 * 1024

applied = False


def keep_freed_memory() -> bool:
    """Set glibc's thresholds as described above; returns whether they were set."""
    global applied
    if applied or not sys.platform.startswith("linux") or os.environ.get("LAMINA_KEEP_FREED_MEMORY") == "0":
        return applied
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, ...): nothing to tune
        return False
    applied = bool(
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
        and mallopt(_M_TOP_PAD, TOP_PAD)
    )
    return applied
