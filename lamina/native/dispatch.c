/* Function.apply in C, the per-op dispatch, and a binary op's operands and dispatch in one call.

Why: every op goes through Function.apply, and on a small tensor the Python of it (reading the inputs,
making the node, calling forward, wrapping the output) costs more than NumPy's work and more than
PyTorch's whole op (benchmarks/README.md has the measurements). This file does the same steps in the same
order as the Python apply in function.py, which stays the reference: LAMINA_NATIVE=0 runs that one, and
the test suite runs both.

A binary op (a + b, a * b, ...) first makes its operands one dtype and checks that they broadcast
(elementwise._python_operands). binary() answers the common case here (two tensors of one dtype whose
shapes broadcast) and goes straight on to apply, so such an op enters C once; anything else (a Python
number, two dtypes, shapes that do not broadcast, arrays that are not NumPy's) goes to the Python
function, which is the definition and makes every error message.

What it leaves to Python: recording the graph (function._record, only when an input requires grad and
grad mode is on), anomaly mode's check of the output, and the error for inputs on different devices.
Those are rare or cost more than the dispatch anyway.

Slots are written at their offsets (read once from the classes' member descriptors, as the descriptors
themselves do), since a generic setattr costs as much as the Python it replaces. Function and Tensor
declare __slots__, and a subclass keeps its base's slots at the same offsets.
*/
#include "native.h"
#include <structmember.h>

/* Set once by configure(): the classes and helpers of lamina/autograd/function.py. */
static PyTypeObject *tensor_type;
static PyTypeObject *function_type;
static PyObject *grad_state;     /* lamina.autograd.grad_mode.state (thread-local) */
static PyObject *record_graph;   /* function._record(ctx, inputs, output, anomaly) */
static PyObject *check_forward;  /* function._check_forward(cls, arrays, output_array, xp) */
static PyObject *device_mismatch; /* function.raise_device_mismatch(op_name, inputs) */
static PyObject *python_operands; /* elementwise._python_operands(op, a, b), set by configure_operands() */
static PyObject *installed_apply; /* Function.__dict__["apply"] as function.py installed it: this file's apply */
static PyObject *empty_tuple;
/* Set by anomaly_turned_on(): until some thread turns anomaly mode on, ops skip reading its per-thread
 * switch (a thread-local attribute, a noticeable part of a small op). */
static int anomaly_used = 0;
static PyObject *zero_version;    /* a fresh version box is a new list [0] per tensor */

/* Slot offsets */
static Py_ssize_t tensor_data, tensor_device, tensor_requires_grad, tensor_version, tensor_base;
/* Tensor.FRESH_FIELDS (tensor.py): every other field of a new tensor and its starting value, so the list of
 * Tensor's fields lives in one place and a slot added there is set here too (configure() checks that). */
#define MAX_FRESH 32
static Py_ssize_t fresh_offsets[MAX_FRESH];
static PyObject *fresh_values[MAX_FRESH];
static Py_ssize_t fresh_count = 0;
static Py_ssize_t ctx_device, ctx_xp, ctx_needs_input_grad, ctx_saved;

static PyObject *s_device, *s_xp, *s_data, *s_requires_grad, *s_forward, *s_array_type, *s_asarray, *s_is_view,
    *s_grad_enabled, *s_anomaly_enabled, *s_in_backward, *s_name, *s_version, *s_base, *s_apply;

#define SLOT(object, offset) (*(PyObject **)((char *)(object) + (offset)))

static inline PyObject *read_slot(PyObject *object, Py_ssize_t offset, PyObject *name) {
    /* A borrowed reference; an unset slot raises AttributeError as Python would. */
    PyObject *value = SLOT(object, offset);
    if (value == NULL) PyErr_SetObject(PyExc_AttributeError, name);
    return value;
}

static inline void write_slot(PyObject *object, Py_ssize_t offset, PyObject *value) {
    PyObject *old = SLOT(object, offset);
    Py_INCREF(value);
    SLOT(object, offset) = value;
    Py_XDECREF(old);
}

