"""lamina: a readable deep-learning framework on NumPy, with PyTorch's names.

import lamina
x = lamina.randn(3, requires_grad=True)
(x * x).sum().backward()
x.grad  # 2 * x
"""

__version__ = "0.1.0"

from lamina import dtypes
from lamina.backend import Device, get_device as device
from lamina.dtypes import (
    DType,
    bfloat16,
    bool_ as bool,
    float16,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    uint8,
    float16 as half,
    float32 as float,
    float64 as double,
    int64 as long,
)
from lamina.errors import (
    AnomalyError,
    AutogradError,
    CheckpointError,
    DataError,
    DeviceError,
    DTypeError,
    LaminaError,
    ShapeError,
    WorkerError,
)
from lamina.tensor import Tensor
from lamina.creation import (
    arange,
    as_tensor,
    from_numpy,
    empty,
    empty_like,
    eye,
    full,
    full_like,
    linspace,
    manual_seed,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from lamina import autograd
from lamina.autograd import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from lamina.functional import (
    block_diag,
    cartesian_prod,
    cdist,
    cross,
    diag_embed,
    ger,
    inner,
    kron,
    tensordot,
    tril_indices,
    triu_indices,
    vdot,
    clamp_max,
    clamp_min,
    deg2rad,
    erfc,
    float_power,
    fmod,
    heaviside,
    logaddexp,
    logaddexp2,
    logit,
    nan_to_num,
    rad2deg,
    signbit,
    xlogy,
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
    moveaxis,
    movedim,
    rot90,
    row_stack,
    swapaxes,
    swapdims,
    take_along_dim,
    tensor_split,
    tile,
    vsplit,
    vstack,
    aminmax,
    count_nonzero,
    isin,
    msort,
    quantile,
    unique_consecutive,
    abs,
    cos,
    erf,
    exp,
    log,
    neg,
    relu,
    sigmoid,
    sin,
    sqrt,
    tanh,
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    chunk,
    clamp,
    flatten,
    index_select,
    log_softmax,
    logsumexp,
    masked_fill,
    max,
    mean,
    min,
    pad,
    prod,
    rsqrt,
    softmax,
    split,
    squeeze,
    stack,
    std,
    sum,
    t,
    transpose,
    unsqueeze,
    var,
)
from lamina.ops.elementwise import (
    floor_divide,
    remainder,
    maximum,
    minimum,
    sign,
    where,
    isnan,
    isinf,
    isfinite,
    logical_not,
)
from lamina.functional import (
    tan,
    asin,
    acos,
    atan,
    sinh,
    cosh,
    asinh,
    acosh,
    atanh,
    atan2,
    arcsin,
    arccos,
    arctan,
    arctan2,
    arcsinh,
    arccosh,
    arctanh,
    addmm,
    baddbmm,
    addmv,
    broadcast_to,
    hypot,
    sinc,
    addcdiv,
    addcmul,
    allclose,
    argsort,
    argwhere,
    bincount,
    bmm,
    bucketize,
    ceil,
    cumsum,
    diag,
    diagonal,
    dot,
    equal,
    exp2,
    expm1,
    floor,
    frac,
    isclose,
    kthvalue,
    lerp,
    log1p,
    log2,
    log10,
    logical_and,
    logical_or,
    logical_xor,
    masked_select,
    median,
    meshgrid,
    mm,
    mv,
    narrow,
    nonzero,
    norm,
    outer,
    reciprocal,
    repeat_interleave,
    round,
    searchsorted,
    select,
    sort,
    square,
    topk,
    trace,
    tril,
    triu,
    trunc,
    unbind,
    unflatten,
    unique,
)
from lamina.dtypes import finfo, get_default_dtype, iinfo, set_default_dtype
from lamina.ops.indexing import gather, index_add, index_fill, scatter, scatter_add
from lamina.random import Generator, bernoulli, multinomial, normal
from lamina.ops.linalg import einsum, matmul
from lamina.ops.movement import cat, expand, flip, permute, repeat, reshape, roll
from lamina import data, datasets, nn, optim, transforms, viz
from lamina import accelerator, amp, backends, cuda, distributed, utils
from lamina.amp import autocast
from lamina import distributions, func, jit, linalg, multiprocessing, onnx, testing, train
from lamina.func import vmap
from lamina.ops.decompositions import det, logdet, slogdet
from lamina.creation import bartlett_window, blackman_window, hamming_window, hann_window, kaiser_window
from lamina.functional.matrices import corrcoef, cov, matrix_power
from lamina.functional.pointwise import cumulative_trapezoid, trapezoid, trapz
from lamina.functional.shaping import ravel, unravel_index
from lamina import special
from lamina.nn.functional.margin_loss import (
    cosine_embedding_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    poisson_nll_loss,
    triplet_margin_loss,
)
from lamina.ops.special import digamma, erfinv, lgamma, polygamma
from lamina.functional import (
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    copysign,
    cummax,
    cummin,
    cumprod,
    logcumsumexp,
    diagflat,
    dist,
    fmax,
    fmin,
    isneginf,
    isposinf,
    isreal,
    take,
)
from lamina.ops.decompositions import inv as inverse
from lamina.compiler import compile
from lamina.functional.out import with_out as _with_out
from lamina.serialization import load, save


def summary(model, input_shape, dtype=None, print_table=True):
    """lamina.summary(model, input_shape): see lamina.train.summary."""
    from lamina.train.summary import summary as table

    return table(model, input_shape, dtype, print_table)


clip = clamp
concat = concatenate = cat


def is_floating_point(x) -> bool:
    return x.is_floating_point()


def numel(x) -> int:
    return x.numel()


def is_tensor(value) -> bool:
    return isinstance(value, Tensor)


def get_rng_state():
    """The CPU generator's state (a dict), for checkpoints that resume exactly."""
    return device("cpu").backend.get_state()


def set_rng_state(state) -> None:
    device("cpu").backend.set_state(state)


# --- PyTorch's remaining torch.* spellings: settings, constants, and aliases of the ops and nn.functional ---
from lamina.settings import (  # noqa: E402
    Size,
    are_deterministic_algorithms_enabled,
    can_cast,
    get_default_device,
    get_float32_matmul_precision,
    get_num_interop_threads,
    get_num_threads,
    initial_seed,
    promote_types,
    result_type,
    seed,
    set_default_device,
    set_float32_matmul_precision,
    set_num_interop_threads,
    set_num_threads,
    set_printoptions,
    typename,
    use_deterministic_algorithms,
)
from lamina.ops.elementwise import add, div, mul, pow, sub  # noqa: E402
from lamina.nn.functional import (  # noqa: E402
    batch_norm,
    bilinear,
    binary_cross_entropy_with_logits,
    celu,
    conv1d,
    conv2d,
    conv_transpose1d,
    conv_transpose2d,
    cosine_similarity,
    dropout,
    embedding,
    group_norm,
    hardshrink,
    instance_norm,
    kl_div,
    layer_norm,
    max_pool1d,
    max_pool2d,
    pairwise_distance,
    pixel_shuffle,
    pixel_unshuffle,
    prelu,
    rms_norm,
    selu,
    threshold,
    alpha_dropout,
    feature_alpha_dropout,
    rrelu,
    selu_,
    celu_,
    threshold_,
    rrelu_,
)
import math as _math  # noqa: E402

pi, e, inf, nan = _math.pi, _math.e, _math.inf, _math.nan
newaxis = None
subtract, multiply, divide, true_divide, negative = sub, mul, div, div, neg
absolute = abs


def _comparison(name):
    def compare(input, other):
        return getattr(input, name)(other)

    compare.__name__ = name
    return compare


eq, ne, lt, le, gt, ge = (_comparison(n) for n in ("eq", "ne", "lt", "le", "gt", "ge"))
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def positive(x):
    return x.positive()


def sgn(x):
    return x.sgn()


def is_complex(x) -> bool:
    return x.is_complex()


def is_signed(x) -> bool:
    return x.is_signed()


def is_nonzero(x) -> bool:
    return x.is_nonzero()


def is_same_size(x, other) -> bool:
    return x.is_same_size(other)


def clone(x, *, memory_format=None):
    return x.clone()


def detach(x):
    return x.detach()


def scalar_tensor(value, dtype=None, device=None, requires_grad=False):
    return tensor(value, dtype=dtype or dtypes.default_float, device=device, requires_grad=requires_grad)


def logspace(start, end, steps, base=10.0, dtype=None, device=None, requires_grad=False):
    return (
        (linspace(start, end, steps, dtype=dtype, device=device) * _math.log(base)).exp().requires_grad_(requires_grad)
    )


def nansum(x, dim=None, keepdim=False, *, dtype=None):
    return where(x.isnan(), 0.0, x).sum(dim, keepdim, dtype=dtype)


def nanmean(x, dim=None, keepdim=False, *, dtype=None):
    kept = (~x.isnan()).sum(dim, keepdim)
    return nansum(x, dim, keepdim) / kept


def std_mean(x, dim=None, *, correction=1, keepdim=False):
    return x.std(dim, keepdim=keepdim, correction=correction), x.mean(dim, keepdim)


def var_mean(x, dim=None, *, correction=1, keepdim=False):
    return x.var(dim, keepdim=keepdim, correction=correction), x.mean(dim, keepdim)


def _legacy_tensor_type(dtype):
    """torch.FloatTensor and friends: FloatTensor([1, 2]) from data, FloatTensor(2, 3) of a shape."""

    def make(*values, device=None):
        if len(values) == 1 and not isinstance(values[0], int):
            return tensor(values[0], dtype=dtype, device=device)
        return zeros(*values, dtype=dtype, device=device)

    return make


FloatTensor, DoubleTensor, HalfTensor = (_legacy_tensor_type(d) for d in (float32, float64, float16))
LongTensor, IntTensor, ShortTensor = (_legacy_tensor_type(d) for d in (int64, int32, int16))
ByteTensor, CharTensor, BoolTensor = (_legacy_tensor_type(d) for d in (uint8, int8, bool))


# PyTorch's out= on the functions everyday code passes it to (functional/out.py: one wrapper, its rules)
_OUT_FUNCTIONS = (
    "abs", "add", "addmm", "amax", "amin", "argmax", "argmin", "bmm", "cat", "ceil", "clamp", "cos", "cumsum",
    "div", "dot", "einsum", "erf", "exp", "expm1", "floor", "gather", "index_select", "log", "log1p",
    "log_softmax", "logsumexp", "matmul", "max", "maximum", "mean", "min", "minimum", "mm", "mul", "mv", "neg",
    "outer", "pow", "prod", "reciprocal", "remainder", "round", "rsqrt", "sigmoid", "sin", "softmax", "sort",
    "sqrt", "square", "stack", "std", "sub", "sum", "tanh", "topk", "tril", "triu", "true_divide", "var", "where",
)  # fmt: skip
for _name in _OUT_FUNCTIONS:
    globals()[_name] = _with_out(globals()[_name])
del _name


def _in_place_function(name):
    def function(x, *args, **kwargs):
        return getattr(x, name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"torch.{name}(x, ...): x.{name}(...)."
    return function


# torch.exp_(x), torch.relu_(x), ...: PyTorch's in-place functions, each the Tensor method of its name
for _name in (
    "abs_", "acos_", "acosh_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_", "arctanh_", "asin_",
    "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_", "clamp_min_", "clip_", "cos_", "cosh_",
    "deg2rad_", "detach_", "erf_", "erfc_", "exp2_", "exp_", "expm1_", "fill_", "fix_", "floor_", "frac_",
    "index_put_", "log10_", "log1p_", "log2_", "log_", "logit_", "nan_to_num_", "neg_", "negative_", "rad2deg_",
    "reciprocal_", "relu_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_", "sqrt_", "square_", "tan_",
    "tanh_", "trunc_", "xlogy_", "zero_", "fix", "index_copy", "index_put", "adjoint",
):  # fmt: skip
    globals()[_name] = _in_place_function(_name)
del _name


def dropout_(x, p=0.5, train=True):  # noqa: F811 - torch.dropout_'s argument name, not lamina.train
    return x.copy_(dropout(x, p, train))


def range(start, end, step=1, dtype=None, device=None, requires_grad=False):
    """Deprecated in PyTorch: like arange, but `end` included and float32 by default."""
    import warnings

    warnings.warn(
        "lamina.range is deprecated (as torch.range is) and will be removed; use lamina.arange, whose end is excluded.",
        UserWarning,
        stacklevel=2,
    )
    count = int(_math.floor((end - start) / step)) + 1
    return arange(count, dtype=dtype or float32, device=device).mul_(step).add_(start).requires_grad_(requires_grad)
