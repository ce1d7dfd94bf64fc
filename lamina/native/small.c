/* Kernels for small float tensors, in C: where NumPy's call costs more than the work.

Why: on a few hundred elements the arithmetic takes nanoseconds, but each NumPy call
first sets up its machinery (a reduction, wrapping its scalar, a matrix product's call
into the BLAS), and that alone costs about as much as PyTorch's whole op
(benchmarks/README.md). Here one call checks its arguments, makes the output array and
runs a plain loop.

Where they are not the right tool (an array too large, not float32/float64, not an
ndarray), the reductions call NumPy's method themselves (x.sum(...), as reference.py),
and relu and product answer None, so that the caller runs NumPy. NumPy stays the
reference these are tested against (tests/backend/test_small_kernels.py). Built at
install time as an optional extension (setup.py): without it, NumPy serves.

Sums add in double precision, also for float32, as the compiled kernels do. The
product adds in the arrays' own precision, as the BLAS does.
*/
#include "native.h"
#include <math.h>

/* Up to these sizes the loop beats NumPy's call (timeit on float32 arrays: benchmarks/README.md). */
#define SMALL_REDUCTION_ELEMENTS 1024
#define SMALL_PRODUCT_MULTIPLY_ADDS 512
#define SMALL_RELU_ELEMENTS 4096 /* (from here on the compiled set's threaded loop) */
/* The optimizer updates: numba's call costs more than a small parameter's loop, its AVX-512 loop wins on
 * large parameters (they break even at about this size) */
#define SMALL_UPDATE_ELEMENTS 4096

/* A float32 or float64 ndarray (not a subclass, which may override the arithmetic) with some elements. */
static int small_float_array(PyObject *object, npy_intp limit) {
    if (!PyArray_CheckExact(object)) return 0;
    PyArrayObject *array = (PyArrayObject *)object;
    int type = PyArray_TYPE(array);
    if (type != NPY_FLOAT && type != NPY_DOUBLE) return 0;
    if (!PyArray_ISALIGNED(array) || PyArray_ISBYTESWAPPED(array)) return 0;
    npy_intp size = PyArray_SIZE(array);
    return size > 0 && size <= limit;
}

/* A TypeError naming the expected arguments unless exactly `expected` were passed (0: passed). */
static int wrong_arguments(Py_ssize_t nargs, Py_ssize_t expected, const char *usage) {
    if (nargs == expected) return 0;
    PyErr_Format(PyExc_TypeError, "expected %s", usage);
    return 1;
}

/* --- whole-array reductions: sum_all, max_all, min_all (x, keepdim) ---
 * The elements are visited in memory order of a C-contiguous array, or row by row (the last dim) of
 * any other layout: a transposed or sliced view needs no copy first. */

enum reduction { SUM, MAX, MIN };

#define REDUCE_ROW(T)                                                                                     \
    static void reduce_row_##T(const char *data, npy_intp count, npy_intp stride, enum reduction kind,   \
                               double *total, T *best, int *seen_nan) {                                  \
        for (npy_intp i = 0; i < count; i++) {                                                           \
            T value = *(const T *)(data + i * stride);                                                   \
            if (kind == SUM) {                                                                           \
                *total += value;                                                                         \
            } else if (value != value) { /* NaN wins (as in PyTorch) */                                  \
                if (!*seen_nan) *best = value;                                                           \
                *seen_nan = 1;                                                                           \
            } else if (!*seen_nan && (kind == MAX ? value > *best : value < *best)) {                    \
                *best = value;                                                                           \
            }                                                                                            \
        }                                                                                                \
    }
REDUCE_ROW(float)
REDUCE_ROW(double)

