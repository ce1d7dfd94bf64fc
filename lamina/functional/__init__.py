"""Composite tensor functions, built only from primitives in `lamina.ops`.

Nothing here has a backward: gradients (and second derivatives) come from
the primitives they are made of. A composite becomes a primitive only for a
measured speed or stability reason, written in its docstring.
"""

import builtins  # sum, any, max, abs: this module defines tensor versions of them
from collections import namedtuple

from lamina import dtypes
from lamina.autograd.autocast_mode import in_float32
from lamina.backend import deferred
from lamina.errors import DTypeError, ShapeError, shape_str
from lamina.ops import elementwise, movement, reduce
from lamina.ops import softmax as softmax_ops
from lamina.ops.indexing import gather, getitem
from lamina.ops.shapes import ALL_DIMS, count_over, normalize_dim, normalize_dims
from lamina.tensor import Tensor

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


# --- reductions ---
def _in_float32(function, x: Tensor, *args, **kwargs) -> Tensor:
    """A float16 reduction computed in float32 and rounded back once (as PyTorch's CPU kernels): float16
    sums overflow at 65504 and lose every digit past the 11th bit of the running total."""
    return elementwise.cast(function(elementwise.cast(x, dtypes.float32), *args, **kwargs), dtypes.float16)


def sum(x: Tensor, dim=None, keepdim=False, dtype=None) -> Tensor:
    if x.array.dtype.itemsize == 2 and x.array.dtype.kind == "f" and dtype is None:
        return _in_float32(sum, x, dim, keepdim)
    if dtype is not None:
        x = elementwise.cast(x, dtype)
    elif x.array.dtype.kind in "biu":
        x = elementwise.cast(x, dtypes.int64)  # integer sums widen to int64 (as PyTorch)
    dims = ALL_DIMS[x.array.ndim] if dim is None else normalize_dims("sum", dim, x.array.ndim)
    return reduce.Sum.apply(x, dims=dims, keepdim=keepdim)


def _require_float(op: str, x: Tensor):
    if not x.is_floating_point():
        raise DTypeError(
            f"{op}: could not infer output dtype; input dtype must be a floating point dtype, got "
            f"{x.dtype.name}. Convert first, e.g. x.float()."
        )


def mean(x: Tensor, dim=None, keepdim=False) -> Tensor:
    _require_float("mean", x)
    if x.array.dtype.itemsize == 2:
        return _in_float32(mean, x, dim, keepdim)
    dims = ALL_DIMS[x.array.ndim] if dim is None else normalize_dims("mean", dim, x.array.ndim)
    return reduce.Mean.apply(x, dims=dims, keepdim=keepdim)


def var(x: Tensor, dim=None, unbiased=None, keepdim=False, *, correction=None) -> Tensor:
    """Variance with Bessel's correction by default (correction=1, i.e. unbiased)."""
    _require_float("var", x)
    if x.array.dtype.itemsize == 2:
        return _in_float32(var, x, dim, unbiased, keepdim, correction=correction)
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    dims = normalize_dims("var", dim, x.ndim)
    centered = x - mean(x, dims, keepdim=True)
    squares = reduce.Sum.apply(centered * centered, dims=dims, keepdim=keepdim)
    return squares / builtins.max(count_over(x.shape, dims) - correction, 0)


def std(x: Tensor, dim=None, unbiased=None, keepdim=False, *, correction=None) -> Tensor:
    return var(x, dim, unbiased, keepdim, correction=correction).sqrt()


def prod(x: Tensor, dim=None, keepdim=False) -> Tensor:
    if x.array.dtype.kind in "biu":
        x = elementwise.cast(x, dtypes.int64)
    return reduce.Prod.apply(x, dims=normalize_dims("prod", dim, x.ndim), keepdim=keepdim)


def amax(x: Tensor, dim=None, keepdim=False) -> Tensor:
    return reduce.Amax.apply(x, dims=normalize_dims("amax", dim, x.ndim), keepdim=keepdim)


