"""One library's side of a benchmark, alone in its own process (started by harness.compare_in_processes).

    python worker.py WORKLOAD LIBRARY WEIGHTS.npz

Builds the workload from the given initial weights, runs the warm-up steps, prints "ready" and the
seconds its first step took (torch.compile's compile time is there),
then for every line it reads (a window length in seconds) runs steps for that long and
prints the rate. Only LIBRARY is imported here, so each library runs with the process-wide
settings its own users get (lamina's allocator tuning does not reach torch).
"""

import sys
import time

import numpy as np
import workloads
from harness import run_window

WARMUP_STEPS = 3


def main(name, library, weights_path):
    with np.load(weights_path, allow_pickle=False) as stored:
        weights = {key: stored[key] for key in stored.files}
    step = workloads.build(name, library, weights=weights)[0]
    started = time.perf_counter()
    step()  # the first call: where torch.compile compiles
    first_call = time.perf_counter() - started
    for _ in range(WARMUP_STEPS - 1):
        step()
    print(f"ready {first_call:.3f}", flush=True)
    for line in sys.stdin:
        print(run_window(step, float(line)), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