#define REDUCE_ALL(T)                                                                                     \
    static void reduce_all_##T(PyArrayObject *x, enum reduction kind, char *out) {                       \
        int ndim = PyArray_NDIM(x);                                                                      \
        const npy_intp *shape = PyArray_DIMS(x), *strides = PyArray_STRIDES(x);                          \
        const char *data = PyArray_DATA(x);                                                              \
        double total = 0.0;                                                                              \
        T best = *(const T *)data;                                                                       \
        int seen_nan = 0;                                                                                \
        if (ndim == 0 || PyArray_IS_C_CONTIGUOUS(x)) {                                                   \
            reduce_row_##T(data, PyArray_SIZE(x), sizeof(T), kind, &total, &best, &seen_nan);            \
        } else { /* row by row: an odometer over the leading dims */                                     \
            npy_intp index[NPY_MAXDIMS] = {0};                                                           \
            npy_intp rows = PyArray_SIZE(x) / shape[ndim - 1];                                           \
            for (npy_intp row = 0; row < rows; row++) {                                                  \
                const char *start = data;                                                                \
                for (int d = 0; d < ndim - 1; d++) start += index[d] * strides[d];                       \
                reduce_row_##T(start, shape[ndim - 1], strides[ndim - 1], kind, &total, &best, &seen_nan); \
                for (int d = ndim - 2; d >= 0 && ++index[d] == shape[d]; d--) index[d] = 0;              \
            }                                                                                            \
        }                                                                                                \
        *(T *)out = kind == SUM ? (T)total : best;                                                       \
    }
REDUCE_ALL(float)
REDUCE_ALL(double)

static PyObject *s_sum, *s_max, *s_min, *keepdims_name, *axis_keepdims_names; /* NumPy's methods and keywords,
                                                                                for what these are not for */

static PyObject *reduce_all(PyObject *const *args, Py_ssize_t nargs, enum reduction kind) {
    if (wrong_arguments(nargs, 2, "(x, keepdim)")) return NULL;
    if (!small_float_array(args[0], SMALL_REDUCTION_ELEMENTS)) { /* x.sum(keepdims=keepdim), and so on */
        PyObject *call[2] = {args[0], args[1]};
        PyObject *method = kind == SUM ? s_sum : kind == MAX ? s_max : s_min;
        return PyObject_VectorcallMethod(method, call, 1, keepdims_name);
    }
    PyArrayObject *x = (PyArrayObject *)args[0];
    int keepdim = PyObject_IsTrue(args[1]);
    if (keepdim < 0) return NULL;
    npy_intp ones[NPY_MAXDIMS];
    for (int d = 0; d < NPY_MAXDIMS; d++) ones[d] = 1;
    int type = PyArray_TYPE(x);
    PyObject *out = PyArray_SimpleNew(keepdim ? PyArray_NDIM(x) : 0, ones, type);
    if (out == NULL) return NULL;
    char *result = PyArray_DATA((PyArrayObject *)out);
    if (type == NPY_FLOAT)
        reduce_all_float(x, kind, result);
    else
        reduce_all_double(x, kind, result);
    return out;
}

static PyObject *sum_all(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    return reduce_all(args, nargs, SUM);
}

static PyObject *max_all(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    return reduce_all(args, nargs, MAX);
}

static PyObject *min_all(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    return reduce_all(args, nargs, MIN);
}

/* --- sum_dims(x, dims, keepdim): the sum over some dims (a sorted tuple of distinct dims, as the ops pass) ---
 * Each element is added to its output element, found by the output's strides with 0 for a summed dim; the
 * sums are kept in double precision until the end. */

#define SUM_DIMS(T)                                                                                       \
    static void sum_dims_##T(PyArrayObject *x, const npy_intp *out_strides, double *sums) {              \
        int ndim = PyArray_NDIM(x);                                                                      \
        const npy_intp *shape = PyArray_DIMS(x), *strides = PyArray_STRIDES(x);                          \
        const char *data = PyArray_DATA(x);                                                              \
        npy_intp index[NPY_MAXDIMS] = {0};                                                               \
        npy_intp count = shape[ndim - 1], stride = strides[ndim - 1], out_stride = out_strides[ndim - 1]; \
        npy_intp rows = PyArray_SIZE(x) / count;                                                         \
        for (npy_intp row = 0; row < rows; row++) {                                                      \
            const char *start = data;                                                                    \
            npy_intp out = 0;                                                                            \
            for (int d = 0; d < ndim - 1; d++) {                                                         \
                start += index[d] * strides[d];                                                          \
                out += index[d] * out_strides[d];                                                        \
            }                                                                                            \
            for (npy_intp i = 0; i < count; i++) sums[out + i * out_stride] += *(const T *)(start + i * stride); \
            for (int d = ndim - 2; d >= 0 && ++index[d] == shape[d]; d--) index[d] = 0;                  \
        }                                                                                                \
    }
SUM_DIMS(float)
SUM_DIMS(double)

