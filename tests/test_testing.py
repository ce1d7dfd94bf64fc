"""lamina.testing.assert_close against torch.testing.assert_close: the same verdicts on the same inputs."""

import math

import pytest

import lamina

torch = pytest.importorskip("torch")

CASES = [
    ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], {}),
    ([1.0, 2.0, 3.0], [1.0, 2.0, 3.00001], {}),  # inside float32's defaults
    ([1.0, 2.0, 3.0], [1.0, 2.0, 3.01], {}),  # outside
    ([1.0, 2.0, 3.0], [1.0, 2.0, 3.01], {"rtol": 0.0, "atol": 0.02}),
    ([math.nan, 1.0], [math.nan, 1.0], {}),
    ([math.nan, 1.0], [math.nan, 1.0], {"equal_nan": True}),
    ([math.inf, 1.0], [math.inf, 1.0], {}),
]


@pytest.mark.parametrize("actual,expected,options", CASES)
def test_same_verdict_as_torch(actual, expected, options):
    def verdict(lib):
        try:
            lib.testing.assert_close(lib.tensor(actual), lib.tensor(expected), **options)
        except AssertionError as error:
            return str(error).splitlines()[0]
        return "close"

    assert verdict(lamina) == verdict(torch)


def test_dtype_shape_and_integer_checks():
    with pytest.raises(AssertionError, match="dtype"):
        lamina.testing.assert_close(lamina.tensor([1.0]), lamina.tensor([1.0], dtype=lamina.float64))
    lamina.testing.assert_close(lamina.tensor([1.0]), lamina.tensor([1.0], dtype=lamina.float64), check_dtype=False)
    with pytest.raises(AssertionError, match="shape"):
        lamina.testing.assert_close(lamina.zeros(2), lamina.zeros(3))
    with pytest.raises(AssertionError, match="Mismatched elements: 1 / 2"):
        lamina.testing.assert_close(lamina.tensor([1, 2]), lamina.tensor([1, 3]))
    lamina.testing.assert_close([lamina.ones(2), lamina.zeros(1)], [lamina.ones(2), lamina.zeros(1)])


def test_compile_runs_eagerly_with_torchs_arguments():
    model = lamina.nn.Linear(3, 2)
    assert lamina.compile(model) is model and lamina.compile(model, backend="eager", mode="max-autotune") is model

    @lamina.compile(fullgraph=True)
    def double(x):
        return x * 2

    assert double(lamina.ones(2)).tolist() == [2.0, 2.0]
    with pytest.raises(TypeError, match="expects a module or a function"):
        lamina.compile(3)
