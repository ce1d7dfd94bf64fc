"""Whether ops record the graph: `no_grad`, `enable_grad`, `set_grad_enabled`.

The switch is per thread (as in PyTorch): a data-loader thread that works
under `no_grad` must not turn off recording in the training thread.
"""

import functools
import threading


class _State(threading.local):
    grad_enabled = True
    anomaly_enabled = False
    in_backward = False  # ops run by a backward formula: anomaly mode checks their result per node instead
    backward_callbacks = None  # during a backward: what queue_callback asked to run once it has finished


state = _State()


def is_grad_enabled() -> bool:
    return state.grad_enabled


class set_grad_enabled:
    """Turn graph recording on or off; works as a call, a context manager and a decorator."""

    def __init__(self, mode: bool):
        self.previous = state.grad_enabled
        self.mode = bool(mode)
        state.grad_enabled = self.mode

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        state.grad_enabled = self.previous

    def __call__(self, function):
        mode = self.mode
        state.grad_enabled = self.previous  # used as a decorator: the call above must not stick

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return function(*args, **kwargs)

        return wrapper


class _GradModeContext:
    mode = True

    def __enter__(self):
        self.previous = state.grad_enabled
        state.grad_enabled = self.mode
        return self

    def __exit__(self, *exc_info):
        state.grad_enabled = self.previous

    def __call__(self, function):
        mode = self.mode

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return function(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """Ops inside build no graph: for evaluation and for optimizer updates."""

    mode = False


class enable_grad(_GradModeContext):
    """Record the graph again inside a `no_grad` block."""

    mode = True


class inference_mode(_GradModeContext):
    """PyTorch's faster no_grad; here exactly no_grad (lamina has no separate inference tensors)."""

    def __init__(self, mode: bool = True):
        self.mode = not mode


def is_inference_mode_enabled() -> bool:
    return not state.grad_enabled
