"""One ONNX translation per lamina primitive: `SYMBOLIC[op](out, step, names) -> output name`.

`step` is the traced application (trace.py): its options, its inputs' arrays and its output (so every
shape in the graph is the one this run saw); `names` are the ONNX names of its tensor inputs; `out` is the
exporter (export.py), holding the GraphBuilder as `out.g` and `out.traced_name(array)`, the ONNX name of
an index array that came from the graph (None for a constant one).

Opset 17 (see export.py for why): ReduceSum takes its axes as an input, the other reductions as an
attribute; LayerNormalization exists; Gelu does not yet, so GELU is written out.
"""

import math

import numpy as np

INT64_MIN = -(2**63)


class Unsupported(Exception):
    """Raised by a translation that meets options it cannot express; export.py names the op and the layer."""


def _dtype(step, i=0):
    return step.inputs[i].array.dtype


def _out_shape(step):
    return list(step.output.array.shape)


def _direct(op_type):
    """A primitive that is one ONNX op with the same inputs."""
    return lambda out, step, names: out.g.node(op_type, names)


def _identity(out, step, names):
    return out.g.node("Identity", names[:1])


def _pow_scalar(out, step, names):
    return out.g.node("Pow", [names[0], out.g.scalar_like(step.options["exponent"], _dtype(step))])


def _remainder(out, step, names):
    # lamina's (and Python's) remainder takes the divisor's sign: a - floor(a / b) * b
    a, b = names
    if _dtype(step).kind in "iu":
        return out.g.node("Mod", names, fmod=0)
    return out.g.node("Sub", [a, out.g.node("Mul", [out.g.node("Floor", [out.g.node("Div", [a, b])]), b])])


def _clamp(out, step, names):
    dtype = _dtype(step)
    low, high = step.options.get("low"), step.options.get("high")
    bounds = ["" if v is None else out.g.scalar_like(v, dtype) for v in (low, high)]
    return out.g.node("Clip", [names[0], *bounds])


def _cast(out, step, names):
    to = out.onnx.helper.np_dtype_to_tensor_dtype(step.output.array.dtype)
    return out.g.node("Cast", names, to=to)


def _log1p(out, step, names):
    return out.g.node("Log", [out.g.node("Add", [names[0], out.g.scalar_like(1, _dtype(step))])])


def _expm1(out, step, names):
    return out.g.node("Sub", [out.g.node("Exp", names), out.g.scalar_like(1, _dtype(step))])


def _round(out, step, names):
    if step.options.get("decimals", 0) != 0 or step.options.get("mode") not in (None, "half_to_even"):
        raise Unsupported(f"rounding with mode={step.options.get('mode')!r}, decimals={step.options.get('decimals')}")
    return out.g.node("Round", names)


def _gelu_tanh(out, step, names):
    # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), the formula of ops/activation.py's GeluTanh
    g, x, dtype = out.g, names[0], _dtype(step)
    cube = g.node("Pow", [x, g.scalar_like(3, dtype)])
    inner = g.node("Add", [x, g.node("Mul", [cube, g.scalar_like(0.044715, dtype)])])
    tanh = g.node("Tanh", [g.node("Mul", [inner, g.scalar_like(math.sqrt(2 / math.pi), dtype)])])
    # written x * ((1 + tanh) * 0.5): with (0.5 x)(1 + tanh), onnxruntime 1.2x's Gelu/FastGelu fusions
    # break the graph when both GELUs read the same x ("Node input ... is not a graph input")
    half = g.node("Mul", [g.node("Add", [tanh, g.scalar_like(1, dtype)]), g.scalar_like(0.5, dtype)])
    return g.node("Mul", [x, half])


def _linear(out, step, names):
    g = out.g
    if step.inputs[0].ndim == 2:
        return g.node("Gemm", names, transB=1)
    product = g.node("MatMul", [names[0], g.node("Transpose", [names[1]], perm=[1, 0])])
    return g.node("Add", [product, names[2]]) if len(names) == 3 else product


