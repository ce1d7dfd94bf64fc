"""Timing harness shared by the benchmarks: alternate the contenders, report medians.

Noise on a shared 2-core machine is 10-20 %, so each contender runs in short
windows, alternating with the others in one process, and we compare medians
of the windows' rates, never single runs.
"""

import statistics
import time


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
            calls, start = 0, time.perf_counter()
            while True:
                fn()
                calls += 1
                elapsed = time.perf_counter() - start
                if elapsed >= seconds_per_window:
                    break
            rates[name].append(calls / elapsed)
    return rates


def summary(rates: list) -> str:
    return f"median {statistics.median(rates):9.1f}/s  (min {min(rates):.1f}, max {max(rates):.1f})"


def report(title: str, rates: dict, baseline: str = "torch", unit: str = "steps") -> list:
    """Print each contender's rate and its ratio to the baseline; return the printed lines."""
    lines = [title]
    base = statistics.median(rates[baseline]) if baseline in rates else None
    for name, values in rates.items():
        line = f"  {name:>8}: {summary(values).replace('/s', f' {unit}/s')}"
        if base and name != baseline:
            line += f"   ratio {name}/{baseline} = {statistics.median(values) / base:.2f}"
        lines.append(line)
    print("\n".join(lines), flush=True)
    return lines