def amin(x: Tensor, dim=None, keepdim=False) -> Tensor:
    return reduce.Amin.apply(x, dims=normalize_dims("amin", dim, x.ndim), keepdim=keepdim)


def _arg_extremum(op: str, x: Tensor, dim, keepdim) -> Tensor:
    if x.numel() == 0 and (dim is None or x.ndim == 0 or x.shape[normalize_dim(op, dim, x.ndim)] == 0):
        # along a non-empty dim of an empty tensor the result is empty (as PyTorch); over nothing it is undefined
        raise ShapeError(
            f"{op}: cannot take {op} over an empty set (shape {shape_str(x.shape)}, dim={dim}); "
            "pass a dim whose size is not 0."
        )
    xp = x.device.backend.xp
    function = xp.argmax if op == "argmax" else xp.argmin
    if dim is None:
        index = function(x.array.reshape(-1))
        result = index.reshape((1,) * x.ndim) if keepdim else index
    else:
        dim = normalize_dim(op, dim, x.ndim)
        result = function(x.array, axis=dim, keepdims=keepdim) if x.ndim else function(x.array)
    return Tensor._make(xp.asarray(result, dtype=dtypes.int64.numpy), x.device)


def argmax(x: Tensor, dim=None, keepdim=False) -> Tensor:
    return _arg_extremum("argmax", x, dim, keepdim)


def argmin(x: Tensor, dim=None, keepdim=False) -> Tensor:
    return _arg_extremum("argmin", x, dim, keepdim)


def max(x: Tensor, dim=None, keepdim=False):
    """Without dim: the largest value (ties share the gradient). With dim: (values, indices),
    the gradient going to the returned index, as in PyTorch."""
    if dim is None:  # straight to the primitive: the whole-tensor max is a per-op cost on small tensors
        return reduce.Amax.apply(x, dims=ALL_DIMS[x.array.ndim], keepdim=False)
    if isinstance(dim, Tensor):
        return elementwise.maximum(x, dim)
    return _extremum_along("max", x, dim, keepdim)


def min(x: Tensor, dim=None, keepdim=False):
    if dim is None:
        return reduce.Amin.apply(x, dims=ALL_DIMS[x.array.ndim], keepdim=False)
    if isinstance(dim, Tensor):
        return elementwise.minimum(x, dim)
    return _extremum_along("min", x, dim, keepdim)


def _extremum_along(op: str, x: Tensor, dim: int, keepdim: bool) -> ValuesIndices:
    dim = normalize_dim(op, dim, x.ndim)
    if x.ndim and x.shape[dim] == 0:
        raise ShapeError(f"{op}: cannot reduce over dimension {dim} of size 0 (shape {shape_str(x.shape)}).")
    indices = _arg_extremum("argmax" if op == "max" else "argmin", x, dim, keepdim=True)
    values = gather(x, dim, indices) if x.ndim else x
    if not keepdim and x.ndim:
        values, indices = squeeze(values, dim), squeeze(indices, dim)
    return ValuesIndices(values, indices)


def logsumexp(x: Tensor, dim, keepdim=False) -> Tensor:
    """log(sum(exp(x))), stable: exp overflows float32 above ~88, so subtract the max first."""
    dims = normalize_dims("logsumexp", dim, x.ndim)
    if count_over(x.shape, dims) == 0:  # log of an empty sum: -inf (as PyTorch), with nothing to shift by
        return reduce.Sum.apply(x.exp(), dims=dims, keepdim=keepdim) + float("-inf")
    shift = amax(x, dims, keepdim=True).detach()
    shift = elementwise.where(shift.isinf(), 0.0, shift)  # all -inf (or +inf) rows: shift by 0, not inf
    total = reduce.Sum.apply((x - shift).exp(), dims=dims, keepdim=True).log() + shift
    return total if keepdim else total.reshape([s for axis, s in enumerate(total.shape) if axis not in dims])


