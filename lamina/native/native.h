/* lamina's native layer: one extension module, lamina.native._native, built from the files of this folder.

module.c is its one init; each part adds its functions to the module through the function declared here.
NumPy's C API table is imported once, in module.c (PY_ARRAY_UNIQUE_SYMBOL shares it with the other files).
*/
#ifndef LAMINA_NATIVE_H
#define LAMINA_NATIVE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_23_API_VERSION
#define PY_ARRAY_UNIQUE_SYMBOL lamina_native_ARRAY_API
#ifndef LAMINA_NATIVE_IMPORTS_NUMPY
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>
#include <stddef.h>

int lamina_add_dispatch(PyObject *module); /* dispatch.c: Function.apply and the binary ops' operands */
int lamina_add_small(PyObject *module);    /* small.c: kernels for small float arrays */

/* products.c (plain C, called from numba through its address): the convolutions' batched products */
int lamina_has_avx512(void);
int lamina_batched_product(int transposed_b, ptrdiff_t planes, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a,
                           ptrdiff_t lda, ptrdiff_t sa, const float *b, ptrdiff_t ldb, ptrdiff_t sb, float *c,
                           ptrdiff_t ldc, ptrdiff_t sc, int accumulate);

#endif
