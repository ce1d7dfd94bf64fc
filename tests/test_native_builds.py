"""The native layer (lamina/native, one optional extension) was built where a C compiler exists.

setup.py marks it optional, so a failed build leaves a working install that runs the Python and NumPy
paths instead; these tests make such a failure visible rather than passing as the slower path. Each part's
own tests skip where it was not built.
"""

import os
import shutil
import subprocess
import sys

import pytest

from lamina import native

needs_compiler = pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler: the install builds none")


@needs_compiler
def test_the_native_layer_was_built_and_serves_every_part():
    if not native.enabled():
        pytest.skip("turned off by LAMINA_NATIVE=0")
    assert native.extension is not None, "lamina/native was not built at install (see the pip output)"
    from lamina.autograd import function
    from lamina.backend.kernels import small
    from lamina.ops import elementwise

    assert function.native_apply is native.extension
    assert elementwise._binary is native.extension.binary and elementwise._operands is native.extension.operands
    assert small.sum_all is native.extension.sum_all and small.small_product is native.extension.product


def test_one_switch_turns_every_part_off():
    code = (
        "import sys, lamina\n"
        "from lamina import native\n"
        "from lamina.autograd import function\n"
        "from lamina.backend.kernels import small\n"
        "from lamina.ops import elementwise\n"
        "assert native.extension is None and function.native_apply is None\n"
        "assert elementwise._binary is elementwise._python_binary\n"
        "assert small.extension is None\n"
        "assert (lamina.ones(2) + 1).tolist() == [2.0, 2.0]\n"
        "assert 'lamina.native._native' not in sys.modules\n"
    )
    env = {**os.environ, "LAMINA_NATIVE": "0"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)
