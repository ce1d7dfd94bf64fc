"""lamina's native layer, compiled at install: one optional extension, lamina.native._native, from the C
files in lamina/native/ (each file's header says why it is C; lamina/native/__init__.py loads it):

- dispatch.c: Function.apply, the per-op dispatch (lamina/autograd/function.py), and a binary op's operand
  check (lamina/ops/elementwise.py);
- small.c: reductions, matrix products, ReLU and the optimizer updates of small float arrays, where NumPy's
  call costs more than the work (lamina/backend/kernels/small.py);
- products.c: the convolutions' matrix products in AVX-512 code (lamina/backend/kernels/products.py).

NumPy's C API is used, hence numpy in pyproject's build requirements. optional=True: without a C compiler,
or where the build fails, lamina installs and runs as before, with the Python dispatch and NumPy/numba
kernels these parts are tested against (the same paths LAMINA_NATIVE=0 selects).
"""

import numpy
from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "lamina.native._native",
            sources=[f"lamina/native/{name}.c" for name in ("module", "dispatch", "small", "products")],
            depends=["lamina/native/native.h"],
            include_dirs=[numpy.get_include()],
            extra_compile_args=["-O3", "-fno-math-errno"],  # sqrt as one instruction (nothing reads errno)
            optional=True,
        ),
    ]
)