def _conv(out, step, names):
    options = step.options
    if step.inputs[0].ndim != 4:
        raise Unsupported(f"a convolution of a {step.inputs[0].ndim}-d input")
    padding = options["padding"]
    pads = [before for before, _ in padding] + [after for _, after in padding]
    return out.g.node(
        "Conv",
        names,
        kernel_shape=list(step.inputs[1].shape[2:]),
        strides=list(options["stride"]),
        pads=pads,
        dilations=list(options["dilation"]),
        group=options["groups"],
    )


def _max_pool2d(out, step, names):
    options = step.options
    pooled = out.g.node(
        "MaxPool",
        names,
        kernel_shape=list(options["kernel"]),
        strides=list(options["stride"]),
        dilations=list(options["dilation"]),
    )
    floor_size = [
        (size - d * (k - 1) - 1) // s + 1
        for size, k, s, d in zip(step.inputs[0].shape[2:], options["kernel"], options["stride"], options["dilation"])
    ]
    wanted = list(options["out_size"])
    if floor_size == wanted:
        return pooled
    g = out.g
    return g.node("Slice", [pooled, g.int64s([0, 0]), g.int64s(wanted), g.int64s([2, 3])])


def _layer_norm(out, step, names):
    g, dtype, width = out.g, _dtype(step), step.inputs[0].shape[-1]
    if len(names) == 1:
        names = [names[0], g.constant(np.ones(width, dtype)), g.constant(np.zeros(width, dtype))]
    elif len(names) == 2:
        names = [*names, g.constant(np.zeros(width, dtype))]
    return g.node("LayerNormalization", names, axis=-1, epsilon=float(step.options["eps"]))


def _softmax(out, step, names):
    return out.g.node("Softmax", names, axis=-1)


def _attention(out, step, names):
    # softmax(q k^T * scale, hiding keys after query + causal_offset) v, as ops/attention.py
    g, dtype = out.g, _dtype(step)
    q, k, v = names
    rank = step.inputs[1].ndim
    perm = list(range(rank - 2)) + [rank - 1, rank - 2]
    scores = g.node(
        "Mul", [g.node("MatMul", [q, g.node("Transpose", [k], perm=perm)]), g.scalar_like(step.options["scale"], dtype)]
    )
    offset = step.options["causal_offset"]
    if offset is not None:
        queries, keys = step.inputs[0].shape[-2], step.inputs[1].shape[-2]
        hidden = np.arange(keys)[None, :] > (np.arange(queries) + offset)[:, None]
        scores = g.node("Add", [scores, g.constant(np.where(hidden, -np.inf, 0.0).astype(dtype))])
    return g.node("MatMul", [g.node("Softmax", [scores], axis=-1), v])


def _reshape(out, step, names):
    return out.g.node("Reshape", [names[0], out.g.int64s(_out_shape(step))])


def _permute(out, step, names):
    rank = step.inputs[0].ndim
    return out.g.node("Transpose", names, perm=[d % rank for d in step.options["dims"]])


def _expand(out, step, names):
    return out.g.node("Expand", [names[0], out.g.int64s(_out_shape(step))])


def _repeat(out, step, names):
    repeats = list(step.options["repeats"])
    shape = list(step.inputs[0].shape)
    x = names[0]
    if len(repeats) > len(shape):
        x = out.g.node("Reshape", [x, out.g.int64s([1] * (len(repeats) - len(shape)) + shape)])
    return out.g.node("Tile", [x, out.g.int64s(repeats)])


def _cat(out, step, names):
    return out.g.node("Concat", names, axis=step.options["dim"])


def _constant_pad(out, step, names):
    widths = step.options["widths"]
    pads = [before for before, _ in widths] + [after for _, after in widths]
    value = out.g.scalar_like(step.options["value"], _dtype(step))
    return out.g.node("Pad", [names[0], out.g.int64s(pads), value], mode="constant")


def _flip(out, step, names):
    dims = [d % step.inputs[0].ndim for d in step.options["dims"]]
    g = out.g
    return g.node(
        "Slice",
        [
            names[0],
            g.int64s([-1] * len(dims)),
            g.int64s([INT64_MIN] * len(dims)),
            g.int64s(dims),
            g.int64s([-1] * len(dims)),
        ],
    )


