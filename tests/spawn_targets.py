"""Functions for tests/test_multiprocessing.py's spawned processes (importable by name, as spawn needs)."""

import os
import sys


def write_rank(rank, folder):
    with open(os.path.join(folder, f"rank{rank}"), "w") as handle:
        handle.write(str(rank))


def fail_on_one(rank):
    if rank == 1:
        sys.exit(3)
