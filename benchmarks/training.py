"""Training and inference speed of the reference workloads: lamina vs torch eager, and JAX's jit where jax is
installed (`pip install jax`; the workloads jax_side.py has, resnet20 not among them).

Each workload's first steps are checked to agree on every side (workloads.check_same_steps, check_jax_matches),
then the two libraries run in alternating windows and the medians are reported. By default
each library runs in its own process (harness.compare_in_processes), as its users run it;
`same_process=True` alternates both in this one process instead, where lamina's allocator
setting also applies to torch (`python training.py --same-process [workload ...]`).
"""

import os

from harness import FIRST_CALL_SECONDS, compare, compare_in_processes, report
from workloads import (
    WORKLOADS,
    check_jax_matches,
    check_same_steps,
    initial_weights,
    make_workload,
    sides_with_peers,
    torch_or_none,
)


def main(names=None, windows=7, same_process=False, torch_compile=False):
    """torch_compile: torch.compile as a third side (each workload's first step then compiles, tens of seconds:
    off by default, `--torch-compile` or LAMINA_BENCH_TORCH_COMPILE=1)."""
    lines = []
    where = "both in one process" if same_process else "each library in its own process"
    torch_compile = torch_compile or os.environ.get("LAMINA_BENCH_TORCH_COMPILE") == "1"
    for name in names or WORKLOADS:
        check_same_steps(name)
        seconds = 1.5 if name == "resnet20" else 0.6
        if same_process:
            rates = compare(make_workload(name), windows=windows, seconds_per_window=seconds, warmup=3)
        else:
            libraries = sides_with_peers(name)
            if "jax" in libraries:
                check_jax_matches(name)
            if torch_compile and torch_or_none() is not None:
                libraries.append("torch.compile")
            rates = compare_in_processes(name, libraries, initial_weights(name), windows, seconds)
        lines += report(f"{WORKLOADS[name][0]}, {where}", rates)
        if not same_process and ("torch.compile" in rates or "jax" in rates):
            first = ", ".join(f"{library} {seconds:.1f} s" for library, seconds in FIRST_CALL_SECONDS.items())
            lines.append(f"  first step (compile included): {first}")
            print(lines[-1], flush=True)
    return lines


if __name__ == "__main__":
    import sys

    arguments = sys.argv[1:]
    flags = {"--same-process", "--torch-compile"}
    main(
        [a for a in arguments if a not in flags] or None,
        same_process="--same-process" in arguments,
        torch_compile="--torch-compile" in arguments,
    )