def _reduction(op_type, axes_as_input=False):
    def translate(out, step, names):
        dims = step.options.get("dims")
        keepdims = int(bool(step.options.get("keepdim", False)))
        if dims is None:
            dims = range(step.inputs[0].ndim)
        axes = [d % max(step.inputs[0].ndim, 1) for d in dims]
        if axes_as_input:
            return out.g.node(op_type, [names[0], out.g.int64s(axes)], keepdims=keepdims)
        return out.g.node(op_type, names, axes=axes, keepdims=keepdims)

    return translate


def _cumsum(out, step, names):
    axis = out.g.constant(np.asarray(step.options["dim"], dtype=np.int64), hint="axis")
    return out.g.node("CumSum", [names[0], axis])


def _einsum(out, step, names):
    return out.g.node("Einsum", names, equation=step.options["equation"])


def _gather(out, step, names):
    index = out.g.node("Cast", [names[1]], to=out.onnx.TensorProto.INT64)
    return out.g.node("GatherElements", [names[0], index], axis=step.options["dim"] % step.inputs[0].ndim)


def _scatter_add(out, step, names):
    index = _index_name(out, step.options["index"])
    return out.g.node("ScatterElements", [names[0], index, names[1]], axis=step.options["dim"], reduction="add")


def _index_name(out, array):
    traced = out.traced_name(array)
    if traced is None:
        return out.g.constant(np.asarray(array).astype(np.int64), hint="index")
    return out.g.node("Cast", [traced], to=out.onnx.TensorProto.INT64)


# --- indexing: x[index] and x[index] = value ---


def _parts(index):
    return index if isinstance(index, tuple) else (index,)


def _is_array(part):
    return hasattr(part, "dtype") and hasattr(part, "shape")


def _positions(shape, index):
    """For a constant index: the coordinates in x of every element of x[index], shape out.shape + (x.ndim,)."""
    grid = np.stack(np.indices(shape), axis=-1) if shape else np.zeros((0,), np.int64)
    return np.ascontiguousarray(grid[index]).astype(np.int64)


def _basic_slice(out, step, names, index):
    """x[ints, slices, None, ...]: one Slice for the ranges, then a Reshape to the result's shape."""
    shape = step.inputs[0].shape
    parts = list(_parts(index))
    if any(p is Ellipsis for p in parts):
        at = parts.index(Ellipsis)
        filled = len(shape) - sum(1 for p in parts if p is not None and p is not Ellipsis)
        parts[at : at + 1] = [slice(None)] * filled
    starts, ends, axes, steps = [], [], [], []
    axis = 0
    for part in parts:
        if part is None:
            continue
        size = shape[axis]
        if isinstance(part, slice):
            start, stop, stride = part.indices(size)
            if (start, stop, stride) != (0, size, 1):
                if stride < 0 and stop < 0:
                    stop = INT64_MIN  # "before element 0": ONNX reads -1 as the last element
                starts.append(start)
                ends.append(stop)
                axes.append(axis)
                steps.append(stride)
        else:
            position = int(part) % size
            starts.append(position)
            ends.append(position + 1)
            axes.append(axis)
            steps.append(1)
        axis += 1
    g = out.g
    x = names[0]
    if axes:
        x = g.node("Slice", [x, g.int64s(starts), g.int64s(ends), g.int64s(axes), g.int64s(steps)])
    return g.node("Reshape", [x, g.int64s(_out_shape(step))])


