"""Peak memory (RSS) of each workload, lamina vs torch, each measured alone in a fresh process.

One process per library and workload, so neither library's allocations count against the
other: the process imports only its own library, builds the workload and runs 20 steps;
its peak resident set is the number reported. It is read from /proc/self/status (VmHWM),
not getrusage: ru_maxrss survives exec, so a child would report the benchmark parent's peak.
"""

import os
import subprocess
import sys

STEPS = 20


def peak_rss_mib(name, library):
    """Run workload `name` on one library in a child process; its peak RSS in MiB."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import workloads; "
        "step = workloads.build(sys.argv[2], sys.argv[3])[0]\n"
        f"for _ in range({STEPS}): step()\n"
        "print([line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM')][0])"
    )
    here = os.path.dirname(os.path.abspath(__file__))
    result = subprocess.run(
        [sys.executable, "-c", code, here, name, library], capture_output=True, text=True, check=True
    )
    return int(result.stdout.split()[-1]) / 1024  # kB


def main(names=None):
    import workloads

    names = names or list(workloads.WORKLOADS)
    libraries = ["lamina"] + (["torch"] if workloads.torch_or_none() is not None else [])
    lines = ["peak RSS per workload, each library alone in a fresh process (MiB, incl. the interpreter and imports)"]
    for name in names:
        sizes = {library: peak_rss_mib(name, library) for library in libraries}
        line = f"  {name:>12}: " + ", ".join(f"{lib} {size:7.1f}" for lib, size in sizes.items())
        if "torch" in sizes:
            line += f"   ratio lamina/torch = {sizes['lamina'] / sizes['torch']:.2f}"
        lines.append(line)
        print(line, flush=True)
    return lines
