/* The common case of elementwise.py's _operands in C: two tensors of one dtype whose shapes broadcast.

Why: every binary op (a + b, a * b, a / b, ...) first makes its operands one dtype and checks that
they broadcast. On small tensors the Python of that check (0.14 us a call, measured) is a seventh
of the whole op, as much as PyTorch's margin over lamina. Here it reads the arrays' dtype and
shape directly (NumPy's C API) and answers (a, b); anything else (a Python number, two dtypes,
shapes that do not broadcast, arrays that are not NumPy's) goes to the Python function, which is
the definition and makes every error message. LAMINA_NATIVE_APPLY=0 turns this off with apply.c.
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#define NPY_NO_DEPRECATED_API NPY_1_23_API_VERSION
#include <numpy/arrayobject.h>

static PyTypeObject *tensor_type;  /* lamina.Tensor */
static PyObject *python_operands;  /* elementwise._python_operands(op, a, b) */
static Py_ssize_t tensor_data = -1; /* offset of Tensor's `data` slot */

#define DATA(tensor) (*(PyObject **)((char *)(tensor) + tensor_data))

static int broadcastable(PyArrayObject *a, PyArrayObject *b) {
    int ndim_a = PyArray_NDIM(a), ndim_b = PyArray_NDIM(b);
    const npy_intp *shape_a = PyArray_DIMS(a), *shape_b = PyArray_DIMS(b);
    for (int i = 1; i <= ndim_a && i <= ndim_b; i++) {
        npy_intp size_a = shape_a[ndim_a - i], size_b = shape_b[ndim_b - i];
        if (size_a != size_b && size_a != 1 && size_b != 1) return 0;
    }
    return 1;
}

/* operands(op, a, b) -> (a, b), as _python_operands(op, a, b) */
static PyObject *operands(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "operands(op, a, b)");
        return NULL;
    }
    PyObject *a = args[1], *b = args[2];
    if (tensor_data >= 0 && Py_IS_TYPE(a, tensor_type) && Py_IS_TYPE(b, tensor_type)) {
        PyObject *array_a = DATA(a), *array_b = DATA(b);
        if (array_a != NULL && array_b != NULL && PyArray_CheckExact(array_a) && PyArray_CheckExact(array_b) &&
            PyArray_EquivTypes(PyArray_DESCR((PyArrayObject *)array_a), PyArray_DESCR((PyArrayObject *)array_b)) &&
            broadcastable((PyArrayObject *)array_a, (PyArrayObject *)array_b))
            return PyTuple_Pack(2, a, b);
    }
    if (python_operands == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "operands.c: configure() was not called");
        return NULL;
    }
    return PyObject_Vectorcall(python_operands, args, 3, NULL);
}

/* configure(Tensor, python_operands) */
static PyObject *configure(PyObject *module, PyObject *args) {
    PyObject *tensor, *fallback;
    if (!PyArg_ParseTuple(args, "O!O", &PyType_Type, &tensor, &fallback)) return NULL;
    PyObject *descriptor = PyObject_GetAttrString(tensor, "array");
    if (descriptor == NULL) return NULL;
    Py_ssize_t offset = -1;
    if (Py_IS_TYPE(descriptor, &PyMemberDescr_Type)) {
        PyMemberDef *member = ((PyMemberDescrObject *)descriptor)->d_member;
        if (member->type == T_OBJECT_EX) offset = member->offset;
    }
    Py_DECREF(descriptor);
    if (offset < 0) {
        PyErr_SetString(PyExc_TypeError, "operands.c: Tensor.array is not a __slots__ entry");
        return NULL;
    }
    Py_XSETREF(tensor_type, (PyTypeObject *)Py_NewRef(tensor));
    Py_XSETREF(python_operands, Py_NewRef(fallback));
    tensor_data = offset;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"operands", (PyCFunction)(void (*)(void))operands, METH_FASTCALL,
     "operands(op, a, b): (a, b) of one dtype that broadcast (see elementwise._python_operands)"},
    {"configure", configure, METH_VARARGS, "configure(Tensor, python_operands)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_definition = {PyModuleDef_HEAD_INIT, "_operands", NULL, -1, methods};

PyMODINIT_FUNC PyInit__operands(void) {
    import_array();
    return PyModule_Create(&module_definition);
}
