#!/usr/bin/env bash
# The GPU check, in one go on a machine with an NVIDIA GPU (under 8 minutes, nothing from a network):
#   bash benchmarks/gpu_check.sh 2>&1 | tee gpu_check.log
# 1. what lamina sees (lamina doctor: GPU name, memory, CuPy and CUDA versions);
# 2. the cuda tests: tests/backend/test_cuda.py, and the op, layer and optimizer suites, whose every case
#    also runs on cuda there and is compared with the CPU (tests/device_helpers.py);
# 3. the training and inference benchmarks on the GPU, lamina against torch CUDA eager, each library in
#    its own process, same weights (benchmarks/training.py with LAMINA_BENCH_DEVICE=cuda); one table.
# Expects CuPy (cupy-cuda12x or cupy-cuda13x), torch with CUDA and the package importable (pip install -e .
# beforehand, or run from the repository root: PYTHONPATH=. is set below).
set -u
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
PY=${PYTHON:-python}
started=$(date +%s)
status=0

echo "== lamina doctor"
$PY -m lamina.cli.main doctor | grep -E "lamina|GPU|CPU|kernels" || status=1
$PY -c "import lamina, sys; sys.exit(0 if lamina.cuda.is_available() else 'no cuda device: nothing to check')" || exit 1

echo "== cuda tests (every op, layer and optimizer case also on cuda)"
timeout 300 $PY -m pytest -q -p no:cacheprovider -x tests/backend/test_cuda.py tests/backend/test_devices.py \
    tests/ops tests/nn tests/optim tests/test_amp.py 2>&1 | tail -25 || status=1

echo "== GPU benchmarks: lamina / torch CUDA eager (medians of alternating windows)"
LAMINA_BENCH_DEVICE=cuda timeout 240 $PY benchmarks/training.py lenet resnet20 gpt mlp lenet-infer || status=1

echo "== done in $(( $(date +%s) - started )) s, status $status"
exit $status
