"""lamina's native layer: the C parts, one extension module (`_native`) built at install from this folder.

setup.py lists the files and why each is C: dispatch.c (Function.apply and a binary op's operands),
small.c (kernels for small float arrays) and products.c (the convolutions' AVX-512 products). Everything
in lamina that uses C reaches it through `extension` here, and nothing else loads a native library.

`LAMINA_NATIVE=0` in the environment turns the whole layer off: lamina then runs the Python dispatch and
the NumPy/numba kernels the C is tested against (CI runs the suite both ways). Where the extension was not
built (no C compiler at install: it is optional), the same Python paths serve.
"""

import os


def enabled() -> bool:
    """Whether this process may use the native layer (LAMINA_NATIVE is not 0)."""
    return os.environ.get("LAMINA_NATIVE", "1") != "0"


def _load():
    if not enabled():
        return None
    try:
        from lamina.native import _native
    except ImportError:  # not built (optional at install)
        return None
    return _native


extension = _load()  # the module, or None


def describe() -> str:
    """One line for `lamina doctor`: whether the native layer serves this process, and why not."""
    if extension is not None:
        return f"built, in use (AVX-512 products: {'yes' if extension.has_avx512() else 'no, NumPy serves'})"
    if not enabled():
        return "off (LAMINA_NATIVE=0): the Python dispatch and NumPy/numba kernels serve"
    return "not built (no C compiler at install?): the Python dispatch and NumPy/numba kernels serve"
