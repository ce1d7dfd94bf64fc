"""Checks of values that live on a device, reported at the next host read instead of waiting for the device.

A check such as "every label is a valid class" must read the labels. On the CPU that read is free, so
the check raises at once, where the bad value is met. On a GPU it would stop the host until the device's
queue drains (a synchronisation) in every training step, so there the check's verdict is computed on the
device and kept; the next time the host reads a value anyway (`Tensor.item()`, `.numpy()`, `.tolist()`,
printing, `lamina.cuda.synchronize()`, the Trainer's check points) every pending verdict is read at once
and the first failed check raises its error, which names the op and says that it ran earlier.
"""

import numpy as np

from lamina.backend.kernels import namespace

MAX_PENDING = 256  # verdicts kept before they are read anyway: bounds the memory their arrays hold

pending = []  # (verdict: a 0-d bool device array, make_error: () -> Exception, op name)


def on_host(array) -> bool:
    """Whether reading `array` costs nothing (a NumPy array: the CPU)."""
    return isinstance(array, (np.ndarray, np.generic, bool, int))


def require(ok, make_error, op: str) -> None:
    """Raise make_error() unless `ok` (a bool, or a 0-d bool array) holds: now on the CPU, at the next
    host read on a device."""
    if on_host(ok):
        if not ok:
            raise make_error()
        return
    pending.append((ok, make_error, op))
    if len(pending) >= MAX_PENDING:
        flush()


def require_in_range(values, low: int, high: int, make_error, op: str) -> None:
    """Require low <= v < high for every entry of the integer array `values`; make_error(bad_value)."""
    if values.size == 0:
        return
    smallest, largest = values.min(), values.max()
    if on_host(values):
        smallest, largest = int(smallest), int(largest)
        if smallest < low or largest >= high:
            raise make_error(largest if largest >= high else smallest)
        return

    def error():  # run at the next host read: reading the two numbers is free then
        bad = int(largest) if int(largest) >= high else int(smallest)
        return make_error(bad)

    require((smallest >= low) & (largest < high), error, op)


def flush() -> None:
    """Read every pending verdict (one read per device) and raise the first failed check's error."""
    if not pending:
        return
    checks = pending[:]
    pending.clear()
    verdicts = []
    for ok, _, _ in checks:  # one transfer per run of checks on one device
        if verdicts and namespace.of(ok) is namespace.of(verdicts[-1][0]):
            verdicts[-1].append(ok)
        else:
            verdicts.append([ok])
    passed = [flag for run in verdicts for flag in namespace.of(run[0]).stack(run).tolist()]
    for index, ((_, make_error, op), ok) in enumerate(zip(checks, passed)):
        if not ok:
            error = make_error()
            later = len(checks) - index - 1
            note = f" (checked on the device when {op} ran and reported at the next read of a value" + (
                f"; {later} later checks were not reported)" if later else ")"
            )
            raise type(error)(str(error) + note) from None
