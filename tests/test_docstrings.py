"""The `Example:` blocks in layer docstrings are doctests: they must run and give what they show."""

import doctest

import pytest

import lamina
from lamina.nn.modules import conv, linear


@pytest.mark.parametrize("module", [linear, conv])
def test_layer_docstring_examples_run(module):
    globs = {"lamina": lamina, **{name: getattr(lamina.nn, name) for name in lamina.nn.__all__}}
    result = doctest.testmod(module, extraglobs=globs, verbose=False)
    assert result.attempted > 0 and result.failed == 0
