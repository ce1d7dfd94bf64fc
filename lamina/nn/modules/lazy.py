"""PyTorch's lazy modules: LazyLinear, LazyConv1d/2d, LazyConvTranspose1d/2d, LazyBatchNorm1d/2d, LazyInstanceNorm1d/2d.

A lazy layer takes every constructor argument but its input size (in_features, in_channels, num_features),
which it reads from its first input; or from a state_dict loaded before that first call, as PyTorch's do.
Until then each parameter and buffer that depends on the input size has size 0 along that dim (PyTorch's
UninitializedParameter has no shape; lamina's tensors always have one). Materialising builds the full
layer with the size found (initialised as that layer initialises itself), moves its values into the same
Parameter objects, so an optimizer made before keeps them, and turns the module into the full class, as
PyTorch does (`cls_to_become`).
"""

import inspect

from lamina.errors import ShapeError, shape_str
from lamina.nn.module import Module
from lamina.nn.modules.conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from lamina.nn.modules.linear import Linear
from lamina.nn.modules.normalization import BatchNorm1d, BatchNorm2d, InstanceNorm1d, InstanceNorm2d
from lamina.nn.parameter import Parameter


class LazyModuleMixin(Module):
    """The lazy machinery; a subclass names `cls_to_become` and says where the input size is read."""

    cls_to_become: type
    _MODULE_STATE = frozenset(Module().__dict__)  # what Module.__init__ sets: kept from the lazy module

    def __init__(self, *args, **kwargs):
        super().__init__()
        self._lazy_arguments = (args, kwargs)
        # the input size is a multiple of groups (convolutions); binding also names a wrong argument now
        self._groups = inspect.signature(self.cls_to_become).bind(1, *args, **kwargs).arguments.get("groups", 1)
        # Two probes (input sizes 1 and 2 groups) check the values now and show which dims follow the input size.
        one = self.cls_to_become(self._groups, *args, **kwargs)
        two = self.cls_to_become(2 * self._groups, *args, **kwargs)
        for store in ("_parameters", "_buffers"):
            for name, value in getattr(one, store).items():
                if value is None:
                    (self.register_parameter if store == "_parameters" else self.register_buffer)(name, None)
                    continue
                other = getattr(two, store)[name]
                shape = tuple(0 if a != b else a for a, b in zip(value.shape, other.shape))
                empty = value.new_empty(shape) if shape != tuple(value.shape) else value
                if store == "_parameters":
                    self.register_parameter(name, Parameter(empty, requires_grad=value.requires_grad))
                else:
                    self.register_buffer(name, empty)

    def has_uninitialized_params(self) -> bool:
        return True  # a materialised module is no longer of this class

    def initialize_parameters(self, x) -> None:
        self._materialise(self._input_size(x))

    def forward(self, x):
        self.initialize_parameters(x)
        return self.forward(x)  # now the full layer's forward, with its own checks

    def _input_size(self, x) -> int:
        """The input size in x: dim 1 of a batch, dim 0 of an unbatched input (as PyTorch reads it)."""
        unbatched = x.ndim == self.batched_ndim - 1
        if x.ndim not in (self.batched_ndim, self.batched_ndim - 1):
            raise ShapeError(
                f"{type(self).__name__}: expects a {self.batched_ndim}-d (batched) or {self.batched_ndim - 1}-d "
                f"input to read its input size from; got shape {shape_str(x.shape)}."
            )
        return x.shape[0 if unbatched else 1]

    def _materialise(self, size: int) -> None:
        args, kwargs = self._lazy_arguments
        reference = next((t for t in (*self._parameters.values(), *self._buffers.values()) if t is not None), None)
        if reference is not None:  # where .to() put the lazy module, whatever the constructor said
            kwargs = {**kwargs, "device": reference.device}
        full = self.cls_to_become(size, *args, **kwargs)
        floats = [p for p in self._parameters.values() if p is not None]
        if floats:  # a .double() or .half() before the first call holds
            full.to(floats[0].dtype)
        for name, value in full._parameters.items():
            mine = self._parameters.get(name)
            if mine is None or value is None:
                self._parameters[name] = value
            else:
                mine.array = value.array  # the same Parameter object, now with its values
        for name, value in full._buffers.items():
            self._buffers[name] = value
        for name, value in full.__dict__.items():
            if name not in self._MODULE_STATE:
                self.__dict__[name] = value
        del self.__dict__["_lazy_arguments"], self.__dict__["_groups"]
        self.__class__ = self.cls_to_become

    def _materialise_from(self, state_dict, prefix: str) -> None:
        """Before loading a state_dict into an unmaterialised layer: the input size from the saved tensors."""
        names = (*self._parameters, *self._buffers)
        saved = {name: state_dict[prefix + name] for name in names if prefix + name in state_dict}
        size = self._size_in(saved)
        if size is not None:
            self._materialise(size)


