"""lamina's dtypes and the promotion rule between them.

A DType names a NumPy dtype (CuPy uses the same dtype objects), so a backend
array's `.dtype` maps straight to one. Promotion follows PyTorch, not NumPy:
an integer tensor combined with a float32 tensor gives float32 (NumPy 2 would
give float64), and a Python scalar never widens a tensor's float dtype.
"""

import numpy as np

from lamina.errors import DTypeError


class DType:
    """A tensor element type: `lamina.float32`, `lamina.int64`, ..."""

    __slots__ = ("name", "numpy", "is_floating_point", "is_signed", "itemsize", "_rank")

    def __init__(self, name: str, numpy_dtype, rank: int):
        self.name = name
        self.numpy = np.dtype(numpy_dtype)
        self.is_floating_point = self.numpy.kind == "f"
        self.is_signed = self.numpy.kind in "fi"
        self.itemsize = self.numpy.itemsize
        self._rank = rank  # order within its kind (bool < integers < floats), used by promotion

    def __repr__(self) -> str:
        return f"lamina.{self.name}"

    def __reduce__(self):  # dtypes are singletons; copy and deepcopy keep them so
        return (to_dtype, (self.name,))


bool_ = DType("bool", np.bool_, 0)
uint8 = DType("uint8", np.uint8, 1)
int8 = DType("int8", np.int8, 1)
int16 = DType("int16", np.int16, 2)
int32 = DType("int32", np.int32, 3)
int64 = DType("int64", np.int64, 4)
float16 = DType("float16", np.float16, 1)
float32 = DType("float32", np.float32, 2)
float64 = DType("float64", np.float64, 3)


class _Unsupported(DType):
    """A PyTorch dtype lamina can name but not hold: programs that only mention it (a table of dtype names,
    `x.dtype == torch.bfloat16`) run; making a tensor of it is a DTypeError that says what to use."""

    __slots__ = ("advice",)

    def __init__(self, name: str, itemsize: int, advice: str):
        self.name, self.advice, self.itemsize = name, advice, itemsize
        self.is_floating_point = self.is_signed = True
        self._rank = -1

    @property
    def numpy(self):
        raise DTypeError(f"lamina: {self.name} is not supported (NumPy has no {self.name} dtype); {self.advice}")


bfloat16 = _Unsupported(
    "bfloat16", 2, "use float32, or float16 for half precision (lamina.autocast's default on every device)."
)

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
FLOATING = (float16, float32, float64)
default_float = float32

