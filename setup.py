"""The parts of lamina compiled at install (each file's header says why it is C):

- products.c: the convolutions' matrix products in AVX-512 code (lamina/backend/kernels/products.py);
- small.c: reductions and matrix products of small float arrays, where NumPy's call costs more than the work
  (lamina/backend/kernels/compiled.py); it uses NumPy's C API, hence numpy in pyproject's build requirements;
- apply.c: Function.apply, the per-op dispatch (lamina/autograd/function.py);
- operands.c: the common case of a binary op's operand check (lamina/ops/elementwise.py), NumPy's C API too.

optional=True: without a C compiler, or where a build fails, lamina installs and runs as before, with
NumPy in place of these kernels and the Python functions in place of apply.c's and operands.c's.
"""

import numpy
from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "lamina.backend.kernels._products",
            sources=["lamina/backend/kernels/products.c"],
            extra_compile_args=["-O3"],
            optional=True,
        ),
        Extension(
            "lamina.backend.kernels._small",
            sources=["lamina/backend/kernels/small.c"],
            include_dirs=[numpy.get_include()],
            extra_compile_args=["-O3", "-fno-math-errno"],  # sqrt as one instruction (nothing reads errno)
            optional=True,
        ),
        Extension(
            "lamina.ops._operands",
            sources=["lamina/ops/operands.c"],
            include_dirs=[numpy.get_include()],
            extra_compile_args=["-O2"],
            optional=True,
        ),
        Extension(
            "lamina.autograd._apply",
            sources=["lamina/autograd/apply.c"],
            extra_compile_args=["-O2"],
            optional=True,
        ),
    ]
)
