/* The init of lamina.native._native: NumPy's C API, then each part's functions (native.h lists them). */
#define LAMINA_NATIVE_IMPORTS_NUMPY
#include "native.h"

static PyObject *has_avx512(PyObject *module, PyObject *unused) { return PyBool_FromLong(lamina_has_avx512()); }

static PyObject *batched_product_address(PyObject *module, PyObject *unused) {
    return PyLong_FromVoidPtr((void *)lamina_batched_product);
}

static PyMethodDef methods[] = {
    {"has_avx512", has_avx512, METH_NOARGS, "whether this CPU runs products.c's AVX-512 code"},
    {"batched_product_address", batched_product_address, METH_NOARGS,
     "the address of lamina_batched_product (products.c), for a ctypes prototype called from numba"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_definition = {PyModuleDef_HEAD_INIT, "_native", NULL, -1, methods};

PyMODINIT_FUNC PyInit__native(void) {
    import_array(); /* an ImportError if the NumPy found differs in ways this build cannot serve */
    PyObject *module = PyModule_Create(&module_definition);
    if (module == NULL) return NULL;
    if (lamina_add_dispatch(module) < 0 || lamina_add_small(module) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
