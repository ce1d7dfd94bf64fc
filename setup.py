"""The one part of lamina that is compiled at install: products.c (see its header for why).

optional=True: without a C compiler, or where the build fails, lamina installs and runs as before,
with NumPy's matmul in place of these products (lamina/backend/kernels/products.py).
"""

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
            "lamina.autograd._apply",
            sources=["lamina/autograd/apply.c"],
            extra_compile_args=["-O2"],
            optional=True,
        ),
    ]
)
