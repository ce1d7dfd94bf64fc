"""BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm, LocalResponseNorm."""

from lamina import creation, dtypes
from lamina.backend import deferred
from lamina.errors import ShapeError, shape_str
from lamina.nn import functional as F
from lamina.nn import init
from lamina.nn.module import Module
from lamina.nn.parameter import Parameter


class _BatchNorm(Module):
    """Batch normalisation (Ioffe & Szegedy 2015): y = (x - mean) / sqrt(var + eps) * weight + bias.

    Training normalises with the batch's statistics and updates running_mean / running_var
    with `momentum` (or a cumulative average when momentum is None); eval() uses the running ones.
    """

    accepted_dims = (2, 3, 4)

    def __init__(
        self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None
    ):
        super().__init__()
        if not isinstance(num_features, int) or num_features <= 0:
            raise ValueError(f"{type(self).__name__}: num_features must be a positive integer; got {num_features!r}.")
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(creation.ones(num_features, device=device, dtype=dtype))
            self.bias = Parameter(creation.zeros(num_features, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", creation.zeros(num_features, device=device, dtype=dtype))
            self.register_buffer("running_var", creation.ones(num_features, device=device, dtype=dtype))
            self.register_buffer("num_batches_tracked", creation.zeros((), dtype=dtypes.int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            init.zeros_(self.num_batches_tracked)

    def reset_parameters(self):
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def forward(self, x):
        name = type(self).__name__
        if x.ndim not in self.accepted_dims:
            raise ShapeError(
                f"{name}: expected a {' or '.join(f'{d}-D' for d in self.accepted_dims)} input; got shape "
                f"{shape_str(x.shape)}."
            )
        if x.shape[1] != self.num_features:
            raise ShapeError(
                f"{name}({self.num_features}) got input with {x.shape[1]} channels (shape "
                f"{shape_str(x.shape)}); dim 1 must be the channels."
            )
        use_batch_stats = self.training or not self.track_running_stats
        momentum = self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if momentum is None:  # cumulative moving average
                tracked = self.num_batches_tracked.array
                # on a device the count stays there (a 0-d array): no read back in a training step
                momentum = 1.0 / (float(tracked) if deferred.on_host(tracked) else tracked)
        return self._normalize(x, use_batch_stats, momentum)

    def _normalize(self, x, use_batch_stats, momentum):
        # without tracked statistics the running buffers are None and the batch's statistics are used
        return F.batch_norm(
            x, self.running_mean, self.running_var, self.weight, self.bias, use_batch_stats, momentum, self.eps
        )

    def extra_repr(self):
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Over (N, C) or (N, C, L) inputs."""

    accepted_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Over (N, C, H, W) inputs."""

    accepted_dims = (4,)


class LayerNorm(Module):
    """Normalise each sample over its last dims (Ba et al. 2016): (*, *normalized_shape) -> same."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        self.normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(creation.ones(*self.normalized_shape, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(creation.zeros(*self.normalized_shape, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x):
        if tuple(x.shape[x.ndim - len(self.normalized_shape) :]) != self.normalized_shape:
            raise ShapeError(
                f"LayerNorm({self.normalized_shape}) got input of shape {shape_str(x.shape)}; its last "
                f"dims must be {self.normalized_shape}."
            )
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    """Normalise groups of channels per sample (Wu & He 2018): (N, C, *) -> same."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(
                f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups ({num_groups})."
            )
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        if affine:
            self.weight = Parameter(creation.ones(num_channels, device=device, dtype=dtype))
            self.bias = Parameter(creation.zeros(num_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x):
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ShapeError(f"GroupNorm(num_channels={self.num_channels}) got input of shape {shape_str(x.shape)}.")
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class LocalResponseNorm(Module):
    """AlexNet's normalisation across neighbouring channels (Krizhevsky et al. 2012)."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, x):
        return F.local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class RMSNorm(Module):
    """x / sqrt(mean(x^2) + eps) * weight over the last dims (Zhang & Sennrich 2019)."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None):
        super().__init__()
        self.normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(creation.ones(*self.normalized_shape, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)

    def forward(self, x):
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class _InstanceNorm(Module):
    """Each sample's each channel normalised over its positions (Ulyanov et al. 2016); affine=False and no
    running statistics by default, as PyTorch's; with track_running_stats=True, eval() normalises by them."""

    spatial = 2

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False,
                 device=None, dtype=None):  # fmt: skip
        super().__init__()
        if not isinstance(num_features, int) or num_features <= 0:
            raise ValueError(f"{type(self).__name__}: num_features must be a positive integer; got {num_features!r}.")
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(creation.ones(num_features, device=device, dtype=dtype))
            self.bias = Parameter(creation.zeros(num_features, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", creation.zeros(num_features, device=device, dtype=dtype))
            self.register_buffer("running_var", creation.ones(num_features, device=device, dtype=dtype))
            self.register_buffer("num_batches_tracked", creation.zeros((), dtype=dtypes.int64, device=device))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def forward(self, x):
        if x.ndim != self.spatial + 2 or x.shape[1] != self.num_features:
            raise ShapeError(
                f"{type(self).__name__}({self.num_features}) expects (N, {self.num_features}, ...) with "
                f"{self.spatial} spatial dims; got shape {shape_str(x.shape)}."
            )
        use_input_stats = self.training or not self.track_running_stats  # (num_batches_tracked stays 0, as torch's)
        return F.instance_norm(
            x, self.running_mean, self.running_var, self.weight, self.bias, use_input_stats, self.momentum, self.eps
        )

    def extra_repr(self):
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"track_running_stats={self.track_running_stats}"
        )


class InstanceNorm1d(_InstanceNorm):
    spatial = 1


class InstanceNorm2d(_InstanceNorm):
    spatial = 2


class SyncBatchNorm(_BatchNorm):
    """BatchNorm whose training statistics are those of the whole batch over every process (Peng et al. 2018):
    each rank's sums are added with one all-reduce forward and one backward, so 2 ranks x batch 32 normalise
    as 1 process x batch 64 does. Outside a process group (or with one process) it is BatchNorm."""

    accepted_dims = (2, 3, 4, 5)

    def _normalize(self, x, use_batch_stats, momentum):
        from lamina import distributed

        if not use_batch_stats or not distributed.is_initialized() or distributed.get_world_size() == 1:
            return super()._normalize(x, use_batch_stats, momentum)
        from lamina.nn.modules.sync_batchnorm import sync_batch_norm

        return sync_batch_norm(x, self.weight, self.bias, self.running_mean, self.running_var, self.eps, momentum)

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """The module with every BatchNorm*d replaced by a SyncBatchNorm holding the same parameters and buffers."""
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            converted = cls(module.num_features, module.eps, module.momentum, module.affine, module.track_running_stats)
            converted.load_state_dict(module.state_dict())
            if module.affine:
                converted.weight, converted.bias = module.weight, module.bias
            converted.train(module.training)
            return converted
        for name, child in list(module.named_children()):
            setattr(module, name, cls.convert_sync_batchnorm(child))
        return module