static Py_ssize_t slot_offset(PyObject *cls, const char *name) {
    PyObject *descriptor = PyObject_GetAttrString(cls, name);
    if (descriptor == NULL) return -1;
    Py_ssize_t offset = -1;
    if (Py_IS_TYPE(descriptor, &PyMemberDescr_Type)) {
        PyMemberDef *member = ((PyMemberDescrObject *)descriptor)->d_member;
        if (member->type == T_OBJECT_EX) offset = member->offset;
    }
    Py_DECREF(descriptor);
    if (offset < 0) PyErr_Format(PyExc_TypeError, "dispatch.c: %s is not a __slots__ entry", name);
    return offset;
}

/* Tensor._make(array, device), with the same fields. */
static PyObject *make_tensor(PyObject *array, PyObject *device) {
    PyObject *tensor = tensor_type->tp_alloc(tensor_type, 0);
    if (tensor == NULL) return NULL;
    PyObject *version = PyList_New(1);
    if (version == NULL) {
        Py_DECREF(tensor);
        return NULL;
    }
    PyList_SET_ITEM(version, 0, Py_NewRef(zero_version));
    write_slot(tensor, tensor_data, array);
    write_slot(tensor, tensor_device, device);
    SLOT(tensor, tensor_version) = version; /* the new reference moves into the slot */
    for (Py_ssize_t i = 0; i < fresh_count; i++) write_slot(tensor, fresh_offsets[i], fresh_values[i]);
    return tensor;
}

static int flag(PyObject *object, PyObject *name) {
    PyObject *value = PyObject_GetAttr(object, name);
    if (value == NULL) return -1;
    int truth = PyObject_IsTrue(value);
    Py_DECREF(value);
    return truth;
}

static PyObject *inputs_tuple(PyObject *const *inputs, Py_ssize_t count) {
    PyObject *tuple = PyTuple_New(count);
    if (tuple == NULL) return NULL;
    for (Py_ssize_t i = 0; i < count; i++) PyTuple_SET_ITEM(tuple, i, Py_NewRef(inputs[i]));
    return tuple;
}

#define MAX_STACK 16 /* forward's arguments (ctx, arrays, options) fit on the C stack up to this */

