"""lamina.backends.winograd: Winograd's speed by default, im2col's precision (near torch's) when switched off."""

import numpy as np
import pytest

import lamina
from lamina.backend.kernels import choices

torch = pytest.importorskip("torch")


def _relative_errors():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 32, 16, 16)).astype(np.float32)
    w = (rng.standard_normal((32, 32, 3, 3)) * 0.1).astype(np.float32)
    exact = torch.nn.functional.conv2d(torch.from_numpy(x).double(), torch.from_numpy(w).double(), padding=1).numpy()
    ours = lamina.nn.functional.conv2d(lamina.tensor(x), lamina.tensor(w), padding=1).numpy()
    theirs = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=1).numpy()
    scale = np.abs(exact).max()
    return np.abs(ours - exact).max() / scale, np.abs(theirs - exact).max() / scale


def test_switching_winograd_off_gives_torchs_precision(monkeypatch):
    monkeypatch.setattr(choices.winograd, "enabled", True)
    with_winograd, torch_error = _relative_errors()
    monkeypatch.setattr(choices.winograd, "enabled", False)
    without, _ = _relative_errors()
    assert without <= 4 * torch_error  # im2col: the same order as torch's rounding
    assert lamina.backends.winograd is choices.winograd
    assert with_winograd < 1e-4  # Winograd: less precise, still well inside float32 training noise
