"""The optional C extensions were built where a C compiler exists.

setup.py marks them optional, so a failed build leaves a working install that runs the Python and NumPy
paths instead; these tests make such a failure visible rather than passing as the slower path. (apply.c's
guard is in tests/autograd/test_native_apply.py.) Their own tests skip where they were not built.
"""

import shutil

import pytest

from lamina.backend import native

needs_compiler = pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler: the install builds none")


@needs_compiler
def test_small_c_was_built_and_serves_the_compiled_kernels():
    compiled = pytest.importorskip("lamina.backend.kernels.compiled", reason="numba is not installed")
    if not native.enabled("small"):
        pytest.skip("turned off by LAMINA_NATIVE=0")
    assert compiled._small is not None, "small.c was not built at install (see the pip output)"
    small = compiled._small
    assert compiled.sum_all is small.sum_all and compiled.sum_dims is small.sum_dims
    assert compiled.max_all is small.max_all and compiled.small_product is small.product


@needs_compiler
def test_operands_c_was_built_and_serves_the_binary_ops():
    from lamina.ops import elementwise

    if not native.enabled("operands"):
        pytest.skip("turned off by LAMINA_NATIVE=0 or LAMINA_NATIVE_APPLY=0")
    assert elementwise._operands is not elementwise._python_operands, "operands.c was not built at install"
