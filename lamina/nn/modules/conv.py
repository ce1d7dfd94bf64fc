"""Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d."""

import math

from lamina import creation
from lamina.errors import ShapeError, shape_str
from lamina.nn import functional as F
from lamina.nn import init
from lamina.nn.module import Module
from lamina.nn.parameter import Parameter

_PADDING_MODES = {"zeros": None, "reflect": "reflect", "replicate": "replicate", "circular": "circular"}


class _ConvNd(Module):
    """Shared argument checks, parameters and initialisation of the convolution layers."""

    transposed = False
    spatial_dims = 2

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride,
        padding,
        dilation,
        groups,
        bias,
        padding_mode,
        output_padding=0,
        device=None,
        dtype=None,
    ):
        super().__init__()
        name = type(self).__name__
        for arg, value in (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name}: {arg} must be a positive integer; got {value!r}.")
        if in_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) must be divisible by groups ({groups}).")
        if out_channels % groups:
            raise ValueError(f"{name}: out_channels ({out_channels}) must be divisible by groups ({groups}).")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {sorted(_PADDING_MODES)}; got {padding_mode!r}.")
        if isinstance(padding, str) and padding not in ("same", "valid"):
            raise ValueError(f"{name}: padding must be an int, a tuple, 'same' or 'valid'; got {padding!r}.")
        size = self._sizes(kernel_size)
        if min(size) <= 0:
            raise ValueError(f"{name}: kernel_size must be positive; got {kernel_size!r}.")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride, self.dilation = size, self._sizes(stride), self._sizes(dilation)
        self.padding = padding if isinstance(padding, str) else self._sizes(padding)
        self.output_padding, self.padding_mode = self._sizes(output_padding), padding_mode
        if padding == "same" and self.stride != (1,) * self.spatial_dims:
            raise ValueError(f"{name}: padding='same' is not supported for strided convolutions.")
        shape = (in_channels, out_channels // groups) if self.transposed else (out_channels, in_channels // groups)
        self.weight = Parameter(creation.empty(*shape, *size, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def _sizes(self, value):
        if isinstance(value, int):
            return (value,) * self.spatial_dims
        return tuple(int(v) for v in value)

    def reset_parameters(self):
        # PyTorch's default: kaiming_uniform with a = sqrt(5), bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init.fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in else 0
            init.uniform_(self.bias, -bound, bound)

    def _check_input(self, x, spatial):
        expected_dims = (spatial + 1, spatial + 2)
        if x.ndim not in expected_dims:
            raise ShapeError(
                f"{type(self).__name__}: expected a {expected_dims[1]}-D (batched) or {expected_dims[0]}-D "
                f"input; got shape {shape_str(x.shape)}."
            )

    def _mode_padded(self, x):
        """For padding_mode other than zeros, pad explicitly first (then the convolution pads nothing)."""
        widths = []
        for p in reversed(self.padding):
            widths += [p, p]
        return F.pad(x, widths, mode=_PADDING_MODES[self.padding_mode])

    def extra_repr(self):
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self.spatial_dims:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self.spatial_dims:
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation, as every framework computes it).

    Args:
        in_channels, out_channels, kernel_size, stride=1, padding=0 (int, pair, 'same' or 'valid'),
        dilation=1, groups=1, bias=True, padding_mode='zeros' (or reflect, replicate, circular).
    Shape:
        (N, C_in, H, W) -> (N, C_out, H_out, W_out),
        H_out = floor((H + 2 padding - dilation (kernel - 1) - 1) / stride) + 1.
    Example:
        >>> Conv2d(3, 8, 3, padding=1)(lamina.zeros(1, 3, 5, 5)).shape
        (1, 8, 5, 5)
    """

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups=1,
        bias=True,
        padding_mode="zeros",
        device=None,
        dtype=None,
    ):
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            device=device,
            dtype=dtype,
        )

    def forward(self, x):
        self._check_input(x, 2)
        padding = self.padding
        if self.padding_mode != "zeros" and not isinstance(padding, str):
            x, padding = self._mode_padded(x), 0
        return F.conv2d(
            x,
            self.weight,
            self.bias,
            self.stride,
            padding,
            self.dilation,
            self.groups,
            _layer=f"Conv2d({self.in_channels}, {self.out_channels})",
        )


class Conv1d(_ConvNd):
    """1-D convolution: (N, C_in, L) -> (N, C_out, L_out), L_out as for Conv2d's H_out."""

    spatial_dims = 1

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups=1,
        bias=True,
        padding_mode="zeros",
        device=None,
        dtype=None,
    ):
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            device=device,
            dtype=dtype,
        )

    def forward(self, x):
        self._check_input(x, 1)
        padding = self.padding if isinstance(self.padding, str) else self.padding[0]
        if self.padding_mode != "zeros" and not isinstance(self.padding, str):
            x, padding = self._mode_padded(x), 0
        return F.conv1d(
            x,
            self.weight,
            self.bias,
            self.stride[0],
            padding,
            self.dilation[0],
            self.groups,
            _layer=f"Conv1d({self.in_channels}, {self.out_channels})",
        )


class ConvTranspose2d(_ConvNd):
    """Transposed 2-D convolution (the gradient of Conv2d with respect to its input).

    Shape: (N, C_in, H, W) -> (N, C_out, H_out, W_out),
    H_out = (H - 1) stride - 2 padding + dilation (kernel - 1) + output_padding + 1.
    """

    transposed = True

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups=1,
        bias=True,
        dilation=1,
        padding_mode="zeros",
        device=None,
        dtype=None,
    ):
        if padding_mode != "zeros":
            raise ValueError(
                f"{type(self).__name__}: only padding_mode='zeros' is supported (as PyTorch); got {padding_mode!r}."
            )
        if isinstance(padding, str):
            raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple of ints.")
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            output_padding=output_padding,
            device=device,
            dtype=dtype,
        )

    def forward(self, x):
        self._check_input(x, self.spatial_dims)
        transposed = F.conv_transpose1d if self.spatial_dims == 1 else F.conv_transpose2d
        return transposed(
            x,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self.output_padding,
            self.groups,
            self.dilation,
            _layer=f"{type(self).__name__}({self.in_channels}, {self.out_channels})",
        )


class ConvTranspose1d(ConvTranspose2d):
    """Transposed 1-D convolution: (N, C_in, L) -> (N, C_out, L_out),
    L_out = (L - 1) stride - 2 padding + dilation (kernel - 1) + output_padding + 1."""

    spatial_dims = 1