def softmax(x: Tensor, dim: int) -> Tensor:
    """exp(x) / sum(exp(x)) along dim, with the max subtracted so exp cannot overflow."""
    x = in_float32(x)  # in an autocast region: computed in float32, as PyTorch's
    array = x.array
    dim = normalize_dim("softmax", dim, array.ndim)
    if dim == array.ndim - 1 and array.size > 0 and array.dtype.kind == "f":  # the fused primitive (for speed)
        if array.ndim == 2:
            return softmax_ops.Softmax.apply(x)
        return softmax_ops.Softmax.apply(x.reshape(-1, x.shape[-1])).reshape(x.shape)
    shifted = (x - amax(x, dim, keepdim=True).detach()).exp()
    return shifted / reduce.Sum.apply(shifted, dims=(dim,), keepdim=True)


def log_softmax(x: Tensor, dim: int) -> Tensor:
    """x - logsumexp(x): never takes the log of an underflowed softmax."""
    x = in_float32(x)
    dim = normalize_dim("log_softmax", dim, x.ndim)
    return x - logsumexp(x, dim, keepdim=True)


def all(x: Tensor, dim=None, keepdim=False) -> Tensor:
    dims = normalize_dims("all", dim, x.ndim)
    return Tensor._make(x.device.backend.xp.asarray(x.array.astype(bool).all(axis=dims, keepdims=keepdim)), x.device)


def any(x: Tensor, dim=None, keepdim=False) -> Tensor:
    dims = normalize_dims("any", dim, x.ndim)
    return Tensor._make(x.device.backend.xp.asarray(x.array.astype(bool).any(axis=dims, keepdims=keepdim)), x.device)


# --- function forms of the elementwise primitives: lamina.exp(x) is x.exp() ---
def abs(x: Tensor) -> Tensor:
    return elementwise.Abs.apply(x)


def neg(x: Tensor) -> Tensor:
    return elementwise.Neg.apply(x)


def exp(x: Tensor) -> Tensor:
    return elementwise.Exp.apply(x)


def log(x: Tensor) -> Tensor:
    return elementwise.Log.apply(x)


def sqrt(x: Tensor) -> Tensor:
    return elementwise.Sqrt.apply(x)


def erf(x: Tensor) -> Tensor:
    return elementwise.Erf.apply(x)


def sin(x: Tensor) -> Tensor:
    return elementwise.Sin.apply(x)


def cos(x: Tensor) -> Tensor:
    return elementwise.Cos.apply(x)


def tanh(x: Tensor) -> Tensor:
    return elementwise.Tanh.apply(x)


def sigmoid(x: Tensor) -> Tensor:
    return elementwise.Sigmoid.apply(x)


def relu(x: Tensor) -> Tensor:
    return elementwise.Relu.apply(x)


# --- elementwise composites ---
def rsqrt(x: Tensor) -> Tensor:
    return elementwise.PowScalar.apply(x, exponent=-0.5)


