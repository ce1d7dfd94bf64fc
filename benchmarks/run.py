"""Run every benchmark: `python benchmarks/run.py [workload ...]`, or `lamina bench`.

Without arguments: the six reference workloads (training and inference), their peak
memory, the per-op overhead and the DataLoader. With workload names: only those
(speed and memory), e.g. `python benchmarks/run.py lenet resnet20`. `--torch-compile` adds torch.compile
as a third side (its first step compiles: tens of seconds per workload).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import data_loading  # noqa: E402
import memory  # noqa: E402
import op_overhead  # noqa: E402
import training  # noqa: E402
from harness import library_info  # noqa: E402

import lamina  # noqa: E402


def main(names=None, torch_compile=False):
    unknown = [name for name in names or () if name not in training.WORKLOADS]
    if unknown:
        print(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(training.WORKLOADS)}")
        return 2
    print(library_info())
    print(f"lamina kernels: {lamina.backend.kernels.describe()}")
    try:
        import torch

        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    except ImportError:
        print("torch not installed: lamina numbers only")
    training.main(names, torch_compile=torch_compile)
    memory.main(names)
    if not names:
        op_overhead.main()
        data_loading.main()


if __name__ == "__main__":
    arguments = sys.argv[1:]
    names = [a for a in arguments if a != "--torch-compile"]
    sys.exit(main(names or None, torch_compile="--torch-compile" in arguments))
