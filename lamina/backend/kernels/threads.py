"""Splitting a kernel's work over the cores, and keeping BLAS out of their way.

The compiled kernels release the GIL, so plain Python threads run them in parallel. A
convolution runs one matrix product per slice of the batch on each thread; there, BLAS is
held to one thread per call (two threads each calling a 2-thread BLAS would fight for the
same cores, slower: ../shared/PERF-NOTES.md has the measurement).
"""

import os
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

_pool = None
WORKERS = max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 8))
_blas = None  # threadpoolctl's controllers for NumPy's BLAS, found on first use


def _executor():
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=WORKERS - 1, thread_name_prefix="lamina-kernel")
    return _pool


def _forget_pool_after_fork():
    """A forked child (a DataLoader process worker) has none of the parent's threads: start a new pool."""
    global _pool
    _pool = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


# Handing a slice to another thread costs tens of microseconds here (waking a sleeping thread on a VM);
# a one-pass kernel streams several float32 elements per ns. So a pass over fewer than about two million
# elements is faster on one thread (benchmarks/README.md).
MIN_SPLIT_ELEMENTS = 2_000_000


def worth_splitting(elements: int, cost: float = 1.0) -> bool:
    """Whether a kernel over `elements` gains from running on several threads; `cost` is its time per
    element relative to a one-pass kernel's (benchmarks/README.md has the measured ones)."""
    return WORKERS > 1 and elements * cost >= MIN_SPLIT_ELEMENTS


def split(count: int, parts: int = WORKERS):
    """[(start, stop), ...]: `count` items in at most `parts` contiguous, nearly equal slices."""
    parts = max(1, min(parts, count))
    bounds = [count * i // parts for i in range(parts + 1)]
    return [(bounds[i], bounds[i + 1]) for i in range(parts)]


# OpenBLAS's worker threads busy-wait for about 0.1 s after every multi-threaded product. A spinning
# BLAS thread takes a core from lamina's kernel threads (LeNet's convolutions, which run on both cores,
# ran much slower behind its 2-thread linear layers: benchmarks/README.md). So while lamina's threads are
# in use, matrix products keep BLAS to one thread (NumpyBackend.matmul -> kernels.compiled.matmul):
# one pool at a time.
BLAS_SPIN_SECONDS = 0.2
_last_split = -BLAS_SPIN_SECONDS  # time.perf_counter() when work last went to the pool


def pool_recently_used() -> bool:
    """Whether lamina's kernel threads ran work within the time a BLAS thread would still spin."""
    return time.perf_counter() - _last_split < BLAS_SPIN_SECONDS


def run_split(work, count: int, *args, parallel: bool = True):
    """Call work(start, stop, *args) on slices of range(count), one per core; the calling thread takes one."""
    global _last_split
    if not parallel or count <= 1:  # one slice (every small call): no slicing to work out
        return [work(0, count, *args)]
    slices = split(count, WORKERS)
    if len(slices) == 1:
        return [work(0, count, *args)]
    _last_split = time.perf_counter()
    futures = [_executor().submit(work, start, stop, *args) for start, stop in slices[1:]]
    first = work(slices[0][0], slices[0][1], *args)
    return [first] + [future.result() for future in futures]


@contextmanager
def single_threaded_blas():
    """Hold NumPy's BLAS to one thread per call inside the block (each of our threads makes its own calls)."""
    global _blas
    if WORKERS == 1:
        yield
        return
    if _blas is None:
        try:
            from threadpoolctl import ThreadpoolController

            _blas = ThreadpoolController().select(user_api="blas").lib_controllers
        except ImportError:
            _blas = []
    saved = [lib.get_num_threads() for lib in _blas]
    for lib in _blas:
        lib.set_num_threads(1)
    try:
        yield
    finally:
        for lib, threads in zip(_blas, saved):
            lib.set_num_threads(threads)