class _LazyFeatures(LazyModuleMixin):
    """Layers whose input size is the length of their weight or running statistics (the norms)."""

    def _size_in(self, saved):
        for name in ("weight", "running_mean", "bias", "running_var"):
            if name in saved and getattr(saved[name], "ndim", 0) == 1:
                return saved[name].shape[0]
        return None


class LazyLinear(LazyModuleMixin):
    cls_to_become = Linear

    def _input_size(self, x):
        if x.ndim == 0:
            raise ShapeError("LazyLinear: needs an input with a last dim to read in_features from; got a 0-d tensor.")
        return x.shape[-1]

    def _size_in(self, saved):
        return saved["weight"].shape[1] if "weight" in saved else None


class _LazyConv(LazyModuleMixin):
    def _size_in(self, saved):
        if "weight" not in saved:
            return None
        if self.cls_to_become in (
            ConvTranspose1d,
            ConvTranspose2d,
        ):  # weight (in_channels, out_channels / groups, kh, kw)
            return saved["weight"].shape[0]
        return saved["weight"].shape[1] * self._groups  # weight (out_channels, in_channels / groups, kh, kw)


class LazyConv1d(_LazyConv):
    cls_to_become, batched_ndim = Conv1d, 3


class LazyConv2d(_LazyConv):
    cls_to_become, batched_ndim = Conv2d, 4


class LazyConvTranspose1d(_LazyConv):
    cls_to_become, batched_ndim = ConvTranspose1d, 3


class LazyConvTranspose2d(_LazyConv):
    cls_to_become, batched_ndim = ConvTranspose2d, 4


class LazyBatchNorm1d(_LazyFeatures):
    cls_to_become, batched_ndim = BatchNorm1d, 3

    def _input_size(self, x):
        if x.ndim not in (2, 3):
            raise ShapeError(f"LazyBatchNorm1d: expects a 2-d or 3-d input; got shape {shape_str(x.shape)}.")
        return x.shape[1]


class LazyBatchNorm2d(_LazyFeatures):
    cls_to_become, batched_ndim = BatchNorm2d, 4

    def _input_size(self, x):
        if x.ndim != 4:
            raise ShapeError(f"LazyBatchNorm2d: expects a 4-d input (N, C, H, W); got shape {shape_str(x.shape)}.")
        return x.shape[1]


class _LazyInstanceNorm(_LazyFeatures):
    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None):
        # PyTorch's lazy instance norms default to affine=True and running statistics, unlike InstanceNorm*d
        super().__init__(
            eps=eps,
            momentum=momentum,
            affine=affine,
            track_running_stats=track_running_stats,
            device=device,
            dtype=dtype,
        )


class LazyInstanceNorm1d(_LazyInstanceNorm):
    cls_to_become, batched_ndim = InstanceNorm1d, 3


class LazyInstanceNorm2d(_LazyInstanceNorm):
    cls_to_become, batched_ndim = InstanceNorm2d, 4