/* apply(cls, *inputs, **options): args[0] is cls (bound by the classmethod). */
static PyObject *apply(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    if (nargs < 1) {
        PyErr_SetString(PyExc_TypeError, "apply() needs the Function class");
        return NULL;
    }
    PyObject *cls = args[0];
    PyObject *const *inputs = args + 1;
    Py_ssize_t count = nargs - 1;
    Py_ssize_t option_count = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    if (count < 1) {
        PyErr_SetString(PyExc_IndexError, "tuple index out of range");
        return NULL;
    }

    /* The inputs: one device, whether any requires grad (Tensor's slots, read directly). */
    PyObject *first = inputs[0];
    PyObject *device = PyObject_GetAttr(first, s_device); /* also the AttributeError for a non-tensor */
    if (device == NULL) return NULL;
    int requires_grad = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *tensor = inputs[i];
        if (!PyObject_TypeCheck(tensor, tensor_type)) {
            Py_DECREF(device);
            PyErr_Format(PyExc_AttributeError, "'%.100s' object has no attribute 'device'", Py_TYPE(tensor)->tp_name);
            return NULL;
        }
        if (SLOT(tensor, tensor_device) != device) {
            Py_DECREF(device);
            PyObject *name = PyObject_GetAttr(cls, s_name);
            PyObject *tuple = inputs_tuple(inputs, count);
            if (name != NULL && tuple != NULL) /* raises the DeviceError naming the op and each input's device */
                Py_XDECREF(PyObject_CallFunctionObjArgs(device_mismatch, name, tuple, NULL));
            Py_XDECREF(name);
            Py_XDECREF(tuple);
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_RuntimeError, "apply: devices differ");
            return NULL;
        }
        PyObject *wants = read_slot(tensor, tensor_requires_grad, s_requires_grad);
        if (wants == NULL) goto fail_device;
        int truth = wants == Py_True ? 1 : wants == Py_False ? 0 : PyObject_IsTrue(wants);
        if (truth < 0) goto fail_device;
        requires_grad |= truth;
    }

    /* The node: ctx = cls(), with the fields forward may read. */
    PyObject *ctx = PyObject_CallNoArgs(cls);
    if (ctx == NULL) goto fail_device;
    if (!PyObject_TypeCheck(ctx, function_type)) { /* a __new__ that returns something else: no slots to write */
        PyErr_Format(PyExc_TypeError, "%.100s() made a %.100s, not a Function node", ((PyTypeObject *)cls)->tp_name,
                     Py_TYPE(ctx)->tp_name);
        goto fail_ctx;
    }
    PyObject *xp = PyObject_GetAttr(device, s_xp);
    if (xp == NULL) goto fail_ctx;
    write_slot(ctx, ctx_device, device);
    write_slot(ctx, ctx_xp, xp);
    write_slot(ctx, ctx_saved, empty_tuple);
    int record = 0;
    if (requires_grad) {
        record = flag(grad_state, s_grad_enabled);
        if (record < 0) goto fail_xp;
    }
    if (record) {
        PyObject *needs = PyTuple_New(count);
        if (needs == NULL) goto fail_xp;
        for (Py_ssize_t i = 0; i < count; i++)
            PyTuple_SET_ITEM(needs, i, Py_NewRef(SLOT(inputs[i], tensor_requires_grad)));
        write_slot(ctx, ctx_needs_input_grad, needs);
        Py_DECREF(needs);
    } else {
        write_slot(ctx, ctx_needs_input_grad, empty_tuple);
    }

    /* forward(ctx, *arrays, **options), options passed through as keywords */
    Py_ssize_t total = 1 + count + option_count;
    /* one spare entry before the arguments: PY_VECTORCALL_ARGUMENTS_OFFSET lets the callee use it */
    PyObject *small[MAX_STACK + 1];
    PyObject **buffer = total <= MAX_STACK ? small : PyMem_Malloc((total + 1) * sizeof(PyObject *));
    if (buffer == NULL) {
        PyErr_NoMemory();
        goto fail_xp;
    }
    PyObject **stack = buffer + 1;
    stack[0] = ctx;
    for (Py_ssize_t i = 0; i < count; i++) {
        stack[1 + i] = read_slot(inputs[i], tensor_data, s_data);
        if (stack[1 + i] == NULL) {
            if (buffer != small) PyMem_Free(buffer);
            goto fail_xp;
        }
    }
    for (Py_ssize_t i = 0; i < option_count; i++) stack[1 + count + i] = args[nargs + i];
    PyObject *forward = PyObject_GetAttr(cls, s_forward);
    PyObject *output_array = NULL;
    if (forward != NULL) {
        /* The arrays are borrowed from the inputs, which the caller holds for the call. */
        output_array = PyObject_Vectorcall(forward, stack, (1 + count) | PY_VECTORCALL_ARGUMENTS_OFFSET, kwnames);
        Py_DECREF(forward);
    }
    if (buffer != small) PyMem_Free(buffer);
    if (output_array == NULL) goto fail_xp;

    PyObject *output_device = read_slot(ctx, ctx_device, s_device); /* ToDevice changes ctx.device */
    if (output_device == NULL) goto fail_output_array;
    /* NumPy reductions return scalars, not arrays: made an array of the output's device */
    PyObject *array_type = PyObject_GetAttr(output_device, s_array_type);
    if (array_type == NULL) goto fail_output_array;
    if ((PyObject *)Py_TYPE(output_array) != array_type) {
        PyObject *output_xp = PyObject_GetAttr(output_device, s_xp);
        PyObject *converted = output_xp == NULL ? NULL : PyObject_CallMethodOneArg(output_xp, s_asarray, output_array);
        Py_XDECREF(output_xp);
        Py_DECREF(output_array);
        output_array = converted;
    }
    Py_DECREF(array_type);
    if (output_array == NULL) goto fail_xp;

    PyObject *output = make_tensor(output_array, output_device);
    if (output == NULL) goto fail_output_array;

    int is_view = flag(cls, s_is_view);
    if (is_view < 0) goto fail_output;
    if (is_view) {
        PyObject *version = read_slot(first, tensor_version, s_version);
        PyObject *base = read_slot(first, tensor_base, s_base);
        if (version == NULL || base == NULL) goto fail_output;
        write_slot(output, tensor_version, version);
        write_slot(output, tensor_base, base != Py_None ? base : first);
    }

    int anomaly = anomaly_used ? flag(grad_state, s_anomaly_enabled) : 0;
    if (anomaly < 0) goto fail_output;
    if (anomaly) {
        int in_backward = flag(grad_state, s_in_backward);
        if (in_backward < 0) goto fail_output;
        if (!in_backward) {
            PyObject *arrays = PyList_New(count);
            if (arrays == NULL) goto fail_output;
            for (Py_ssize_t i = 0; i < count; i++) PyList_SET_ITEM(arrays, i, Py_NewRef(SLOT(inputs[i], tensor_data)));
            PyObject *checked = PyObject_CallFunctionObjArgs(check_forward, cls, arrays, output_array, xp, NULL);
            Py_DECREF(arrays);
            if (checked == NULL) goto fail_output;
            Py_DECREF(checked);
        }
    }
    if (record) {
        PyObject *tuple = inputs_tuple(inputs, count);
        if (tuple == NULL) goto fail_output;
        PyObject *recorded =
            PyObject_CallFunctionObjArgs(record_graph, ctx, tuple, output, anomaly ? Py_True : Py_False, NULL);
        Py_DECREF(tuple);
        if (recorded == NULL) goto fail_output;
        Py_DECREF(recorded);
    }
    Py_DECREF(output_array);
    Py_DECREF(xp);
    Py_DECREF(ctx);
    Py_DECREF(device);
    return output;

