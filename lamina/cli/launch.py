"""`lamina launch -n N COMMAND`: COMMAND in N processes over MPI, through the MPI library's own mpiexec.

COMMAND is a Python script (`lamina launch -n 2 train.py --epochs 3`) or a lamina subcommand (`lamina launch
-n 2 train lenet5`). Each process runs under `python -m mpi4py`, which calls MPI_Abort when a rank ends
with an uncaught exception or a non-zero exit: the other ranks are stopped at once instead of waiting
forever in their next collective (under plain `python` they hang; measured). A rank killed by a signal
ends the job through mpiexec itself. Open MPI refuses root without --allow-run-as-root and more processes
than cores without --oversubscribe; both are added where they apply.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path


class LaunchError(Exception):
    """A problem to report in one line (the CLI prints it and exits with status 2)."""


def mpiexec_path() -> str:
    found = shutil.which("mpiexec") or str(Path(sys.executable).parent / "mpiexec")
    if not Path(found).exists():
        raise LaunchError("launch: mpiexec was not found; install an MPI with pip install 'lamina[mpi]'.")
    return found


def implementation(mpiexec: str) -> str:
    """'openmpi', 'mpich' or 'unknown', from `mpiexec --version`."""
    try:
        text = subprocess.run([mpiexec, "--version"], capture_output=True, text=True, timeout=30).stdout.lower()
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return (
        "openmpi"
        if "open mpi" in text or "open-mpi" in text
        else "mpich"
        if "mpich" in text or "hydra" in text
        else "unknown"
    )


def mpiexec_prefix(processes: int, hosts=None) -> list:
    """mpiexec with the flags this MPI needs here, for `processes` ranks: put the program after it."""
    mpiexec = mpiexec_path()
    kind = implementation(mpiexec)
    flags = []
    if kind == "openmpi":
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            flags.append("--allow-run-as-root")
        if processes > (os.cpu_count() or 1):
            flags.append("--oversubscribe")
        if hosts:
            flags += ["--host", hosts]
    elif hosts:
        flags += ["-hosts", hosts]
    return [mpiexec, *flags, "-n", str(processes)]


def command_line(processes: int, command: list, hosts=None) -> list:
    if not command:
        raise LaunchError("launch: give a script or a lamina command, e.g. `lamina launch -n 2 train lenet5`.")
    if command[0].endswith(".py"):
        if not Path(command[0]).is_file():
            raise LaunchError(f"launch: no such script: {command[0]}")
        target = [sys.executable, "-m", "mpi4py", *command]
    else:
        target = [sys.executable, "-m", "mpi4py", "-m", "lamina.cli.main", *command]
    return [*mpiexec_prefix(processes, hosts), *target]


def launch(processes: int, command: list, hosts=None) -> int:
    """Run the job; its exit status (non-zero when any rank failed)."""
    return subprocess.call(command_line(processes, command, hosts))