static PyObject *sum_dims(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (wrong_arguments(nargs, 3, "(x, dims, keepdim)")) return NULL;
    PyObject *x_object = args[0], *dims = args[1];
    int keepdim = PyObject_IsTrue(args[2]);
    if (keepdim < 0) return NULL;
    int summed[NPY_MAXDIMS] = {0};
    int small = small_float_array(x_object, SMALL_REDUCTION_ELEMENTS) && PyArray_NDIM((PyArrayObject *)x_object) > 0 &&
                PyTuple_Check(dims);
    for (Py_ssize_t i = 0; small && i < PyTuple_GET_SIZE(dims); i++) {
        PyObject *item = PyTuple_GET_ITEM(dims, i);
        long d = PyLong_Check(item) ? PyLong_AsLong(item) : -1;
        if (d < 0 || d >= PyArray_NDIM((PyArrayObject *)x_object) || summed[d]) small = 0; /* NumPy's error */
        else summed[d] = 1;
    }
    if (PyErr_Occurred()) return NULL;
    if (!small) { /* x.sum(axis=dims, keepdims=keepdim) */
        PyObject *call[3] = {x_object, dims, args[2]};
        return PyObject_VectorcallMethod(s_sum, call, 1, axis_keepdims_names);
    }
    PyArrayObject *x = (PyArrayObject *)x_object;
    int ndim = PyArray_NDIM(x), out_ndim = 0, type = PyArray_TYPE(x);
    npy_intp out_shape[NPY_MAXDIMS], out_strides[NPY_MAXDIMS], out_size = 1;
    for (int d = ndim - 1; d >= 0; d--) { /* strides in elements of a C-contiguous output, 0 for a summed dim */
        out_strides[d] = summed[d] ? 0 : out_size;
        if (!summed[d]) out_size *= PyArray_DIM(x, d);
    }
    for (int d = 0; d < ndim; d++)
        if (!summed[d] || keepdim) out_shape[out_ndim++] = summed[d] ? 1 : PyArray_DIM(x, d);
    PyObject *out = PyArray_SimpleNew(out_ndim, out_shape, type);
    if (out == NULL) return NULL;
    double sums[SMALL_REDUCTION_ELEMENTS]; /* out_size <= x's size */
    for (npy_intp i = 0; i < out_size; i++) sums[i] = 0.0;
    if (type == NPY_FLOAT) {
        sum_dims_float(x, out_strides, sums);
        float *result = PyArray_DATA((PyArrayObject *)out);
        for (npy_intp i = 0; i < out_size; i++) result[i] = (float)sums[i];
    } else {
        sum_dims_double(x, out_strides, sums);
        double *result = PyArray_DATA((PyArrayObject *)out);
        for (npy_intp i = 0; i < out_size; i++) result[i] = sums[i];
    }
    return out;
}

/* --- relu(x): max(x, 0) of a C-contiguous float array, NaN kept; None for any other (then NumPy's) --- */

#define RELU(T)                                                                                           \
    static void relu_##T(const T *restrict x, T *restrict out, npy_intp size) {                          \
        for (npy_intp i = 0; i < size; i++) out[i] = x[i] > 0 ? x[i] : (x[i] != x[i] ? x[i] : 0);        \
    }
RELU(float)
RELU(double)

static PyObject *relu(PyObject *module, PyObject *x_object) {
    if (!small_float_array(x_object, SMALL_RELU_ELEMENTS) || !PyArray_IS_C_CONTIGUOUS((PyArrayObject *)x_object))
        Py_RETURN_NONE;
    PyArrayObject *x = (PyArrayObject *)x_object;
    int type = PyArray_TYPE(x);
    PyObject *out = PyArray_SimpleNew(PyArray_NDIM(x), PyArray_DIMS(x), type);
    if (out == NULL) return NULL;
    if (type == NPY_FLOAT)
        relu_float(PyArray_DATA(x), PyArray_DATA((PyArrayObject *)out), PyArray_SIZE(x));
    else
        relu_double(PyArray_DATA(x), PyArray_DATA((PyArrayObject *)out), PyArray_SIZE(x));
    return out;
}