fail_output:
    Py_DECREF(output);
fail_output_array:
    Py_DECREF(output_array);
fail_xp:
    Py_DECREF(xp);
fail_ctx:
    Py_DECREF(ctx);
fail_device:
    Py_DECREF(device);
    return NULL;
}

/* The common case of _python_operands: two tensors of one dtype, NumPy arrays whose shapes broadcast. */
static int plain_operands(PyObject *a, PyObject *b) {
    if (tensor_type == NULL || !Py_IS_TYPE(a, tensor_type) || !Py_IS_TYPE(b, tensor_type)) return 0;
    PyObject *array_a = SLOT(a, tensor_data), *array_b = SLOT(b, tensor_data);
    if (array_a == NULL || array_b == NULL || !PyArray_CheckExact(array_a) || !PyArray_CheckExact(array_b)) return 0;
    PyArrayObject *x = (PyArrayObject *)array_a, *y = (PyArrayObject *)array_b;
    if (!PyArray_EquivTypes(PyArray_DESCR(x), PyArray_DESCR(y))) return 0;
    int ndim_x = PyArray_NDIM(x), ndim_y = PyArray_NDIM(y);
    const npy_intp *shape_x = PyArray_DIMS(x), *shape_y = PyArray_DIMS(y);
    for (int i = 1; i <= ndim_x && i <= ndim_y; i++) {
        npy_intp size_x = shape_x[ndim_x - i], size_y = shape_y[ndim_y - i];
        if (size_x != size_y && size_x != 1 && size_y != 1) return 0;
    }
    return 1;
}

static PyObject *call_python_operands(PyObject *op, PyObject *a, PyObject *b) {
    if (python_operands == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "dispatch.c: configure_operands() was not called");
        return NULL;
    }
    return PyObject_CallFunctionObjArgs(python_operands, op, a, b, NULL);
}

/* operands(op, a, b) -> (a, b), as _python_operands(op, a, b) */
static PyObject *operands(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "operands(op, a, b)");
        return NULL;
    }
    if (plain_operands(args[1], args[2])) return PyTuple_Pack(2, args[1], args[2]);
    return call_python_operands(args[0], args[1], args[2]);
}

