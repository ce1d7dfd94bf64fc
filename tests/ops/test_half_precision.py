"""float16 in, float16 out, as in torch: SciPy has no float16 loops (erf, expit, lgamma, ... answer float16 in
float64), so a float16 model under autocast once met a float64 GELU output and a Linear that refused it."""

import numpy as np
import pytest

import lamina

torch = pytest.importorskip("torch")

UNARY = [
    "erf", "erfc", "erfinv", "lgamma", "digamma", "sigmoid", "tanh", "exp", "log1p", "special.expit",
    "special.ndtr", "nn.functional.gelu", "nn.functional.silu", "nn.functional.mish", "nn.functional.softplus",
    "nn.functional.elu", "nn.functional.selu", "nn.functional.logsigmoid", "nn.functional.hardswish",
]  # fmt: skip


def _function(library, name):
    for part in name.split("."):
        library = getattr(library, part)
    return library


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dtype", ["float16", "float32"])
def test_a_unary_function_keeps_its_input_dtype_and_torchs_values(name, dtype):
    values = np.linspace(-0.9, 0.9, 7)  # inside erfinv's domain and log1p's
    ours = _function(lamina, name)(lamina.tensor(values, dtype=getattr(lamina, dtype)))
    theirs = _function(torch, name)(torch.tensor(values, dtype=getattr(torch, dtype)))
    assert ours.dtype.name == str(theirs.dtype).split(".")[1] == dtype
    np.testing.assert_allclose(ours.numpy().astype(np.float64), theirs.numpy().astype(np.float64), rtol=2e-3, atol=2e-3)


def test_a_float16_model_runs_under_autocast_as_in_torch():
    model = lamina.nn.Sequential(lamina.nn.Linear(4, 8), lamina.nn.GELU(), lamina.nn.Linear(8, 2))
    with lamina.autocast("cpu", dtype=lamina.float16):
        out = model(lamina.randn(3, 4))
    assert out.dtype is lamina.float16
