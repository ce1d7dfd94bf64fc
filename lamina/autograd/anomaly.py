"""Anomaly detection: find the op that first produced a NaN or Inf.

With it on, every op remembers where it was created (the forward traceback),
every forward output and every gradient a backward returns is checked, and
the first non-finite one raises AnomalyError naming the op and showing where
it was created. It costs a scan per op, so it is off by default.
"""

import traceback

from lamina.autograd.grad_mode import state


def is_anomaly_enabled() -> bool:
    return state.anomaly_enabled


class detect_anomaly:
    """Context manager (and decorator-free switch) turning anomaly detection on."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled

    def __enter__(self):
        self.previous = state.anomaly_enabled
        _switch(self.enabled)
        return self

    def __exit__(self, *exc_info):
        state.anomaly_enabled = self.previous


def set_detect_anomaly(enabled: bool) -> None:
    _switch(bool(enabled))


def _switch(enabled: bool) -> None:
    """Anomaly mode on or off in this thread. Once on anywhere, the native dispatch reads the switch per op from
    then on."""
    state.anomaly_enabled = enabled
    if enabled:
        from lamina.autograd import function  # (here: function.py imports this module)

        function.anomaly_turned_on()


def creation_trace() -> str:
    """The user's stack where an op is created, without lamina's own frames."""
    frames = [f for f in traceback.extract_stack()[:-1] if "/lamina/autograd/" not in f.filename]
    return "".join(traceback.format_list(frames[-8:]))


def first_bad_value(xp, array):
    """'nan' or 'inf' if the array holds one, else None (integer arrays never do)."""
    if array.dtype.kind != "f" or array.size == 0:
        return None
    if xp.isnan(array).any():
        return "nan"
    if xp.isinf(array).any():
        return "inf"
    return None
