"""Timing harness shared by the benchmarks: alternate the contenders, report medians.

Noise on a shared 2-core machine is 10-20 %, so each contender runs in short
windows, alternating with the others, and we compare medians of the windows'
rates, never single runs. `compare` alternates step functions in this process;
`compare_in_processes` alternates libraries that each run alone in a worker
process (worker.py), so that neither changes the other's process: importing
lamina raises glibc's allocator thresholds, which also speeds up torch's
convolution workloads in the same process (LeNet 1.7x).
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

PAUSE_BETWEEN_WINDOWS = 0.25  # seconds: lets the other library's idle threads stop spinning first (BLAS: ~0.1 s)


def library_info() -> str:
    """Which BLAS NumPy called (and its threads), as asked for every NumPy benchmark."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "BLAS: unknown (pip install threadpoolctl to report it)"
    parts = []
    for pool in threadpool_info():
        parts.append(
            f"{pool.get('internal_api')} {pool.get('version')} ({pool.get('architecture', '?')}, "
            f"{pool.get('num_threads')} threads, {pool.get('prefix')})"
        )
    return "thread pools: " + "; ".join(parts)


def compare(contenders: dict, windows: int = 7, seconds_per_window: float = 0.4, warmup: int = 3) -> dict:
    """Rates (calls per second) of each contender over alternating windows: {name: [rate, ...]}."""
    rates = {name: [] for name in contenders}
    for fn in contenders.values():
        for _ in range(warmup):
            fn()
    for _ in range(windows):
        for name, fn in contenders.items():
            rates[name].append(run_window(fn, seconds_per_window))
    return rates


def run_window(fn, seconds):
    """Call fn repeatedly for `seconds`; its rate in calls per second."""
    calls, start = 0, time.perf_counter()
    synchronize = getattr(fn, "synchronize", None)  # a GPU step: wait for its queued work before reading the clock
    while True:
        fn()
        calls += 1
        if synchronize is not None:
            synchronize()
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return calls / elapsed


def compare_in_processes(
    name: str, libraries: list, weights: dict, windows: int = 7, seconds_per_window: float = 0.4
) -> dict:
    """Rates of workload `name` per library, each in its own worker process, windows alternating; the seconds
    each library's first step took are in FIRST_CALL_SECONDS afterwards."""
    here = os.path.dirname(os.path.abspath(__file__))
    rates = {library: [] for library in libraries}
    with tempfile.TemporaryDirectory() as folder:
        weights_path = os.path.join(folder, "weights.npz")
        np.savez(weights_path, **weights)
        workers = {
            library: subprocess.Popen(
                [sys.executable, os.path.join(here, "worker.py"), name, library, weights_path],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                cwd=here,
            )
            for library in libraries
        }
        try:
            for library, worker in workers.items():
                FIRST_CALL_SECONDS[library] = float(_expect(worker, "ready", library).split()[1])
            for _ in range(windows):
                for library, worker in workers.items():
                    time.sleep(PAUSE_BETWEEN_WINDOWS)
                    worker.stdin.write(f"{seconds_per_window}\n")
                    worker.stdin.flush()
                    rates[library].append(float(_expect(worker, None, library)))
        finally:
            for worker in workers.values():
                worker.stdin.close()
                worker.wait()
    return rates


FIRST_CALL_SECONDS = {}  # library -> its worker's first step, in seconds (the last compare_in_processes)


def _expect(worker, wanted, library):
    line = worker.stdout.readline().strip()
    if not line or (wanted is not None and line.split()[0] != wanted):
        raise RuntimeError(f"the {library} benchmark worker stopped (exit code {worker.poll()}); see its stderr above")
    return line


def summary(rates: list) -> str:
    return f"median {statistics.median(rates):9.1f}/s  (min {min(rates):.1f}, max {max(rates):.1f})"


def report(title: str, rates: dict, baseline: str = "torch", unit: str = "steps") -> list:
    """Print each contender's rate and its ratio to the baseline; return the printed lines."""
    lines = [title]
    base = statistics.median(rates[baseline]) if baseline in rates else None
    for name, values in rates.items():
        line = f"  {name:>13}: {summary(values).replace('/s', f' {unit}/s')}"
        if base and name != baseline:
            line += f"   ratio {name}/{baseline} = {statistics.median(values) / base:.2f}"
        lines.append(line)
    print("\n".join(lines), flush=True)
    return lines
