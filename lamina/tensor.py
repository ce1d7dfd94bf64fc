"""Tensor: a backend array, its gradient, and its link to the graph.

A Tensor holds `array` (a NumPy or CuPy array), the `device` it lives on, and,
when it was made by a recorded op, `grad_fn`: the node that made it. Every
method here is a thin door to an op in `lamina.ops` (primitives, with a
backward) or `lamina.functional` (composites built from them).

NOTE: tensor.py and the ops import each other: ops make Tensors, Tensor
methods call ops. The ops are imported at the bottom of this file and only
used inside methods, which keeps the cycle harmless.
"""

import weakref

import numpy as np

from lamina import dtypes
from lamina.backend import deferred, get_device
from lamina.errors import AutogradError, DeviceError, DTypeError, ShapeError, shape_str


class Tensor:
    """An n-dimensional array that records the ops applied to it.

    Create tensors with `lamina.tensor`, `lamina.zeros`, `lamina.randn`, ... (`Tensor(data)` itself is
    PyTorch's legacy constructor: always the default float dtype, and `Tensor(2, 3)` a shape).
    """

    __slots__ = ("array", "device", "requires_grad", "grad", "grad_fn", "_version", "_base", "_hooks", "__weakref__")
    # Every field a new tensor starts with besides array, device and _version (a new [0] each). The native
    # dispatch builds its tensors from this table and refuses to load if a slot above is missing from it; _make
    # below writes the same values by hand, for speed (tests/autograd/test_native_fields.py holds the two together).
    FRESH_FIELDS = (("requires_grad", False), ("grad", None), ("grad_fn", None), ("_base", None), ("_hooks", ()))
    __array_ufunc__ = None  # numpy scalars defer to Tensor's reflected operators (np.float32(2) * t)

    def __init__(self, *data, dtype=None, device=None, requires_grad=False):
        from lamina.creation import as_backend_array

        device = get_device(device)
        if len(data) != 1 or isinstance(data[0], int) and not isinstance(data[0], bool):
            # PyTorch's legacy constructor: Tensor(2, 3) is a (2, 3) float tensor (zeros here, not garbage)
            shape = tuple(data[0]) if len(data) == 1 and isinstance(data[0], (tuple, list)) else data
            data = (device.xp.zeros(tuple(int(n) for n in shape), dtype=(dtype or dtypes.default_float).numpy),)
        # PyTorch's Tensor(...) is its FloatTensor: data of any type becomes the default float dtype
        self.array = as_backend_array(data[0], dtype or dtypes.default_float, device)
        self.device = device
        self.grad = None
        self.grad_fn = None
        self._version = [0]  # bumped by every in-place op; shared with views of this tensor
        self._base = None  # the tensor this one is a view of
        self._hooks = ()
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _make(cls, array, device):
        """Wrap a backend array without checks: the fast path every op uses."""
        tensor = object.__new__(cls)
        tensor.array = array
        tensor.device = device
        tensor.requires_grad = False
        tensor.grad = None
        tensor.grad_fn = None
        tensor._version = [0]
        tensor._base = None
        tensor._hooks = ()
        return tensor

    # --- attributes ---
    @property
    def data(self) -> "Tensor":
        """PyTorch's `.data`: the same memory as a tensor outside the graph.

        NOTE: unlike `detach()`, changes made through `.data` are invisible to autograd (its own version
        counter), as in PyTorch; prefer `detach()` or `with no_grad():`. The backend array is `.array`.
        """
        return Tensor._make(self.array, self.device)

    @data.setter
    def data(self, value: "Tensor"):
        if not isinstance(value, Tensor):
            raise TypeError(
                f"Tensor.data: assign a Tensor; got {type(value).__name__}. "
                "Wrap arrays with lamina.tensor(...) or lamina.from_numpy(...)."
            )
        self.array, self.device = value.array, value.device

    @property
    def shape(self) -> tuple:
        return self.array.shape

    @property
    def ndim(self) -> int:
        return self.array.ndim

    @property
    def dtype(self) -> dtypes.DType:
        return dtypes.from_numpy_dtype(self.array.dtype)

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    def is_floating_point(self) -> bool:
        return self.array.dtype.kind == "f"

    @property
    def T(self) -> "Tensor":
        # every dim once, reversed: a permutation by construction, so permute's checks are skipped (per-op cost)
        return movement.Permute.apply(self, dims=REVERSED_DIMS[self.array.ndim])

    @property
    def mT(self) -> "Tensor":
        return F.transpose(self, -2, -1)

    # lamina's tensors are real: the conjugate transposes are the transposes
    @property
    def mH(self) -> "Tensor":
        return self.mT

    @property
    def H(self) -> "Tensor":
        if self.ndim > 2:
            raise ShapeError(f"H: expects a matrix or vector; got {self.ndim} dims. Use .mH for a batch of matrices.")
        return self.T

    def adjoint(self) -> "Tensor":
        return self.mT

    @property
    def retains_grad(self) -> bool:
        """Whether retain_grad() was called on this non-leaf tensor."""
        return self.grad_fn is not None and getattr(self.grad_fn.node_extras(), "retained", None) is not None

    # what lamina's tensors never are (dense, strided, real, unquantised, not nested, never in inference mode)
    def is_inference(self) -> bool:
        return False

    is_sparse = is_sparse_csr = is_quantized = is_meta = is_nested = is_mkldnn = False
    is_xpu = is_mps = is_ipu = is_maia = is_mtia = is_vulkan = is_xla = False  # devices lamina has no backend for

    def dim(self) -> int:
        return self.array.ndim

    def size(self, dim=None):
        return self.array.shape if dim is None else self.array.shape[dim]

    def numel(self) -> int:
        return int(self.array.size)

    def __len__(self) -> int:
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def __iter__(self):
        if self.array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.array.shape[0]))

    # --- conversions ---
    def item(self):
        if self.array.size != 1:
            raise ShapeError(
                f"item: only a tensor with one element can be converted to a Python number; got shape "
                f"{tuple(self.shape)}. Index it first or use .tolist()."
            )
        return self.numpy().reshape(()).item()

    def numpy(self) -> np.ndarray:
        """The data as a NumPy array; on the CPU it shares memory with the tensor (as in PyTorch)."""
        if deferred.pending:  # a host read: the checks left on the device report now (backend/deferred.py)
            deferred.flush()
        return self.device.backend.to_numpy(self.array)

    def tolist(self):
        return self.numpy().tolist()

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        if self.array.size != 1:
            raise ShapeError(
                f"bool: the truth value of a tensor with {self.array.size} elements is ambiguous; use .any() or .all()."
            )
        return bool(self.item())

    def __index__(self):
        if self.array.dtype.kind not in "iu" or self.array.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    __hash__ = object.__hash__

    def __deepcopy__(self, memo):
        """A copy with its own memory (used when a model is copied); only leaves can be copied."""
        if self.grad_fn is not None:
            raise AutogradError(
                "deepcopy: only tensors created explicitly by the user (graph leaves) support copying; "
                "call .detach() first."
            )
        result = type(self)._make(self.array.copy(), self.device)
        result.requires_grad = self.requires_grad
        memo[id(self)] = result
        if self.grad is not None:
            result.grad = self.grad.__deepcopy__(memo)
        return result

    def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False, memory_format=None) -> "Tensor":
        """`.to(dtype)`, `.to(device)`, `.to(device, dtype)` or `.to(other_tensor)`; copy=True always copies.
        (non_blocking and memory_format are PyTorch's and change nothing: CPU copies complete at once.)"""
        dtype, device = parse_to_arguments(args, dtype, device)
        result = self.clone() if copy else self
        if device is not None and device is not self.device:
            result = elementwise.ToDevice.apply(result, device=device)
        if dtype is not None:
            result = elementwise.cast(result, dtype)
        return result

    def float(self):
        return self.to(dtypes.float32)

    def double(self):
        return self.to(dtypes.float64)

    def half(self):
        return self.to(dtypes.float16)

    def bfloat16(self):
        return self.to(dtypes.bfloat16)  # a DTypeError that says what to use (dtypes.py)

    def long(self):
        return self.to(dtypes.int64)

    def int(self):
        return self.to(dtypes.int32)

    def bool(self):
        return self.to(dtypes.bool_)

    def cpu(self):
        return self.to("cpu")

    def cuda(self):
        return self.to("cuda")

    def type_as(self, other):
        return self.to(other.dtype)

    # --- autograd ---
    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if requires_grad and self.array.dtype.kind != "f":
            raise DTypeError(
                f"requires_grad: only tensors of floating point dtype can require gradients; got "
                f"{self.dtype.name}. Convert first, e.g. x.float().requires_grad_()."
            )
        if not requires_grad and self.grad_fn is not None:
            raise AutogradError(
                "requires_grad_(False): this tensor was made by a recorded op (a non-leaf); "
                "use .detach() to get a tensor that does not require grad."
            )
        self.requires_grad = requires_grad
        return self

    def detach(self) -> "Tensor":
        """The same data, cut from the graph (shares memory and the version counter)."""
        tensor = Tensor._make(self.array, self.device)
        tensor._version = self._version
        return tensor

    def detach_(self) -> "Tensor":
        self.grad_fn = None
        self.requires_grad = False
        return self

    def clone(self) -> "Tensor":
        return elementwise.Clone.apply(self)

    def contiguous(self) -> "Tensor":
        if self.array.flags.c_contiguous:
            return self
        return self.clone()

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        from lamina.autograd import backward

        backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)

    def register_hook(self, hook):
        """Call `hook(grad)` when this tensor's gradient is computed; a returned tensor replaces it."""
        if not self.requires_grad:
            raise AutogradError("register_hook: cannot register a hook on a tensor that doesn't require grad.")
        if self.grad_fn is None:
            self._hooks = self._hooks + (hook,)
        else:
            extras = self.grad_fn.node_extras()
            extras.hooks = extras.hooks + (hook,)
        return _HookHandle(self, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call `hook(tensor)` once this leaf's `.grad` holds its gradient from the current backward: as soon as
        the last contribution is in, while the backward goes on (DistributedDataParallel starts its reductions
        so). PyTorch's contract: leaves that require grad only; the hook returns nothing."""
        if not self.requires_grad or self.grad_fn is not None:
            raise AutogradError(
                "register_post_accumulate_grad_hook: only leaf tensors that require grad accumulate a .grad; "
                "use register_hook for a non-leaf tensor."
            )
        wrapped = PostAccumulateGradHook(hook)
        self._hooks = self._hooks + (wrapped,)
        return _HookHandle(self, wrapped)

    def retain_grad(self):
        """Keep this non-leaf tensor's gradient in `.grad` after backward."""
        if self.grad_fn is not None:
            self.grad_fn.node_extras().retained = weakref.ref(self)

    # --- elementwise math ---
    def abs(self):
        return elementwise.Abs.apply(self)

    def neg(self):
        return elementwise.Neg.apply(self)

    def exp(self):
        return elementwise.Exp.apply(self)

    def log(self):
        return elementwise.Log.apply(self)

    def sqrt(self):
        return elementwise.Sqrt.apply(self)

    def rsqrt(self):
        return F.rsqrt(self)

    def erf(self):
        return elementwise.Erf.apply(self)

    def sin(self):
        return elementwise.Sin.apply(self)

    def cos(self):
        return elementwise.Cos.apply(self)

    def tanh(self):
        return elementwise.Tanh.apply(self)

    def sigmoid(self):
        return elementwise.Sigmoid.apply(self)

    def relu(self):
        return elementwise.Relu.apply(self)

    def sign(self):
        return elementwise.sign(self)

    def pow(self, exponent):
        return elementwise.pow(self, exponent)

    def add(self, other, alpha=1):
        return elementwise.add(self, other if alpha == 1 else other * alpha)

    def sub(self, other, alpha=1):
        return elementwise.sub(self, other if alpha == 1 else other * alpha)

    def mul(self, other):
        return elementwise.mul(self, other)

    def div(self, other):
        return elementwise.div(self, other)

    def clamp(self, min=None, max=None):
        return F.clamp(self, min, max)

    clip = clamp

    def maximum(self, other):
        return elementwise.maximum(self, other)

    def minimum(self, other):
        return elementwise.minimum(self, other)

    def where(self, condition, other):
        return elementwise.where(condition, self, other)

    def eq(self, other):
        return self == other

    def ne(self, other):
        return self != other

    def lt(self, other):
        return self < other

    def le(self, other):
        return self <= other

    def gt(self, other):
        return self > other

    def ge(self, other):
        return self >= other

    def isnan(self):
        return elementwise.isnan(self)

    def isinf(self):
        return elementwise.isinf(self)

    def isfinite(self):
        return elementwise.isfinite(self)

    def logical_not(self):
        return elementwise.logical_not(self)

    def matmul(self, other):
        return linalg.matmul(self, other)

    # --- reductions ---
    def sum(self, dim=None, keepdim=False, dtype=None):
        return F.sum(self, dim, keepdim, dtype=dtype)

    def mean(self, dim=None, keepdim=False):
        return F.mean(self, dim, keepdim)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return F.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return F.std(self, dim, unbiased, keepdim, correction=correction)

    def prod(self, dim=None, keepdim=False):
        return F.prod(self, dim, keepdim)

    def max(self, dim=None, keepdim=False):
        return F.max(self, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        return F.min(self, dim, keepdim)

    def amax(self, dim=None, keepdim=False):
        return F.amax(self, dim, keepdim)

    def amin(self, dim=None, keepdim=False):
        return F.amin(self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        return F.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return F.argmin(self, dim, keepdim)

    def logsumexp(self, dim, keepdim=False):
        return F.logsumexp(self, dim, keepdim)

    def softmax(self, dim):
        return F.softmax(self, dim)

    def log_softmax(self, dim):
        return F.log_softmax(self, dim)

    def all(self, dim=None, keepdim=False):
        return F.all(self, dim, keepdim)

    def any(self, dim=None, keepdim=False):
        return F.any(self, dim, keepdim)

    # --- movement (views where the backend can) ---
    def reshape(self, *shape):
        return movement.reshape(self, shape)

    def view(self, *shape):
        return movement.view(self, shape)

    def view_as(self, other):
        return movement.view(self, other.shape)

    def reshape_as(self, other):
        return movement.reshape(self, other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        return F.flatten(self, start_dim, end_dim)

    def transpose(self, dim0, dim1):
        return F.transpose(self, dim0, dim1)

    def t(self):
        return F.t(self)

    def permute(self, *dims):
        return movement.permute(self, dims)

    def squeeze(self, dim=None):
        return F.squeeze(self, dim)

    def unsqueeze(self, dim):
        return F.unsqueeze(self, dim)

    def expand(self, *shape):
        return movement.expand(self, shape)

    def expand_as(self, other):
        return movement.expand(self, other.shape)

    def repeat(self, *repeats):
        return movement.repeat(self, repeats)

    def split(self, split_size_or_sections, dim=0):
        return F.split(self, split_size_or_sections, dim)

    def chunk(self, chunks, dim=0):
        return F.chunk(self, chunks, dim)

    def flip(self, dims):
        return movement.flip(self, dims)

    def roll(self, shifts, dims=None):
        return movement.roll(self, shifts, dims)

    # --- indexing ---
    def gather(self, dim, index):
        return indexing.gather(self, dim, index)

    def scatter_add(self, dim, index, src):
        return indexing.scatter_add(self, dim, index, src)

    def index_select(self, dim, index):
        return F.index_select(self, dim, index)

    def masked_fill(self, mask, value):
        return F.masked_fill(self, mask, value)

    # --- in place (bump the version counter; refused on leaves that require grad) ---
    def add_(self, other, alpha=1):
        return inplace.add_(self, other if alpha == 1 else other * alpha)

    def sub_(self, other, alpha=1):
        return inplace.sub_(self, other if alpha == 1 else other * alpha)

    def mul_(self, other):
        return inplace.mul_(self, other)

    def div_(self, other):
        return inplace.div_(self, other)

    def clamp_(self, min=None, max=None):
        return inplace.clamp_(self, min, max)

    def masked_fill_(self, mask, value):
        return inplace.masked_fill_(self, mask, value)

    def zero_(self):
        return inplace.fill_(self, 0)

    def fill_(self, value):
        return inplace.fill_(self, value)

    def copy_(self, source):
        return inplace.copy_(self, source)

    # --- new tensors like this one (same dtype and device) ---
    def new_zeros(self, *shape, dtype=None):
        return creation.zeros(*shape, dtype=dtype or self.dtype, device=self.device)

    def new_ones(self, *shape, dtype=None):
        return creation.ones(*shape, dtype=dtype or self.dtype, device=self.device)

    def new_full(self, shape, fill_value, dtype=None):
        return creation.full(shape, fill_value, dtype=dtype or self.dtype, device=self.device)

    def new_tensor(self, data, dtype=None):
        return creation.tensor(data, dtype=dtype or self.dtype, device=self.device)

    # --- PyTorch's wider method surface (lamina.functional's matrices, shaping, sorting, pointwise; lamina.random) ---
    def mm(self, other):
        return matrices.mm(self, other)

    def bmm(self, other):
        return matrices.bmm(self, other)

    def mv(self, vec):
        return matrices.mv(self, vec)

    def dot(self, other):
        return matrices.dot(self, other)

    def outer(self, other):
        return matrices.outer(self, other)

    def tril(self, diagonal=0):
        return matrices.tril(self, diagonal)

    def triu(self, diagonal=0):
        return matrices.triu(self, diagonal)

    def diagonal(self, offset=0, dim1=0, dim2=1):
        return matrices.diagonal(self, offset, dim1, dim2)

    def diag(self, diagonal=0):
        return matrices.diag(self, diagonal)

    def trace(self):
        return matrices.trace(self)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        return matrices.norm(self, p, dim, keepdim, dtype)

    def narrow(self, dim, start, length):
        return shaping.narrow(self, dim, start, length)

    def select(self, dim, index):
        return shaping.select(self, dim, index)

    def unbind(self, dim=0):
        return shaping.unbind(self, dim)

    def unflatten(self, dim, sizes):
        return shaping.unflatten(self, dim, sizes)

    def repeat_interleave(self, repeats, dim=None, *, output_size=None):
        return shaping.repeat_interleave(self, repeats, dim)

    def masked_select(self, mask):
        return shaping.masked_select(self, mask)

    def ravel(self):
        return shaping.ravel(self)

    def sort(self, dim=-1, descending=False, stable=False):
        return sorting.sort(self, dim, descending, stable)

    def argsort(self, dim=-1, descending=False, stable=False):
        return sorting.argsort(self, dim, descending, stable)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        return sorting.topk(self, k, dim, largest, sorted)

    def cummax(self, dim):
        return sorting.cummax(self, dim)

    def cummin(self, dim):
        return sorting.cummin(self, dim)

    def logcumsumexp(self, dim):
        return pointwise.logcumsumexp(self, dim)

    def kthvalue(self, k, dim=-1, keepdim=False):
        return sorting.kthvalue(self, k, dim, keepdim)

    def median(self, dim=None, keepdim=False):
        return sorting.median(self, dim, keepdim)

    def nonzero(self, *, as_tuple=False):
        return sorting.nonzero(self, as_tuple=as_tuple)

    def argwhere(self):
        return sorting.argwhere(self)

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
        return sorting.unique(self, sorted, return_inverse, return_counts, dim)

    def bincount(self, weights=None, minlength=0):
        return sorting.bincount(self, weights, minlength)

    def cumsum(self, dim, dtype=None):
        return pointwise.cumsum(self, dim, dtype)

    def log1p(self):
        return pointwise.log1p(self)

    def expm1(self):
        return pointwise.expm1(self)

    def log2(self):
        return pointwise.log2(self)

    def log10(self):
        return pointwise.log10(self)

    def floor(self):
        return pointwise.floor(self)

    def ceil(self):
        return pointwise.ceil(self)

    def round(self, decimals=0):
        return pointwise.round(self, decimals)

    def trunc(self):
        return pointwise.trunc(self)

    def frac(self):
        return pointwise.frac(self)

    def square(self):
        return pointwise.square(self)

    def reciprocal(self):
        return pointwise.reciprocal(self)

    def addcmul(self, tensor1, tensor2, *, value=1):
        return pointwise.addcmul(self, tensor1, tensor2, value=value)

    def addcdiv(self, tensor1, tensor2, *, value=1):
        return pointwise.addcdiv(self, tensor1, tensor2, value=value)

    def lerp(self, end, weight):
        return pointwise.lerp(self, end, weight)

    def equal(self, other):
        return pointwise.equal(self, other)

    def allclose(self, other, rtol=1e-5, atol=1e-8, equal_nan=False):
        return pointwise.allclose(self, other, rtol, atol, equal_nan)

    def isclose(self, other, rtol=1e-5, atol=1e-8, equal_nan=False):
        return pointwise.isclose(self, other, rtol, atol, equal_nan)

    def logical_and(self, other):
        return pointwise.logical_and(self, other)

    def logical_or(self, other):
        return pointwise.logical_or(self, other)

    def logical_xor(self, other):
        return pointwise.logical_xor(self, other)

    def scatter(self, dim, index, src=None, *, value=None, reduce=None):
        return indexing.scatter(self, dim, index, src if src is not None else value, reduce)

    def tan(self):
        return pointwise.tan(self)

    def asin(self):
        return pointwise.asin(self)

    def acos(self):
        return pointwise.acos(self)

    def atan(self):
        return pointwise.atan(self)

    def sinh(self):
        return pointwise.sinh(self)

    def cosh(self):
        return pointwise.cosh(self)

    def asinh(self):
        return pointwise.asinh(self)

    def acosh(self):
        return pointwise.acosh(self)

    def atanh(self):
        return pointwise.atanh(self)

    def arcsin(self):
        return pointwise.arcsin(self)

    def arccos(self):
        return pointwise.arccos(self)

    def arctan(self):
        return pointwise.arctan(self)

    def arcsinh(self):
        return pointwise.arcsinh(self)

    def arccosh(self):
        return pointwise.arccosh(self)

    def arctanh(self):
        return pointwise.arctanh(self)

    def atan2(self, other):
        return pointwise.atan2(self, other)

    arctan2 = atan2

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        return pointwise.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return pointwise.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def addmv(self, mat, vec, *, beta=1, alpha=1):
        return pointwise.addmv(self, mat, vec, beta=beta, alpha=alpha)

    def broadcast_to(self, shape):
        return pointwise.broadcast_to(self, shape)

    def hypot(self, other):
        return pointwise.hypot(self, other)

    def byte(self):
        return self.to(dtypes.uint8)

    def char(self):
        return self.to(dtypes.int8)

    def short(self):
        return self.to(dtypes.int16)

    def ceil_(self):
        return inplace.copy_(self, self.ceil())

    def trunc_(self):
        return inplace.copy_(self, self.trunc())

    def clip_(self, min=None, max=None):
        return inplace.clamp_(self, min, max)

    def log_(self):
        return inplace.copy_(self, self.log())

    def sin_(self):
        return inplace.copy_(self, self.sin())

    def cos_(self):
        return inplace.copy_(self, self.cos())

    def square_(self):
        return inplace.mul_(self, self.clone())

    def reciprocal_(self):
        return inplace.copy_(self, self.reciprocal())

    def sign_(self):
        return inplace.copy_(self, self.sign())

    def fliplr(self):
        return shaping.fliplr(self)

    def flipud(self):
        return shaping.flipud(self)

    def erfc(self):
        return pointwise.erfc(self)

    def exp2(self):
        return pointwise.exp2(self)

    def deg2rad(self):
        return pointwise.deg2rad(self)

    def rad2deg(self):
        return pointwise.rad2deg(self)

    def signbit(self):
        return pointwise.signbit(self)

    def msort(self):
        return sorting.msort(self)

    def movedim(self, source, destination):
        return shaping.movedim(self, source, destination)

    moveaxis = movedim

    def swapaxes(self, axis0, axis1):
        return self.transpose(axis0, axis1)

    swapdims = swapaxes

    def tile(self, *dims):
        return shaping.tile(self, dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims)

    def diff(self, n=1, dim=-1, prepend=None, append=None):
        return shaping.diff(self, n, dim, prepend, append)

    def rot90(self, k=1, dims=(0, 1)):
        return shaping.rot90(self, k, dims)

    def tensor_split(self, indices_or_sections, dim=0):
        return shaping.tensor_split(self, indices_or_sections, dim)

    def hsplit(self, sections):
        return shaping.hsplit(self, sections)

    def vsplit(self, sections):
        return shaping.vsplit(self, sections)

    def take_along_dim(self, indices, dim=None):
        return shaping.take_along_dim(self, indices, dim)

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        return pointwise.nan_to_num(self, nan, posinf, neginf)

    def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
        return inplace.copy_(self, self.nan_to_num(nan, posinf, neginf))

    def logaddexp(self, other):
        return pointwise.logaddexp(self, other)

    def xlogy(self, other):
        return pointwise.xlogy(self, other)

    def logit(self, eps=None):
        return pointwise.logit(self, eps)

    def heaviside(self, values):
        return pointwise.heaviside(self, values)

    def float_power(self, exponent):
        return pointwise.float_power(self, exponent)

    def fmod(self, other):
        return pointwise.fmod(self, other)

    def count_nonzero(self, dim=None):
        return sorting.count_nonzero(self, dim)

    def aminmax(self, *, dim=None, keepdim=False):
        return sorting.aminmax(self, dim=dim, keepdim=keepdim)

    def isin(self, test_elements, *, invert=False):
        return sorting.isin(self, test_elements, invert=invert)

    def quantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        return sorting.quantile(self, q, dim, keepdim, interpolation=interpolation)

    def nansum(self, dim=None, keepdim=False, *, dtype=None):
        return elementwise.where(self.isnan(), 0.0, self).sum(dim, keepdim, dtype=dtype)

    def nanmean(self, dim=None, keepdim=False):
        return self.nansum(dim, keepdim) / (~self.isnan()).sum(dim, keepdim)

    def cross(self, other, dim=None):
        return matrices.cross(self, other, dim)

    def kron(self, other):
        return matrices.kron(self, other)

    def inner(self, other):
        return matrices.inner(self, other)

    def diag_embed(self, offset=0, dim1=-2, dim2=-1):
        return matrices.diag_embed(self, offset, dim1, dim2)

    def cumsum_(self, dim):
        return inplace.copy_(self, self.cumsum(dim))

    def addmm_(self, mat1, mat2, *, beta=1, alpha=1):
        return inplace.copy_(self, self.addmm(mat1, mat2, beta=beta, alpha=alpha))

    def baddbmm_(self, batch1, batch2, *, beta=1, alpha=1):
        return inplace.copy_(self, self.baddbmm(batch1, batch2, beta=beta, alpha=alpha))

    def fill_diagonal_(self, fill_value, wrap=False):
        """The main diagonal x[i, i, ...] set to fill_value (a matrix, or a tensor whose dims are all equal)."""
        if self.ndim < 2 or (self.ndim > 2 and len(set(self.shape)) != 1):
            raise ShapeError(
                f"fill_diagonal_: all dims must be equal for a tensor of more than 2 dims; got {self.shape}."
            )
        if wrap:
            raise ValueError("fill_diagonal_: wrap=True (restarting the diagonal in tall matrices) is not in lamina.")
        steps = self.device.xp.arange(min(self.shape))
        return inplace.setitem(self, (steps,) * self.ndim, fill_value)

    def asin_(self):
        return inplace.copy_(self, self.asin())

    def acos_(self):
        return inplace.copy_(self, self.acos())

    def atan_(self):
        return inplace.copy_(self, self.atan())

    def sinh_(self):
        return inplace.copy_(self, self.sinh())

    def cosh_(self):
        return inplace.copy_(self, self.cosh())

    def asinh_(self):
        return inplace.copy_(self, self.asinh())

    def acosh_(self):
        return inplace.copy_(self, self.acosh())

    def atanh_(self):
        return inplace.copy_(self, self.atanh())

    def tan_(self):
        return inplace.copy_(self, self.tan())

    def erf_(self):
        return inplace.copy_(self, self.erf())

    def exp2_(self):
        return inplace.copy_(self, self.exp2())

    def log1p_(self):
        return inplace.copy_(self, self.log1p())

    def expm1_(self):
        return inplace.copy_(self, self.expm1())

    def log2_(self):
        return inplace.copy_(self, self.log2())

    def log10_(self):
        return inplace.copy_(self, self.log10())

    def frac_(self):
        return inplace.copy_(self, self.frac())

    def rsqrt_(self):
        return inplace.copy_(self, self.rsqrt())

    # in place, through the out-of-place op and copy_ (the version counter and leaf checks as every in-place op)
    def addcmul_(self, tensor1, tensor2, *, value=1):
        return inplace.add_(self, tensor1 * tensor2 * value)

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        return inplace.add_(self, tensor1 / tensor2 * value)

    def lerp_(self, end, weight):
        return inplace.add_(self, (end - self) * weight)

    def pow_(self, exponent):
        return inplace.copy_(self, self**exponent)

    def exp_(self):
        return inplace.copy_(self, self.exp())

    def sqrt_(self):
        return inplace.copy_(self, self.sqrt())

    def neg_(self):
        return inplace.mul_(self, -1)

    def abs_(self):
        return inplace.copy_(self, self.abs())

    def relu_(self):
        return inplace.copy_(self, self.relu())

    def sigmoid_(self):
        return inplace.copy_(self, self.sigmoid())

    def tanh_(self):
        return inplace.copy_(self, self.tanh())

    def floor_(self):
        return inplace.copy_(self, self.floor())

    def round_(self, decimals=0):
        return inplace.copy_(self, self.round(decimals))

    def clamp_min_(self, min):
        return inplace.clamp_(self, min, None)

    def clamp_max_(self, max):
        return inplace.clamp_(self, None, max)

    def clamp_min(self, min):
        return F.clamp(self, min, None)

    def clamp_max(self, max):
        return F.clamp(self, None, max)

    def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
        return inplace.copy_(self, indexing.scatter(self, dim, index, src if src is not None else value, reduce))

    def scatter_add_(self, dim, index, src):
        return inplace.copy_(self, indexing.scatter_add(self, dim, index, src))

    def index_add(self, dim, index, source, *, alpha=1):
        return indexing.index_add(self, dim, index, source if alpha == 1 else source * alpha)

    def index_add_(self, dim, index, source, *, alpha=1):
        return inplace.copy_(self, self.index_add(dim, index, source, alpha=alpha))

    def index_fill_(self, dim, index, value):
        return inplace.copy_(self, indexing.index_fill(self, dim, index, value))

    def index_fill(self, dim, index, value):
        return indexing.index_fill(self, dim, index, value)

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        return random.normal_(self, mean, std, generator=generator)

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        return random.uniform_(self, a, b, generator=generator)

    def bernoulli_(self, p=0.5, *, generator=None):
        return random.bernoulli_(self, p, generator=generator)

    def exponential_(self, lambd=1.0, *, generator=None):
        return random.exponential_(self, lambd, generator=generator)

    def random_(self, from_=0, to=None, *, generator=None):
        return random.random_(self, from_, to, generator=generator)

    def bernoulli(self, p=None, *, generator=None):
        return random.bernoulli(self, p, generator=generator)

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        return random.multinomial(self, num_samples, replacement, generator=generator)

    # --- PyTorch's type and device queries ---
    def type(self, dtype=None, non_blocking=False):
        """Without an argument the legacy type name ('torch.FloatTensor'); with one, a cast (as PyTorch)."""
        if dtype is None:
            return dtypes.legacy_type_name(self.dtype, self.device)
        return self.to(dtypes.from_legacy_type_name(dtype) if isinstance(dtype, str) else dtype)

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        return self.device.type == "cpu"

    def get_device(self) -> int:
        """-1 on the CPU, the device index on a GPU (as PyTorch)."""
        return -1 if self.device.type == "cpu" else 0

    def element_size(self) -> int:
        return self.array.dtype.itemsize

    def nelement(self) -> int:
        return int(self.array.size)

    @property
    def itemsize(self) -> int:
        return self.array.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return int(self.array.nbytes)

    def is_contiguous(self) -> bool:
        return bool(self.array.flags.c_contiguous)

    def stride(self, dim=None):
        strides = tuple(s // self.array.dtype.itemsize for s in self.array.strides)
        return strides if dim is None else strides[dim]

    def data_ptr(self) -> int:
        return int(self.device.backend.xp.asarray(self.array).__array_interface__["data"][0]) if self.is_cpu else 0

    def new_empty(self, *shape, dtype=None):
        return creation.empty(*shape, dtype=dtype or self.dtype, device=self.device)

    def apply_(self, function):
        """PyTorch's CPU-only elementwise Python call, in place."""
        flat = self.numpy().reshape(-1)
        for i, value in enumerate(flat.tolist()):
            flat[i] = function(value)
        self._version[0] += 1
        return self

    def share_memory_(self):
        return self  # thread workers share memory already; process workers copy through their queue

    def pin_memory(self, device=None):
        """A copy in page-locked host memory where a GPU answers (copies from it to the GPU run at full
        speed); without one, this tensor itself (there is nothing to pin for)."""
        from lamina import cuda

        if self.device.type != "cpu":
            raise DeviceError(f"pin_memory: only CPU tensors can be pinned; this one is on {self.device}.")
        if not cuda.is_available() or self.is_pinned():
            return self
        return Tensor._make(get_device("cuda").backend.pin(self.array), self.device)

    def is_pinned(self, device=None) -> bool:
        from lamina import cuda

        return self.device.type == "cpu" and cuda.is_available() and get_device("cuda").backend.is_pinned(self.array)

    # --- printing ---
    def __format__(self, format_spec: str) -> str:
        """f"{loss:.4f}" of a 0-d tensor formats its number, as PyTorch does; other tensors only with an empty spec."""
        if self.ndim == 0:
            return self.item().__format__(format_spec)
        return object.__format__(self, format_spec)

    def __repr__(self) -> str:
        prefix = "tensor("
        body = np.array2string(self.numpy(), separator=", ", prefix=prefix, threshold=1000, edgeitems=3, precision=4)
        extras = []
        if self.device.type != "cpu":
            extras.append(f"device='{self.device}'")
        if self.dtype not in (dtypes.float32, dtypes.int64, dtypes.bool_) or self.array.size == 0:
            extras.append(f"dtype={self.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return prefix + body + "".join(", " + e for e in extras) + ")"

    # --- arithmetic (broadcasting, PyTorch's dtype promotion) ---
    def __add__(self, other):
        return elementwise.add(self, other)

    def __radd__(self, other):
        return elementwise.add(other, self)

    def __sub__(self, other):
        return elementwise.sub(self, other)

    def __rsub__(self, other):
        return elementwise.sub(other, self)

    def __mul__(self, other):
        return elementwise.mul(self, other)

    def __rmul__(self, other):
        return elementwise.mul(other, self)

    def __truediv__(self, other):
        return elementwise.div(self, other)

    def __rtruediv__(self, other):
        return elementwise.div(other, self)

    def __floordiv__(self, other):
        return elementwise.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return elementwise.floor_divide(other, self)

    def __mod__(self, other):
        return elementwise.remainder(self, other)

    def __rmod__(self, other):
        return elementwise.remainder(other, self)

    def __pow__(self, exponent):
        return elementwise.pow(self, exponent)

    def __rpow__(self, base):
        return elementwise.pow(base, self)

    def __neg__(self):
        return elementwise.Neg.apply(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return elementwise.Abs.apply(self)

    def __matmul__(self, other):
        return linalg.matmul(self, other)

    def __rmatmul__(self, other):
        return linalg.matmul(other, self)

    # comparisons give bool tensors and never record a graph
    def __eq__(self, other):
        return elementwise.compare("eq", self, other)

    def __ne__(self, other):
        return elementwise.compare("ne", self, other)

    def __lt__(self, other):
        return elementwise.compare("lt", self, other)

    def __le__(self, other):
        return elementwise.compare("le", self, other)

    def __gt__(self, other):
        return elementwise.compare("gt", self, other)

    def __ge__(self, other):
        return elementwise.compare("ge", self, other)

    def __and__(self, other):
        return elementwise.compare("and", self, other)

    def __or__(self, other):
        return elementwise.compare("or", self, other)

    def __xor__(self, other):
        return elementwise.compare("xor", self, other)

    def __invert__(self):
        return elementwise.logical_not(self)

    # in-place operators
    def __iadd__(self, other):
        return inplace.add_(self, other)

    def __isub__(self, other):
        return inplace.sub_(self, other)

    def __imul__(self, other):
        return inplace.mul_(self, other)

    def __itruediv__(self, other):
        return inplace.div_(self, other)

    def __getitem__(self, index):
        return indexing.getitem(self, index)

    def __setitem__(self, index, value):
        inplace.setitem(self, index, value)

    def index_copy(self, dim, index, source):
        return indexing.index_copy(self, dim, index, source)

    def index_put(self, indices, values, accumulate=False):
        return indexing.index_put(self, indices, values, accumulate)

    def fix(self):
        return self.trunc()

    def sum_to_size(self, *size):
        """Sum broadcast dims away to reach `size`, which must broadcast to this tensor's shape."""
        size = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
        try:
            fits = self.device.xp.broadcast_shapes(size, self.shape) == tuple(self.shape)
        except ValueError:
            fits = False
        if not fits:
            raise ShapeError(
                f"sum_to_size: size {size} is not expandable to the tensor's size {shape_str(self.shape)}."
            )
        return elementwise.sum_to(self, size)

    def unfold(self, dimension, size, step):
        """Every slice of `size` along dimension, `step` apart, as a new last dim (sliding windows)."""
        return shaping.unfold(self, dimension, size, step)

    def hardshrink(self, lambd=0.5):
        from lamina.nn.functional.activation import hardshrink

        return hardshrink(self, lambd)

    def prelu(self, weight):
        from lamina.nn.functional.activation import prelu

        return prelu(self, weight)

    # --- doors to functions PyTorch also offers as methods ---
    def remainder(self, other):
        return elementwise.remainder(self, other)

    def floor_divide(self, other):
        return elementwise.floor_divide(self, other)

    def cumprod(self, dim, dtype=None):
        return pointwise.cumprod(self, dim, dtype)

    def fmax(self, other):
        return pointwise.fmax(self, other)

    def fmin(self, other):
        return pointwise.fmin(self, other)

    def copysign(self, other):
        return pointwise.copysign(self, other)

    def isposinf(self):
        return pointwise.isposinf(self)

    def isneginf(self):
        return pointwise.isneginf(self)

    def isreal(self):
        return pointwise.isreal(self)

    def bitwise_and(self, other):
        return pointwise.bitwise_and(self, other)

    def bitwise_or(self, other):
        return pointwise.bitwise_or(self, other)

    def bitwise_xor(self, other):
        return pointwise.bitwise_xor(self, other)

    def bitwise_not(self):
        return pointwise.bitwise_not(self)

    def lgamma(self):
        return special.lgamma(self)

    def digamma(self):
        return special.digamma(self)

    def polygamma(self, n):
        return special.polygamma(n, self)

    def erfinv(self):
        return special.erfinv(self)

    def take(self, index):
        return matrices.take(self, index)

    def diagflat(self, offset=0):
        return matrices.diagflat(self, offset)

    def dist(self, other, p=2):
        return matrices.dist(self, other, p)

    def det(self):
        return decompositions.det(self)

    def inverse(self):
        return decompositions.inv(self)

    def vdot(self, other):
        return matrices.vdot(self, other)

    def sinc(self):
        return pointwise.sinc(self)

    def logaddexp2(self, other):
        return pointwise.logaddexp2(self, other)

    def cov(self, *, correction=1, fweights=None, aweights=None):
        return matrices.cov(self, correction=correction, fweights=fweights, aweights=aweights)

    def corrcoef(self):
        return matrices.corrcoef(self)

    def matrix_power(self, n):
        return matrices.matrix_power(self, n)

    def slogdet(self):
        return decompositions.slogdet(self)

    def logdet(self):
        return decompositions.logdet(self)

    def positive(self):
        if self.array.dtype.kind == "b":
            raise DTypeError("positive: not defined for bool tensors (as in PyTorch); use the tensor itself.")
        return self

    def sgn(self):
        return self.sign()  # (the sign of a real number: lamina's tensors are real)

    def is_complex(self) -> bool:
        return False  # lamina's dtypes are real

    def is_signed(self) -> bool:
        return self.array.dtype.kind in "if"

    def ndimension(self) -> int:
        return self.ndim

    def is_same_size(self, other) -> bool:
        return self.shape == other.shape

    def is_nonzero(self) -> bool:
        if self.numel() != 1:
            raise ShapeError(f"is_nonzero: needs a tensor of one element; got shape {self.shape}.")
        return bool(self.item() != 0)

    # In-place forms of the doors above (copy_: the version counter and the leaf check as every in-place op).
    def lgamma_(self):
        return inplace.copy_(self, self.lgamma())

    def digamma_(self):
        return inplace.copy_(self, self.digamma())

    def erfinv_(self):
        return inplace.copy_(self, self.erfinv())

    def remainder_(self, other):
        return inplace.copy_(self, self.remainder(other))

    def floor_divide_(self, other):
        return inplace.copy_(self, self.floor_divide(other))

    def cumprod_(self, dim, dtype=None):
        return inplace.copy_(self, self.cumprod(dim, dtype))

    def copysign_(self, other):
        return inplace.copy_(self, self.copysign(other))

    def bitwise_and_(self, other):
        return inplace.copy_(self, self.bitwise_and(other))

    def bitwise_or_(self, other):
        return inplace.copy_(self, self.bitwise_or(other))

    def bitwise_xor_(self, other):
        return inplace.copy_(self, self.bitwise_xor(other))

    def bitwise_not_(self):
        return inplace.copy_(self, self.bitwise_not())

    def _compare_(self, op, other):  # a comparison in place keeps the tensor's dtype (1 or 0), as PyTorch
        return inplace.copy_(self, elementwise.cast(elementwise.compare(op, self, other), self.dtype))

    def eq_(self, other):
        return self._compare_("eq", other)

    def ne_(self, other):
        return self._compare_("ne", other)

    def lt_(self, other):
        return self._compare_("lt", other)

    def le_(self, other):
        return self._compare_("le", other)

    def gt_(self, other):
        return self._compare_("gt", other)

    def ge_(self, other):
        return self._compare_("ge", other)

    def logical_and_(self, other):
        return inplace.copy_(self, elementwise.cast(pointwise.logical_and(self, other), self.dtype))

    def logical_or_(self, other):
        return inplace.copy_(self, elementwise.cast(pointwise.logical_or(self, other), self.dtype))

    def logical_xor_(self, other):
        return inplace.copy_(self, elementwise.cast(pointwise.logical_xor(self, other), self.dtype))

    def logical_not_(self):
        return inplace.copy_(self, elementwise.cast(self == 0, self.dtype))

    # PyTorch's other names for the methods above
    divide = true_divide = div
    divide_ = true_divide_ = div_
    multiply, multiply_ = mul, mul_
    subtract, subtract_ = sub, sub_
    negative, negative_ = neg, neg_
    absolute, absolute_ = abs, abs_
    greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
    greater_, greater_equal_, less_, less_equal_, not_equal_ = gt_, ge_, lt_, le_, ne_


def parse_to_arguments(args, dtype=None, device=None):
    """Sort `.to(...)` arguments into (DType or None, Device or None); a tensor gives both."""
    for arg in args:
        if isinstance(arg, Tensor):
            dtype, device = arg.dtype, arg.device
        elif (
            isinstance(arg, dtypes.DType)
            or arg in (float, int, bool)
            or (isinstance(arg, str) and arg in dtypes._BY_NAME)
        ):
            dtype = arg
        else:
            device = arg
    return (dtypes.to_dtype(dtype) if dtype is not None else None), (get_device(device) if device is not None else None)


class PostAccumulateGradHook:
    """A post-accumulate hook kept among a leaf's `_hooks` (told apart from gradient hooks by its type)."""

    __slots__ = ("function",)

    def __init__(self, function):
        self.function = function


class _HookHandle:
    """Returned by `register_hook`; `.remove()` takes the hook off again."""

    def __init__(self, tensor, hook):
        self._tensor = weakref.ref(tensor)
        self._hook = hook

    def remove(self):
        tensor = self._tensor()
        if tensor is None:
            return
        if tensor.grad_fn is None:
            tensor._hooks = tuple(h for h in tensor._hooks if h is not self._hook)
        else:
            extras = tensor.grad_fn.node_extras()
            extras.hooks = tuple(h for h in extras.hooks if h is not self._hook)


from lamina import creation, random  # noqa: E402  (see the NOTE at the top)
from lamina import functional as F  # noqa: E402
from lamina.functional import matrices, pointwise, shaping, sorting  # noqa: E402
from lamina.ops import decompositions, elementwise, indexing, inplace, linalg, movement, special  # noqa: E402
from lamina.ops.shapes import REVERSED_DIMS  # noqa: E402


def _in_place(name):
    def method(self, *args, **kwargs):
        return inplace.copy_(self, getattr(self, name)(*args, **kwargs))

    method.__name__ = method.__qualname__ = name + "_"
    method.__doc__ = f"In place: self.copy_(self.{name}(...))."
    return method


# The in-place forms PyTorch has of these methods, each x.copy_(x.f(...)) (copy_'s checks and version counter)
for _name in (
    "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh", "arctan2", "deg2rad", "rad2deg", "erfc",
    "fix", "logit", "sinc", "xlogy", "addmv", "index_copy", "index_put", "tril", "triu", "fmod", "hypot",
    "heaviside", "float_power", "sgn", "atan2",
):  # fmt: skip
    if not hasattr(Tensor, _name + "_"):  # the ones written out elsewhere stay
        setattr(Tensor, _name + "_", _in_place(_name))
del _name