/* --- sgd_momentum_step(p, grad, buffer, lr, momentum, dampening, weight_decay, nesterov) ---
 * One SGD update with a momentum buffer, in place, the compiled set's loop (compiled/optim.py) in C: a small
 * network's parameters are small, and numba's call with its coefficient array costs more than the loop.
 * True where it ran; False where p, grad and buffer are not C-contiguous arrays of one float dtype and
 * size up to SMALL_UPDATE_ELEMENTS (then the caller's kernel runs). Arithmetic in p's dtype, as the
 * compiled and reference ones. */

#define SGD_MOMENTUM(T)                                                                                   \
    static void sgd_momentum_##T(T *restrict p, const T *restrict grad, T *restrict buffer, npy_intp size, \
                                 T lr, T momentum, T undamped, T weight_decay, int nesterov) {           \
        for (npy_intp k = 0; k < size; k++) {                                                            \
            T g = grad[k];                                                                               \
            if (weight_decay != 0) g = g + weight_decay * p[k];                                          \
            T b = momentum * buffer[k] + undamped * g;                                                   \
            buffer[k] = b;                                                                               \
            p[k] -= lr * (nesterov ? g + momentum * b : b);                                              \
        }                                                                                                \
    }
SGD_MOMENTUM(float)
SGD_MOMENTUM(double)

static int same_float_layout(PyObject *object, int type, npy_intp size) {
    if (!PyArray_CheckExact(object)) return 0;
    PyArrayObject *array = (PyArrayObject *)object;
    return PyArray_TYPE(array) == type && PyArray_SIZE(array) == size && PyArray_IS_C_CONTIGUOUS(array) &&
           PyArray_ISALIGNED(array) && !PyArray_ISBYTESWAPPED(array);
}

static PyObject *sgd_momentum_step(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (wrong_arguments(nargs, 8, "(p, grad, buffer, lr, momentum, dampening, weight_decay, nesterov)")) return NULL;
    if (!PyArray_CheckExact(args[0])) Py_RETURN_FALSE;
    PyArrayObject *p = (PyArrayObject *)args[0];
    int type = PyArray_TYPE(p);
    npy_intp size = PyArray_SIZE(p);
    if ((type != NPY_FLOAT && type != NPY_DOUBLE) || size > SMALL_UPDATE_ELEMENTS ||
        !same_float_layout(args[0], type, size) || !same_float_layout(args[1], type, size) ||
        !same_float_layout(args[2], type, size) || !PyArray_ISWRITEABLE(p) ||
        !PyArray_ISWRITEABLE((PyArrayObject *)args[2]))
        Py_RETURN_FALSE;
    double lr = PyFloat_AsDouble(args[3]), momentum = PyFloat_AsDouble(args[4]);
    double dampening = PyFloat_AsDouble(args[5]), weight_decay = PyFloat_AsDouble(args[6]);
    int nesterov = PyObject_IsTrue(args[7]);
    if (PyErr_Occurred() || nesterov < 0) return NULL;
    void *grad = PyArray_DATA((PyArrayObject *)args[1]), *buffer = PyArray_DATA((PyArrayObject *)args[2]);
    if (type == NPY_FLOAT)
        sgd_momentum_float(PyArray_DATA(p), grad, buffer, size, (float)lr, (float)momentum, (float)(1 - dampening),
                           (float)weight_decay, nesterov);
    else
        sgd_momentum_double(PyArray_DATA(p), grad, buffer, size, lr, momentum, 1 - dampening, weight_decay, nesterov);
    Py_RETURN_TRUE;
}

/* --- adam_step(p, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled, step) ---
 * One Adam/AdamW update in place, the compiled set's loop in C, for the same reason; True where it ran. */

#define ADAM(T, SQRT)                                                                                      \
    static void adam_##T(T *restrict p, const T *restrict grad, T *restrict exp_avg, T *restrict exp_avg_sq, \
                         npy_intp size, const T *c, int decoupled) {                                      \
        T beta1 = c[0], one_minus_beta1 = c[1], beta2 = c[2], one_minus_beta2 = c[3], eps = c[4];         \
        T weight_decay = c[5], shrink = c[6], step_size = c[7], bias2_root = c[8];                        \
        for (npy_intp k = 0; k < size; k++) {                                                             \
            T g = grad[k];                                                                                \
            if (weight_decay != 0) {                                                                      \
                if (decoupled)                                                                            \
                    p[k] *= shrink;                                                                       \
                else                                                                                      \
                    g = g + weight_decay * p[k];                                                          \
            }                                                                                             \
            T m = beta1 * exp_avg[k] + one_minus_beta1 * g;                                               \
            T v = beta2 * exp_avg_sq[k] + one_minus_beta2 * g * g;                                        \
            exp_avg[k] = m;                                                                               \
            exp_avg_sq[k] = v;                                                                            \
            p[k] -= step_size * m / (SQRT(v) / bias2_root + eps);                                         \
        }                                                                                                 \
    }
