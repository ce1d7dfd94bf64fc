"""Run every benchmark: `python benchmarks/run.py` (or `lamina bench` once the CLI issue lands)."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import data_loading  # noqa: E402
import mlp  # noqa: E402
import op_overhead  # noqa: E402
import training  # noqa: E402
from harness import library_info  # noqa: E402


def main():
    print(library_info())
    try:
        import torch

        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    except ImportError:
        pass
    mlp.main()
    training.main()
    op_overhead.main()
    data_loading.main()


if __name__ == "__main__":
    main()