def _getitem(out, step, names):
    index = step.options["index"]
    parts = _parts(index)
    arrays = [(at, p) for at, p in enumerate(parts) if _is_array(p)]
    if not arrays:
        return _basic_slice(out, step, names, index)
    g = out.g
    if (
        len(arrays) == 1
        and arrays[0][1].dtype.kind in "iu"
        and all(isinstance(p, slice) and p == slice(None) for at, p in enumerate(parts) if at != arrays[0][0])
    ):  # x[:, t] with one integer index (an embedding's weight[indices]): Gather along that axis
        at, array = arrays[0]
        return g.node("Gather", [names[0], _index_name(out, array)], axis=at)
    if all(out.traced_name(p) is None for _, p in arrays):  # a constant index: gather the coordinates it picks
        positions = g.constant(_positions(step.inputs[0].shape, index), hint="positions")
        return g.node("GatherND", [names[0], positions])
    if len(parts) == 1 and arrays[0][1].dtype == np.bool_:  # x[mask]: the elements where the mask is set
        mask = parts[0]
        rest = list(step.inputs[0].shape[mask.ndim :])
        x = g.node("Reshape", [names[0], g.int64s([-1] + rest)])
        condition = g.node("Reshape", [out.traced_name(mask), g.int64s([-1])])
        return g.node("Compress", [x, condition], axis=0)
    raise Unsupported(
        "indexing with tensors from the graph other than one integer index (with ':' elsewhere) or one mask"
    )


def _index_put(out, step, names):
    index = step.options["index"]
    if any(_is_array(p) and out.traced_name(p) is not None for p in _parts(index)):
        raise Unsupported("assigning at positions that come from the graph (x[t] = v with t computed)")
    g = out.g
    positions = _positions(step.inputs[0].shape, index)
    updates = g.node("Expand", [names[1], g.int64s(list(positions.shape[:-1]))])
    return g.node("ScatterND", [names[0], g.constant(positions, hint="positions"), updates])


_COMPARISONS = {
    "eq": "Equal",
    "lt": "Less",
    "le": "LessOrEqual",
    "gt": "Greater",
    "ge": "GreaterOrEqual",
    "and": "And",
    "or": "Or",
    "xor": "Xor",
}


def _compare(op):
    def translate(out, step, names):
        if op in ("and", "or", "xor") and _dtype(step) != np.bool_:
            raise Unsupported(f"bitwise '{op}' of {_dtype(step)} tensors (ONNX's And/Or/Xor take bools)")
        if op == "ne":
            return out.g.node("Not", [out.g.node("Equal", names)])
        if op == "not":
            if _dtype(step) != np.bool_:
                raise Unsupported(f"bitwise not of a {_dtype(step)} tensor")
            return out.g.node("Not", names)
        return out.g.node(_COMPARISONS[op], names)

    return translate


def _step_input(g, x_proj, t, shape):
    """x_proj[t] (N, width) of an (L, N, width) name."""
    return g.node("Reshape", [g.node("Gather", [x_proj, g.int64s([t])], axis=0), g.int64s(shape)])


def _columns(g, name, start, stop):
    return g.node("Slice", [name, g.int64s([start]), g.int64s([stop]), g.int64s([1])])


def _lstm_sequence(out, step, names):
    """ops/recurrent.py's LSTMSequence unrolled over its L steps (ONNX's own LSTM has other gate orders and
    biases; the unrolled graph is the same arithmetic the primitive does)."""
    g = out.g
    x_proj, h, c, w_hh = names
    steps, batch, width = step.inputs[0].array.shape
    hidden = width // 4
    w_t = g.node("Transpose", [w_hh], perm=[1, 0])
    per_step = []
    for t in range(steps):
        pre = g.node("Add", [_step_input(g, x_proj, t, [batch, width]), g.node("MatMul", [h, w_t])])
        i, f, o = (g.node("Sigmoid", [_columns(g, pre, k * hidden, (k + 1) * hidden)]) for k in (0, 1, 3))
        cell = g.node("Tanh", [_columns(g, pre, 2 * hidden, 3 * hidden)])
        c = g.node("Add", [g.node("Mul", [f, c]), g.node("Mul", [i, cell])])
        h = g.node("Mul", [o, g.node("Tanh", [c])])
        per_step.append(g.node("Unsqueeze", [g.node("Concat", [h, c], axis=1), g.int64s([0])]))
    return g.node("Concat", per_step, axis=0)