ADAM(float, sqrtf)
ADAM(double, sqrt)

static PyObject *adam_step(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (wrong_arguments(nargs, 11, "(p, grad, exp_avg, exp_avg_sq,"
                                     " lr, beta1, beta2, eps, weight_decay, decoupled, step)"))
        return NULL;
    if (!PyArray_CheckExact(args[0])) Py_RETURN_FALSE;
    PyArrayObject *p = (PyArrayObject *)args[0];
    int type = PyArray_TYPE(p);
    npy_intp size = PyArray_SIZE(p);
    if ((type != NPY_FLOAT && type != NPY_DOUBLE) || size > SMALL_UPDATE_ELEMENTS) Py_RETURN_FALSE;
    for (int i = 0; i < 4; i++)
        if (!same_float_layout(args[i], type, size) || (i != 1 && !PyArray_ISWRITEABLE((PyArrayObject *)args[i])))
            Py_RETURN_FALSE;
    double lr = PyFloat_AsDouble(args[4]), beta1 = PyFloat_AsDouble(args[5]), beta2 = PyFloat_AsDouble(args[6]);
    double eps = PyFloat_AsDouble(args[7]), weight_decay = PyFloat_AsDouble(args[8]);
    int decoupled = PyObject_IsTrue(args[9]);
    double step = PyFloat_AsDouble(args[10]);
    if (PyErr_Occurred() || decoupled < 0) return NULL;
    /* the coefficients as compiled/optim.py computes them (in double, then rounded to p's dtype) */
    double c[9] = {beta1, 1 - beta1, beta2, 1 - beta2, eps, weight_decay, 1 - lr * weight_decay,
                   lr / (1 - pow(beta1, step)), sqrt(1 - pow(beta2, step))};
    void *grad = PyArray_DATA((PyArrayObject *)args[1]), *exp_avg = PyArray_DATA((PyArrayObject *)args[2]);
    void *exp_avg_sq = PyArray_DATA((PyArrayObject *)args[3]);
    if (type == NPY_FLOAT) {
        float coefficients[9];
        for (int i = 0; i < 9; i++) coefficients[i] = (float)c[i];
        adam_float(PyArray_DATA(p), grad, exp_avg, exp_avg_sq, size, coefficients, decoupled);
    } else {
        adam_double(PyArray_DATA(p), grad, exp_avg, exp_avg_sq, size, c, decoupled);
    }
    Py_RETURN_TRUE;
}

/* --- class_targets(labels, classes, ignore_index) -> (kept, first_bad) ---
 * A classification loss's labels checked in one pass (NumPy makes five: !=, <, >=, |, &, then any and a
 * count): how many are not ignore_index, and the flat index (in C order) of the
 * first that is neither ignore_index nor in [0, classes), or -1. None where labels is not a C-contiguous
 * int64 or int32 array (then NumPy's). */

#define CLASS_TARGETS(T)                                                                                  \
    static void class_targets_##T(const T *labels, npy_intp size, long long classes, long long ignore,  \
                                  npy_intp *kept, npy_intp *first_bad) {                                \
        *kept = 0;                                                                                       \
        *first_bad = -1;                                                                                 \
        for (npy_intp i = 0; i < size; i++) {                                                            \
            long long label = labels[i];                                                                 \
            if (label == ignore) continue;                                                               \
            if ((label < 0 || label >= classes) && *first_bad < 0) *first_bad = i;                       \
            (*kept)++;                                                                                   \
        }                                                                                                \
    }
CLASS_TARGETS(npy_int64)
CLASS_TARGETS(npy_int32)

