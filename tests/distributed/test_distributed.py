"""Data-parallel training over MPI (issue 20), on one machine with `mpiexec -n 2`.

Every test runs its ranks in subprocesses with a timeout, so nothing can hang the suite. Two ranks with
batch 32 each must end with the parameters one process reaches with batch 64 (float64, 1e-12)."""

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mpi4py", reason="the MPI tests need mpi4py and an MPI (pip install 'lamina[mpi]')")

from lamina.cli import launch  # noqa: E402

HERE = Path(__file__).parent
try:
    launch.mpiexec_path()
except launch.LaunchError:
    pytest.skip("no mpiexec on this machine", allow_module_level=True)


def run_ranks(processes, script, *args, timeout=240):
    command = launch.command_line(processes, [str(HERE / script), *map(str, args)])
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize(
    "kind, mode",
    [
        ("mlp", "plain"),
        ("mlp", "no_sync"),
        ("cnn", "per_rank"),
        ("cnn", "sync"),
        ("lstm", "plain"),
        ("lstm", "no_sync"),
    ],
)
def test_two_ranks_of_32_equal_one_process_of_64(kind, mode, tmp_path):
    two, one = tmp_path / "two.npz", tmp_path / "one.npz"
    done = run_ranks(2, "equivalence_worker.py", kind, mode, two)
    assert done.returncode == 0, done.stderr[-3000:]
    alone = subprocess.run(
        [sys.executable, str(HERE / "equivalence_worker.py"), kind, mode, one],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert alone.returncode == 0, alone.stderr[-3000:]
    ours, reference = np.load(two), np.load(one)
    assert sorted(ours.files) == sorted(reference.files)
    for name in reference.files:
        np.testing.assert_allclose(ours[name], reference[name], rtol=0, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("kind, mode", [("mlp", "no_sync"), ("cnn", "sync")])
def test_ddp_on_a_device_is_staged_through_the_host_and_equals_the_cpu(kind, mode, tmp_path):
    # the strict fake device refuses every silent host conversion (tests/strict_device.py): the collectives
    # copy a device tensor out and back explicitly, as they do a GPU's, and must give the CPU's parameters
    device, cpu = tmp_path / "device.npz", tmp_path / "cpu.npz"
    for path, where in ((device, "strict"), (cpu, "cpu")):
        done = run_ranks(2, "equivalence_worker.py", kind, mode, path, where)
        assert done.returncode == 0, done.stderr[-3000:]
    ours, reference = np.load(device), np.load(cpu)
    assert sorted(ours.files) == sorted(reference.files)
    for name in reference.files:
        np.testing.assert_allclose(ours[name], reference[name], rtol=0, atol=1e-12, err_msg=name)


def test_collectives_and_ddp_checks_on_two_ranks():
    done = run_ranks(2, "collectives_worker.py")
    assert done.returncode == 0, done.stderr[-3000:]
    for check in ("collectives", "device collectives", "broadcast", "unused", "find_unused", "async", "overlap"):
        assert all(f"OK {check} {rank}" in done.stdout for rank in (0, 1)), (check, done.stdout)


@pytest.mark.parametrize("how, status", [("raise", 1), ("exit", 3), ("kill", None)])
def test_a_failing_rank_ends_the_job_within_seconds_and_the_checkpoint_survives(how, status, tmp_path):
    from lamina.train.checkpoint import load_checkpoint

    checkpoint = tmp_path / "last.safetensors"
    started = time.monotonic()
    done = run_ranks(2, "failing_worker.py", how, checkpoint, timeout=120)
    elapsed = time.monotonic() - started
    assert done.returncode != 0 and (status is None or done.returncode == status), done.returncode
    assert elapsed < 10 + 5, elapsed  # 10 s from the failure (start-up included, a few seconds here)
    if how == "raise":
        assert "rank 1 fails on purpose" in done.stderr
    assert load_checkpoint(checkpoint)["step"] == 2  # the last good checkpoint is intact


def test_lamina_launch_refuses_nothing_to_run_in_one_line():
    done = subprocess.run(
        [sys.executable, "-m", "lamina.cli.main", "launch", "-n", "2"], capture_output=True, text=True
    )
    assert done.returncode == 2 and done.stderr.startswith("lamina: launch: give a script")