def _gru_sequence(out, step, names):
    """ops/recurrent.py's GRUSequence unrolled over its L steps."""
    g = out.g
    x_proj, h, w_hh, b_hh = names
    steps, batch, width = step.inputs[0].array.shape
    hidden = width // 3
    dtype = _dtype(step)
    w_t = g.node("Transpose", [w_hh], perm=[1, 0])
    one = g.scalar_like(1, dtype)
    per_step = []
    for t in range(steps):
        x_t = _step_input(g, x_proj, t, [batch, width])
        hidden_part = g.node("Add", [g.node("MatMul", [h, w_t]), b_hh])
        x_r, x_z, x_n = (_columns(g, x_t, k * hidden, (k + 1) * hidden) for k in range(3))
        h_r, h_z, h_n = (_columns(g, hidden_part, k * hidden, (k + 1) * hidden) for k in range(3))
        r = g.node("Sigmoid", [g.node("Add", [x_r, h_r])])
        z = g.node("Sigmoid", [g.node("Add", [x_z, h_z])])
        n = g.node("Tanh", [g.node("Add", [x_n, g.node("Mul", [r, h_n])])])
        h = g.node("Add", [g.node("Mul", [g.node("Sub", [one, z]), n]), g.node("Mul", [z, h])])
        per_step.append(g.node("Unsqueeze", [h, g.int64s([0])]))
    return g.node("Concat", per_step, axis=0)


SYMBOLIC = {
    # elementwise
    "Add": _direct("Add"),
    "Sub": _direct("Sub"),
    "Mul": _direct("Mul"),
    "Div": _direct("Div"),
    "Pow": _direct("Pow"),
    "Maximum": _direct("Max"),
    "Minimum": _direct("Min"),
    "Remainder": _remainder,
    "Where": _direct("Where"),
    "PowScalar": _pow_scalar,
    "Clamp": _clamp,
    "Cast": _cast,
    "Clone": _identity,
    "ToDevice": _identity,
    **{
        name: _direct(op_type)
        for name, op_type in {
            "Neg": "Neg",
            "Exp": "Exp",
            "Log": "Log",
            "Sqrt": "Sqrt",
            "Abs": "Abs",
            "Erf": "Erf",
            "Sin": "Sin",
            "Cos": "Cos",
            "Tan": "Tan",
            "Asin": "Asin",
            "Acos": "Acos",
            "Atan": "Atan",
            "Sinh": "Sinh",
            "Cosh": "Cosh",
            "Asinh": "Asinh",
            "Acosh": "Acosh",
            "Atanh": "Atanh",
            "Tanh": "Tanh",
            "Sigmoid": "Sigmoid",
            "Relu": "Relu",
        }.items()
    },
    "Log1p": _log1p,
    "Expm1": _expm1,
    "Round": _round,
    "GeluTanh": _gelu_tanh,
    # products and layers
    "MatMul": _direct("MatMul"),
    "Linear": _linear,
    "Einsum": _einsum,
    "Conv": _conv,
    "MaxPool2d": _max_pool2d,
    "LayerNorm": _layer_norm,
    "Softmax": _softmax,
    "ScaledDotProductAttention": _attention,
    "LSTMSequence": _lstm_sequence,
    "GRUSequence": _gru_sequence,
    # shapes
    "Reshape": _reshape,
    "Unsqueeze": _reshape,
    "Permute": _permute,
    "Expand": _expand,
    "Repeat": _repeat,
    "Cat": _cat,
    "ConstantPad": _constant_pad,
    "Flip": _flip,
    # reductions
    "Sum": _reduction("ReduceSum", axes_as_input=True),
    "Mean": _reduction("ReduceMean"),
    "Amax": _reduction("ReduceMax"),
    "Amin": _reduction("ReduceMin"),
    "Prod": _reduction("ReduceProd"),
    "Norm2": _reduction("ReduceL2"),
    "Cumsum": _cumsum,
    # indexing
    "GetItem": _getitem,
    "Slice": _getitem,
    "Gather": _gather,
    "ScatterAdd": _scatter_add,
    "IndexPut": _index_put,
    **{f"compare:{op}": _compare(op) for op in [*_COMPARISONS, "ne", "not"]},
}