static PyObject *class_targets(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (wrong_arguments(nargs, 3, "(labels, classes, ignore_index)")) return NULL;
    if (!PyArray_CheckExact(args[0])) Py_RETURN_NONE;
    PyArrayObject *labels = (PyArrayObject *)args[0];
    int type = PyArray_TYPE(labels);
    if ((type != NPY_INT64 && type != NPY_INT32) || !PyArray_IS_C_CONTIGUOUS(labels) || !PyArray_ISALIGNED(labels) ||
        PyArray_ISBYTESWAPPED(labels))
        Py_RETURN_NONE;
    long long classes = PyLong_AsLongLong(args[1]), ignore = PyLong_AsLongLong(args[2]);
    if (PyErr_Occurred()) return NULL;
    npy_intp kept, first_bad;
    if (type == NPY_INT64)
        class_targets_npy_int64(PyArray_DATA(labels), PyArray_SIZE(labels), classes, ignore, &kept, &first_bad);
    else
        class_targets_npy_int32(PyArray_DATA(labels), PyArray_SIZE(labels), classes, ignore, &kept, &first_bad);
    return Py_BuildValue("(nn)", kept, first_bad);
}

/* --- product(a, b): a (m, k) @ b (k, n), any strides; a new C-contiguous (m, n) array ---
 * Where b's columns are contiguous (a transposed view, as W.T in a linear layer and y^T in a backward),
 * each output element is a dot product along them; otherwise row i of the output gathers a[i, p] * row
 * p of b, the inner loop along rows of b and of the output. */

#define AT(T, base, offset) (*(const T *)((base) + (offset)))
#define PRODUCT(T)                                                                                         \
    static void product_##T(const char *a, npy_intp as0, npy_intp as1, const char *b, npy_intp bs0,       \
                            npy_intp bs1, T *restrict out, npy_intp m, npy_intp k, npy_intp n) {          \
        int dots = n < 8 || bs1 != (npy_intp)sizeof(T); /* short or strided rows of b: dot products */    \
        for (npy_intp i = 0; i < m; i++) {                                                                \
            T *restrict row = out + i * n;                                                                \
            const char *a_row = a + i * as0;                                                              \
            if (dots) {                                                                                   \
                for (npy_intp j = 0; j < n; j++) {                                                        \
                    const char *column = b + j * bs1;                                                     \
                    T total = 0;                                                                          \
                    for (npy_intp p = 0; p < k; p++) total += AT(T, a_row, p * as1) * AT(T, column, p * bs0); \
                    row[j] = total;                                                                       \
                }                                                                                         \
                continue;                                                                                 \
            }                                                                                             \
            for (npy_intp j = 0; j < n; j++) row[j] = 0;                                                  \
            for (npy_intp p = 0; p < k; p++) {                                                            \
                T scale = AT(T, a_row, p * as1);                                                             \
                const char *b_row = b + p * bs0;                                                          \
                if (bs1 == (npy_intp)sizeof(T)) { /* contiguous rows: a loop the compiler vectorises */     \
                    const T *restrict b_values = (const T *)b_row;                                        \
                    for (npy_intp j = 0; j < n; j++) row[j] += scale * b_values[j];                       \
                } else {                                                                                  \
                    for (npy_intp j = 0; j < n; j++) row[j] += scale * AT(T, b_row, j * bs1);             \
                }                                                                                         \
            }                                                                                             \
        }                                                                                                 \
    }
PRODUCT(float)
PRODUCT(double)

static PyObject *product(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (wrong_arguments(nargs, 2, "(a, b)")) return NULL;
    PyObject *a_object = args[0], *b_object = args[1];
    if (!small_float_array(a_object, SMALL_PRODUCT_MULTIPLY_ADDS) ||
        !small_float_array(b_object, SMALL_PRODUCT_MULTIPLY_ADDS))
        Py_RETURN_NONE;
    PyArrayObject *a = (PyArrayObject *)a_object, *b = (PyArrayObject *)b_object;
    int type = PyArray_TYPE(a);
    if (PyArray_NDIM(a) != 2 || PyArray_NDIM(b) != 2 || PyArray_TYPE(b) != type) Py_RETURN_NONE;
    npy_intp m = PyArray_DIM(a, 0), k = PyArray_DIM(a, 1), n = PyArray_DIM(b, 1);
    if (PyArray_DIM(b, 0) != k || m * k * n > SMALL_PRODUCT_MULTIPLY_ADDS) Py_RETURN_NONE;
    npy_intp shape[2] = {m, n};
    PyObject *out = PyArray_SimpleNew(2, shape, type);
    if (out == NULL) return NULL;
    const npy_intp *as = PyArray_STRIDES(a), *bs = PyArray_STRIDES(b);
    void *result = PyArray_DATA((PyArrayObject *)out);
    if (type == NPY_FLOAT)
        product_float(PyArray_DATA(a), as[0], as[1], PyArray_DATA(b), bs[0], bs[1], result, m, k, n);
    else
        product_double(PyArray_DATA(a), as[0], as[1], PyArray_DATA(b), bs[0], bs[1], result, m, k, n);
    return out;
}