def clamp(x: Tensor, min=None, max=None) -> Tensor:
    """Clamp to [min, max]; bounds may be numbers or tensors (then via maximum/minimum)."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given.")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        if min is not None:
            x = elementwise.maximum(x, min)
        return elementwise.minimum(x, max) if max is not None else x
    return elementwise.Clamp.apply(x, low=min, high=max)


def masked_fill(x: Tensor, mask: Tensor, value) -> Tensor:
    if mask.array.dtype.kind != "b":
        raise DTypeError(f"masked_fill: the mask must be a bool tensor; got {mask.dtype.name}.")
    if isinstance(value, Tensor):
        value = elementwise.cast(value, x.dtype)
    return elementwise.where(mask, value, x)


# --- movement composites ---
def flatten(x: Tensor, start_dim=0, end_dim=-1) -> Tensor:
    if x.ndim == 0:
        return x.reshape(1)
    start = normalize_dim("flatten", start_dim, x.ndim)
    end = normalize_dim("flatten", end_dim, x.ndim)
    if start > end:
        raise ShapeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}.")
    return x.reshape(x.shape[:start] + (-1 if x.numel() else 0,) + x.shape[end + 1 :]) if start != end else x


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    ndim = x.array.ndim
    dim0, dim1 = normalize_dim("transpose", dim0, ndim), normalize_dim("transpose", dim1, ndim)
    if not ndim:
        return x
    dims = list(ALL_DIMS[ndim])
    dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    return movement.Permute.apply(x, dims=tuple(dims))  # a permutation by construction: permute's checks skipped


def t(x: Tensor) -> Tensor:
    if x.ndim > 2:
        raise ShapeError(f"t: expects a tensor with <= 2 dims, got shape {shape_str(x.shape)}; use transpose().")
    return transpose(x, 0, 1) if x.ndim == 2 else x


def squeeze(x: Tensor, dim=None) -> Tensor:
    """Drop dims of size 1 (all of them, or those in dim that are 1, as PyTorch)."""
    dims = normalize_dims("squeeze", dim, x.ndim)
    shape = [s for axis, s in enumerate(x.shape) if not (axis in dims and s == 1)]
    return x.reshape(shape) if len(shape) != x.ndim else x


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    ndim = x.array.ndim
    if type(dim) is not int or not 0 <= dim <= ndim:  # (a dim in range is common: no call then)
        dim = normalize_dim("unsqueeze", dim, ndim + 1)
    return movement.Unsqueeze.apply(x, dim=dim)


def stack(tensors, dim=0) -> Tensor:
    tensors = list(tensors)
    if not tensors:
        raise ShapeError("stack: expected a non-empty list of tensors.")
    for position, tensor in enumerate(tensors[1:], start=1):
        if tensor.shape != tensors[0].shape:
            raise ShapeError(
                f"stack: expects each tensor to be equal size, but got {shape_str(tensors[0].shape)} at entry 0 "
                f"and {shape_str(tensor.shape)} at entry {position}."
            )
    dim = normalize_dim("stack", dim, tensors[0].ndim + 1)  # the new dim may come after the last one
    return movement.cat([unsqueeze(t, dim) for t in tensors], dim)


def split(x: Tensor, split_size_or_sections, dim=0) -> tuple:
    """Pieces of `split_size` along dim (the last may be smaller), or of the given sizes."""
    dim = normalize_dim("split", dim, x.ndim)
    length = x.shape[dim]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size <= 0:
            raise ValueError(f"split: split_size must be a positive integer; got {size}.")
        sizes = [size] * (length // size) + ([length % size] if length % size else [])
    else:
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != length:
            raise ShapeError(
                f"split: split sizes {sizes} sum to {builtins.sum(sizes)}, but dimension {dim} has size {length}."
            )
    pieces, start = [], 0
    for size in sizes:
        index = (slice(None),) * dim + (slice(start, start + size),)
        pieces.append(getitem(x, index))
        start += size
    return tuple(pieces)


def chunk(x: Tensor, chunks: int, dim=0) -> tuple:
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive integer; got {chunks}.")
    length = x.shape[normalize_dim("chunk", dim, x.ndim)]
    size = -(-length // chunks) if length else 1
    return split(x, size, dim)


def index_select(x: Tensor, dim: int, index: Tensor) -> Tensor:
    dim = normalize_dim("index_select", dim, x.ndim)
    if index.ndim > 1 or index.array.dtype.kind not in "iu":
        raise DTypeError(
            f"index_select: index must be a 1-D integer tensor; got {index.dtype.name} "
            f"of shape {shape_str(index.shape)}."
        )
    deferred.require_in_range(
        index.array,
        0,
        x.shape[dim],
        lambda bad: IndexError(f"index_select: index {bad} out of range for dimension {dim} with size {x.shape[dim]}."),
        "index_select",
    )
    return getitem(x, (slice(None),) * dim + (index.reshape(-1),))


_PAD_MODES = {"constant": None, "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(x: Tensor, pad, mode="constant", value=0.0) -> Tensor:
    """PyTorch's F.pad: `pad` lists (before, after) pairs starting from the LAST dim.

    Negative widths crop. Modes: constant, reflect, replicate, circular; the
    non-constant ones are an index gather, so their gradient adds up the copies.
    """
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ShapeError(
            f"pad: padding length {len(pad)} must be even and at most 2 * ndim ({2 * x.ndim}); got {tuple(pad)}."
        )
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: unknown mode {mode!r}; expected one of {sorted(_PAD_MODES)}.")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    crop = tuple(slice(-b if b < 0 else None, a if a < 0 else None) for b, a in widths)
    if builtins.any(b < 0 or a < 0 for b, a in widths):
        x = getitem(x, crop)
        widths = [(builtins.max(b, 0), builtins.max(a, 0)) for b, a in widths]
    if mode == "constant":
        return movement.ConstantPad.apply(x, widths=tuple(widths), value=value)
    xp = x.device.backend.xp
    index = []
    for axis, (before, after) in enumerate(widths):
        positions = xp.arange(x.shape[axis])
        if before or after:
            positions = xp.pad(positions, (before, after), mode=_PAD_MODES[mode])
        index.append(positions)
    return getitem(x, tuple(xp.ix_(*index)))


# PyTorch's wider surface, by family (each module's docstring says what it holds)
from lamina.functional.matrices import (  # noqa: E402  # noqa: E402  # noqa: E402
    block_diag,
    bmm,
    cartesian_prod,
    cdist,
    cross,
    diag,
    diag_embed,
    diagflat,
    diagonal,
    dist,
    dot,
    ger,
    inner,
    kron,
    mm,
    mv,
    norm,
    outer,
    take,
    tensordot,
    trace,
    tril,
    tril_indices,
    triu,
    triu_indices,
    vdot,
)
from lamina.functional.pointwise import (  # noqa: E402  # noqa: E402  # noqa: E402
    acos,
    acosh,
    addcdiv,
    addcmul,
    addmm,
    addmv,
    allclose,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    baddbmm,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    broadcast_to,
    ceil,
    clamp_max,
    clamp_min,
    copysign,
    cosh,
    cumprod,
    cumsum,
    deg2rad,
    equal,
    erfc,
    exp2,
    expm1,
    float_power,
    floor,
    fmax,
    fmin,
    fmod,
    frac,
    heaviside,
    hypot,
    isclose,
    isneginf,
    isposinf,
    isreal,
    lerp,
    log1p,
    log2,
    log10,
    logaddexp,
    logaddexp2,
    logcumsumexp,
    logical_and,
    logical_or,
    logical_xor,
    logit,
    nan_to_num,
    rad2deg,
    reciprocal,
    round,
    signbit,
    sinc,
    sinh,
    square,
    tan,
    trunc,
    xlogy,
)
from lamina.functional.shaping import (  # noqa: E402  # noqa: E402
    atleast_1d,
    atleast_2d,
    atleast_3d,
    broadcast_shapes,
    broadcast_tensors,
    column_stack,
    diff,
    dstack,
    fliplr,
    flipud,
    hsplit,
    hstack,
    masked_select,
    meshgrid,
    moveaxis,
    movedim,
    narrow,
    one_hot,
    repeat_interleave,
    rot90,
    row_stack,
    select,
    swapaxes,
    swapdims,
    take_along_dim,
    tensor_split,
    tile,
    unbind,
    unflatten,
    vsplit,
    vstack,
)
from lamina.functional.sorting import (  # noqa: E402  # noqa: E402
    aminmax,
    argsort,
    argwhere,
    bincount,
    bucketize,
    count_nonzero,
    cummax,
    cummin,
    isin,
    kthvalue,
    median,
    msort,
    nonzero,
    quantile,
    searchsorted,
    sort,
    topk,
    unique,
    unique_consecutive,
)