/* binary(cls, op, a, b) -> cls.apply(*operands(op, a, b)) */
static PyObject *binary(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "binary(cls, op, a, b)");
        return NULL;
    }
    PyObject *cls = args[0], *stack[3] = {cls, args[2], args[3]};
    PyObject *pair = NULL;
    if (!plain_operands(args[2], args[3])) {
        pair = call_python_operands(args[1], args[2], args[3]);
        if (pair == NULL) return NULL;
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
            Py_DECREF(pair);
            PyErr_SetString(PyExc_TypeError, "dispatch.c: _python_operands must return a pair");
            return NULL;
        }
        stack[1] = PyTuple_GET_ITEM(pair, 0);
        stack[2] = PyTuple_GET_ITEM(pair, 1);
    }
    PyObject *output;
    /* Function.apply may have been replaced (the ONNX tracer records through its own; tests run the Python
     * one): then the op goes through whatever apply the class has now, as a Python call would. */
    if (PyType_Check(cls) && _PyType_Lookup((PyTypeObject *)cls, s_apply) == installed_apply && installed_apply != NULL)
        output = apply(module, stack, 3, NULL);
    else {
        PyObject *method = PyObject_GetAttr(cls, s_apply);
        output = method == NULL ? NULL : PyObject_Vectorcall(method, stack + 1, 2, NULL);
        Py_XDECREF(method);
    }
    Py_XDECREF(pair);
    return output;
}

/* configure_operands(python_operands, installed_apply) */
static PyObject *configure_operands(PyObject *module, PyObject *args) {
    PyObject *fallback, *installed;
    if (!PyArg_ParseTuple(args, "OO", &fallback, &installed)) return NULL;
    Py_XSETREF(python_operands, Py_NewRef(fallback));
    Py_XSETREF(installed_apply, Py_NewRef(installed));
    Py_RETURN_NONE;
}

static PyObject *anomaly_turned_on(PyObject *module, PyObject *unused) {
    anomaly_used = 1;
    Py_RETURN_NONE;
}

/* Tensor.FRESH_FIELDS into the table make_tensor writes; every slot of Tensor but array, device, _version and
 * __weakref__ must be in it. */
static int read_fresh_fields(PyObject *tensor) {
    PyObject *fields = PyObject_GetAttrString(tensor, "FRESH_FIELDS");
    PyObject *slots = fields == NULL ? NULL : PyObject_GetAttrString(tensor, "__slots__");
    int ok = fields != NULL && slots != NULL && PyTuple_Check(fields) && PyTuple_Check(slots) &&
             PyTuple_GET_SIZE(fields) <= MAX_FRESH;
    if (!ok && !PyErr_Occurred())
        PyErr_SetString(PyExc_TypeError, "dispatch.c: Tensor.FRESH_FIELDS and __slots__ must be tuples");
    for (Py_ssize_t i = 0; ok && i < PyTuple_GET_SIZE(fields); i++) {
        PyObject *pair = PyTuple_GET_ITEM(fields, i);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
            PyErr_SetString(PyExc_TypeError, "dispatch.c: Tensor.FRESH_FIELDS holds (name, value) pairs");
            ok = 0;
            break;
        }
        const char *name = PyUnicode_AsUTF8(PyTuple_GET_ITEM(pair, 0));
        if (name == NULL || (fresh_offsets[i] = slot_offset(tensor, name)) < 0) {
            ok = 0;
            break;
        }
        fresh_values[i] = Py_NewRef(PyTuple_GET_ITEM(pair, 1));
        fresh_count = i + 1;
    }
    for (Py_ssize_t i = 0; ok && i < PyTuple_GET_SIZE(slots); i++) {
        PyObject *slot = PyTuple_GET_ITEM(slots, i);
        if (PyUnicode_CompareWithASCIIString(slot, "array") == 0 ||
            PyUnicode_CompareWithASCIIString(slot, "device") == 0 ||
            PyUnicode_CompareWithASCIIString(slot, "_version") == 0 ||
            PyUnicode_CompareWithASCIIString(slot, "__weakref__") == 0)
            continue;
        int found = 0;
        for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(fields) && !found; j++)
            found = PyUnicode_Compare(slot, PyTuple_GET_ITEM(PyTuple_GET_ITEM(fields, j), 0)) == 0;
        if (!found) {
            PyErr_Format(PyExc_TypeError, "dispatch.c: Tensor's slot %R has no starting value in Tensor.FRESH_FIELDS",
                         slot);
            ok = 0;
        }
    }
    Py_XDECREF(fields);
    Py_XDECREF(slots);
    return ok ? 0 : -1;
}