/* Docstrings open with the signature (name($module, ...)\n--\n\n), which inspect.signature reads. */
static PyMethodDef methods[] = {
    {"sum_all", (PyCFunction)(void (*)(void))sum_all, METH_FASTCALL,
     "sum_all($module, x, keepdim, /)\n--\n\n"
     "the sum of x's elements; x.sum(keepdims=keepdim) where x is not a small float array"},
    {"max_all", (PyCFunction)(void (*)(void))max_all, METH_FASTCALL,
     "max_all($module, x, keepdim, /)\n--\n\n"
     "the largest element (NaN if any is NaN); x.max(keepdims=keepdim) where not small"},
    {"min_all", (PyCFunction)(void (*)(void))min_all, METH_FASTCALL,
     "min_all($module, x, keepdim, /)\n--\n\n"
     "the smallest element (NaN if any is NaN); x.min(keepdims=keepdim) where not small"},
    {"sum_dims", (PyCFunction)(void (*)(void))sum_dims, METH_FASTCALL,
     "sum_dims($module, x, dims, keepdim, /)\n--\n\n"
     "the sum over dims; x.sum(axis=dims, keepdims=keepdim) where x is not small"},
    {"relu", relu, METH_O,
     "relu($module, x, /)\n--\n\n"
     "max(x, 0) of a small C-contiguous float array (NaN kept), or None"},
    {"sgd_momentum_step", (PyCFunction)(void (*)(void))sgd_momentum_step, METH_FASTCALL,
     "sgd_momentum_step($module, p, grad, buffer, lr, momentum, dampening, weight_decay, nesterov, /)\n--\n\n"
     "one SGD-momentum update in place; True where it ran"},
    {"adam_step", (PyCFunction)(void (*)(void))adam_step, METH_FASTCALL,
     "adam_step($module, p, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled, step, /)"
     "\n--\n\none Adam update in place; True where it ran"},
    {"class_targets", (PyCFunction)(void (*)(void))class_targets, METH_FASTCALL,
     "class_targets($module, labels, classes, ignore_index, /)\n--\n\n"
     "(kept, first bad flat index or -1), or None (then NumPy's)"},
    {"product", (PyCFunction)(void (*)(void))product, METH_FASTCALL,
     "product($module, a, b, /)\n--\n\n"
     "a @ b of small 2-D float arrays of one dtype, or None (then use NumPy)"},
    {NULL, NULL, 0, NULL},
};

int lamina_add_small(PyObject *module) {
    if ((s_sum = PyUnicode_InternFromString("sum")) == NULL || (s_max = PyUnicode_InternFromString("max")) == NULL ||
        (s_min = PyUnicode_InternFromString("min")) == NULL ||
        (keepdims_name = Py_BuildValue("(s)", "keepdims")) == NULL ||
        (axis_keepdims_names = Py_BuildValue("(ss)", "axis", "keepdims")) == NULL)
        return -1;
    if (PyModule_AddFunctions(module, methods) < 0 ||
        PyModule_AddIntConstant(module, "SMALL_REDUCTION_ELEMENTS", SMALL_REDUCTION_ELEMENTS) < 0 ||
        PyModule_AddIntConstant(module, "SMALL_PRODUCT_MULTIPLY_ADDS", SMALL_PRODUCT_MULTIPLY_ADDS) < 0 ||
        PyModule_AddIntConstant(module, "SMALL_RELU_ELEMENTS", SMALL_RELU_ELEMENTS) < 0 ||
        PyModule_AddIntConstant(module, "SMALL_UPDATE_ELEMENTS", SMALL_UPDATE_ELEMENTS) < 0)
        return -1;
    return 0;
}