_BY_NUMPY = {d.numpy: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update({"float": float32, "double": float64, "half": float16, "long": int64, "int": int32})
_BY_NAME["bfloat16"] = bfloat16


def from_numpy_dtype(numpy_dtype) -> DType:
    """The lamina dtype of a backend array's dtype; DTypeError for unsupported ones."""
    try:
        return _BY_NUMPY[numpy_dtype]
    except KeyError:
        if isinstance(numpy_dtype, DType):  # a Tensor where its backend array belongs: `p.array = tensor`
            raise DTypeError(
                "lamina: a tensor's .array holds a Tensor, not a backend array (was it set with `p.array = other`?). "
                "Assign the tensor with `p.data = other` (as in PyTorch), or the array with `p.array = other.array`."
            ) from None
        supported = ", ".join(d.name for d in ALL)
        raise DTypeError(
            f"lamina: arrays of dtype {numpy_dtype} are not supported; supported dtypes: {supported}. "
            "Convert the array first, e.g. array.astype('float32')."
        ) from None


def to_dtype(value) -> DType:
    """Accept a DType, a name ('float32', 'long'), a NumPy dtype or a Python type."""
    if isinstance(value, DType):
        return value
    if value is float:
        return default_float
    if value is int:
        return int64
    if value is bool:
        return bool_
    if isinstance(value, str) and value in _BY_NAME:
        return _BY_NAME[value]
    try:
        return from_numpy_dtype(np.dtype(value))
    except TypeError:
        raise DTypeError(f"lamina: {value!r} is not a dtype; use e.g. lamina.float32 or 'float32'.") from None


def _kind(d: DType) -> int:
    return 0 if d is bool_ else (2 if d.is_floating_point else 1)


def promote_types(a: DType, b: DType) -> DType:
    """The dtype of a binary op on tensors of dtypes a and b (PyTorch's rule).

    The higher kind wins (bool < integer < float); within a kind the wider one.
    uint8 with a signed integer gives the signed one widened enough (int16 at least).
    """
    if a is b:
        return a
    kind_a, kind_b = _kind(a), _kind(b)
    if kind_a != kind_b:
        return a if kind_a > kind_b else b
    if kind_a == 1 and (a is uint8 or b is uint8):
        other = b if a is uint8 else a
        return other if other._rank >= int16._rank else int16
    return a if a._rank >= b._rank else b


def scalar_dtype(value, tensor_dtype: DType) -> DType:
    """The dtype a Python scalar takes when combined with a tensor.

    A float scalar keeps a float tensor's dtype and turns an integer tensor into
    the default float dtype; an int scalar keeps the tensor's dtype (bool -> int64).
    """
    if isinstance(value, bool):
        return tensor_dtype
    if isinstance(value, int):
        return int64 if tensor_dtype is bool_ else tensor_dtype
    if isinstance(value, float):
        return tensor_dtype if tensor_dtype.is_floating_point else default_float
    raise DTypeError(
        f"lamina: cannot combine a tensor with {type(value).__name__} {value!r}; use a Python number or a tensor."
    )


# --- PyTorch's dtype queries: the default float dtype, finfo/iinfo, legacy type names ---
def get_default_dtype() -> DType:
    return default_float


def set_default_dtype(dtype) -> None:
    """The dtype of Python floats turned into tensors, and of zeros()/randn() without a dtype: float32 or float64."""
    global default_float
    dtype = to_dtype(dtype)
    if dtype not in (float32, float64):
        raise DTypeError(f"set_default_dtype: only float32 and float64 are supported; got {dtype.name}.")
    default_float = dtype


class finfo:
    """Limits of a float dtype (eps, max, min, tiny, resolution, bits), as torch.finfo."""

    def __init__(self, dtype=None):
        dtype = to_dtype(dtype) if dtype is not None else default_float
        if not dtype.is_floating_point:
            raise DTypeError(f"finfo: expects a floating point dtype; got {dtype.name}. Use iinfo for integers.")
        info = np.finfo(dtype.numpy)
        self.dtype, self.bits = dtype.name, info.bits
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.tiny)
        self.resolution = float(info.resolution)

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution}, min={self.min}, max={self.max}, eps={self.eps}, dtype={self.dtype})"
        )


class iinfo:
    """Limits of an integer dtype (min, max, bits), as torch.iinfo."""

    def __init__(self, dtype):
        dtype = to_dtype(dtype)
        if dtype.is_floating_point or dtype is bool_:
            raise DTypeError(f"iinfo: expects an integer dtype; got {dtype.name}. Use finfo for floats.")
        info = np.iinfo(dtype.numpy)
        self.dtype, self.bits, self.min, self.max = dtype.name, info.bits, int(info.min), int(info.max)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


_LEGACY = {
    bool_: "BoolTensor", uint8: "ByteTensor", int8: "CharTensor", int16: "ShortTensor", int32: "IntTensor",
    int64: "LongTensor", float16: "HalfTensor", float32: "FloatTensor", float64: "DoubleTensor",
}  # fmt: skip


def legacy_type_name(dtype: DType, device) -> str:
    """PyTorch's `x.type()`: 'torch.FloatTensor' on the CPU, 'torch.cuda.FloatTensor' on a GPU."""
    prefix = "torch." if str(device) == "cpu" else "torch.cuda."
    return prefix + _LEGACY[dtype]


def from_legacy_type_name(name: str) -> DType:
    """'torch.FloatTensor' (or 'torch.cuda.LongTensor', or a dtype name) -> the dtype."""
    short = name.rsplit(".", 1)[-1]
    for dtype, legacy in _LEGACY.items():
        if legacy == short:
            return dtype
    return to_dtype(short)