/* configure(Tensor, Function, state, record, check_forward, raise_device_mismatch) */
static PyObject *configure(PyObject *module, PyObject *args) {
    PyObject *tensor, *function;
    if (!PyArg_ParseTuple(args, "O!O!OOOO", &PyType_Type, &tensor, &PyType_Type, &function, &grad_state, &record_graph,
                          &check_forward, &device_mismatch))
        return NULL;
    tensor_type = (PyTypeObject *)Py_NewRef(tensor);
    function_type = (PyTypeObject *)Py_NewRef(function);
    Py_INCREF(grad_state);
    Py_INCREF(record_graph);
    Py_INCREF(check_forward);
    Py_INCREF(device_mismatch);
    if ((tensor_data = slot_offset(tensor, "array")) < 0 || (tensor_device = slot_offset(tensor, "device")) < 0 ||
        (tensor_requires_grad = slot_offset(tensor, "requires_grad")) < 0 ||
        (tensor_version = slot_offset(tensor, "_version")) < 0 || (tensor_base = slot_offset(tensor, "_base")) < 0 ||
        (ctx_device = slot_offset(function, "device")) < 0 || (ctx_xp = slot_offset(function, "xp")) < 0 ||
        (ctx_needs_input_grad = slot_offset(function, "needs_input_grad")) < 0 ||
        (ctx_saved = slot_offset(function, "_saved")) < 0 || read_fresh_fields(tensor) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"apply", (PyCFunction)(void (*)(void))apply, METH_FASTCALL | METH_KEYWORDS,
     "apply(cls, *inputs, **options): Function.apply (see function.py)"},
    {"operands", (PyCFunction)(void (*)(void))operands, METH_FASTCALL,
     "operands(op, a, b): (a, b) of one dtype that broadcast (see elementwise._python_operands)"},
    {"binary", (PyCFunction)(void (*)(void))binary, METH_FASTCALL,
     "binary(cls, op, a, b): cls.apply(*operands(op, a, b)), entering C once"},
    {"anomaly_turned_on", anomaly_turned_on, METH_NOARGS, "anomaly mode is on in some thread: read its switch"},
    {"configure", configure, METH_VARARGS, "configure(Tensor, Function, state, record, check_forward, mismatch)"},
    {"configure_operands", configure_operands, METH_VARARGS, "configure_operands(python_operands, installed_apply)"},
    {NULL, NULL, 0, NULL},
};

int lamina_add_dispatch(PyObject *module) {
    if ((empty_tuple = PyTuple_New(0)) == NULL || (zero_version = PyLong_FromLong(0)) == NULL) return -1;
#define INTERN(variable, text) \
    if ((variable = PyUnicode_InternFromString(text)) == NULL) return -1
    INTERN(s_device, "device");
    INTERN(s_xp, "xp");
    INTERN(s_data, "array");
    INTERN(s_requires_grad, "requires_grad");
    INTERN(s_forward, "forward");
    INTERN(s_array_type, "array_type");
    INTERN(s_asarray, "asarray");
    INTERN(s_is_view, "is_view");
    INTERN(s_grad_enabled, "grad_enabled");
    INTERN(s_anomaly_enabled, "anomaly_enabled");
    INTERN(s_in_backward, "in_backward");
    INTERN(s_name, "__name__");
    INTERN(s_version, "_version");
    INTERN(s_base, "_base");
    INTERN(s_apply, "apply");
#undef INTERN
    return PyModule_AddFunctions(module, methods);
}
