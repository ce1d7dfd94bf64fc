"""Training and inference speed of the reference workloads: lamina vs torch eager, in one process.

Each workload's first steps are checked to agree on both sides (workloads.check_same_steps),
then the two step functions run in alternating windows (harness.compare); medians are reported.
"""

from harness import compare, report
from workloads import WORKLOADS, check_same_steps, make_workload


def main(names=None, windows=7):
    lines = []
    for name in names or WORKLOADS:
        check_same_steps(name)
        seconds = 1.5 if name == "resnet20" else 0.6
        rates = compare(make_workload(name), windows=windows, seconds_per_window=seconds, warmup=3)
        lines += report(WORKLOADS[name][0], rates)
    return lines


if __name__ == "__main__":
    import sys

    main(sys.argv[1:] or None)
