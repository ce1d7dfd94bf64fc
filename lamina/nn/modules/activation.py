"""Activation layers: thin modules over lamina.nn.functional."""

from lamina.errors import ShapeError, shape_str
from lamina.nn import functional as F
from lamina.nn.module import Module


class ReLU(Module):
    """max(0, x)."""

    def __init__(self, inplace: bool = False):
        super().__init__()

    def forward(self, x):
        return F.relu(x)


class LeakyReLU(Module):
    """x if x > 0 else negative_slope * x."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class RReLU(Module):
    """Randomized leaky ReLU: a negative slope drawn from U(lower, upper) per entry while training, their
    mean in eval mode."""

    def __init__(self, lower: float = 1 / 8, upper: float = 1 / 3, inplace: bool = False):
        super().__init__()
        if not 0 <= lower <= upper:
            raise ValueError(f"RReLU: expects 0 <= lower <= upper; got lower={lower}, upper={upper}.")
        self.lower, self.upper = lower, upper

    def forward(self, x):
        return F.rrelu(x, self.lower, self.upper, self.training)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}"


class ELU(Module):
    """x if x > 0 else alpha (e^x - 1) (Clevert et al. 2015)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        return F.elu(x, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class GELU(Module):
    """x Phi(x) (Hendrycks & Gimpel 2016); approximate='tanh' for the GPT-2 form."""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh'; got {approximate!r}.")
        self.approximate = approximate

    def forward(self, x):
        return F.gelu(x, self.approximate)

    def extra_repr(self):
        return f"approximate='{self.approximate}'"


class SiLU(Module):
    """x sigmoid(x) (also called swish)."""

    def forward(self, x):
        return F.silu(x)


class Tanh(Module):
    def forward(self, x):
        return x.tanh()


class Sigmoid(Module):
    def forward(self, x):
        return x.sigmoid()


class Softmax(Module):
    """exp(x) / sum(exp(x)) along dim."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.softmax(x, self.dim if self.dim is not None else -1)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) along dim, computed stably."""

    def forward(self, x):
        return F.log_softmax(x, self.dim if self.dim is not None else -1)


class Softplus(Module):
    """log(1 + exp(beta x)) / beta, linear above threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """clamp(x, min_val, max_val)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
        super().__init__()
        if max_val <= min_val:
            raise ValueError(f"Hardtanh: max_val ({max_val}) must be larger than min_val ({min_val}).")
        self.min_val, self.max_val = min_val, max_val

    def forward(self, x):
        return F.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}"


class ReLU6(Hardtanh):
    """clamp(x, 0, 6)."""

    def __init__(self, inplace: bool = False):
        super().__init__(0.0, 6.0)


# --- more of PyTorch's activation layers (formulas in lamina.nn.functional.activation) ---
class _Stateless(Module):
    """An activation without parameters: forward is one nn.functional call with the stored options."""

    function = None
    options = ()

    def __init__(self, *args, inplace: bool = False, **kwargs):
        super().__init__()
        names = [name for name, _ in self.options]
        values = dict(self.options)
        values.update(zip(names, args))
        values.update(kwargs)
        for name in values:
            if name not in names:
                raise TypeError(f"{type(self).__name__}: unexpected argument {name!r}.")
        self.__dict__.update(values)

    def forward(self, x):
        return type(self).function(x, *(getattr(self, name) for name, _ in self.options))

    def extra_repr(self):
        return ", ".join(f"{name}={getattr(self, name)}" for name, _ in self.options)


def _layer(name, function, doc, options=()):
    return type(name, (_Stateless,), {"function": staticmethod(function), "options": options, "__doc__": doc})


SELU = _layer("SELU", F.selu, "scale * elu(x, alpha) (Klambauer et al. 2017).")
CELU = _layer("CELU", F.celu, "x if x > 0 else alpha (e^(x/alpha) - 1).", (("alpha", 1.0),))
Mish = _layer("Mish", F.mish, "x tanh(softplus(x)) (Misra 2019).")
Hardsigmoid = _layer("Hardsigmoid", F.hardsigmoid, "clamp(x / 6 + 1/2, 0, 1).")
Hardswish = _layer("Hardswish", F.hardswish, "x hardsigmoid(x) (Howard et al. 2019).")
LogSigmoid = _layer("LogSigmoid", F.logsigmoid, "log(sigmoid(x)), stable.")
Softsign = _layer("Softsign", F.softsign, "x / (1 + |x|).")
Tanhshrink = _layer("Tanhshrink", F.tanhshrink, "x - tanh(x).")
Softshrink = _layer("Softshrink", F.softshrink, "x - lambd, x + lambd or 0.", (("lambd", 0.5),))
Hardshrink = _layer("Hardshrink", F.hardshrink, "x where |x| > lambd, else 0.", (("lambd", 0.5),))
Threshold = _layer("Threshold", F.threshold, "x where x > threshold, else value.", (("threshold", 0.0), ("value", 0.0)))
GLU = _layer("GLU", F.glu, "a sigmoid(b) of the two halves of dim (Dauphin et al. 2017).", (("dim", -1),))
Softmin = _layer("Softmin", F.softmin, "softmax(-x) along dim.", (("dim", None),))


class PReLU(Module):
    """x if x > 0 else a x, with a learned slope a (one, or one per channel) (He et al. 2015)."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None):
        super().__init__()
        from lamina import creation
        from lamina.nn.parameter import Parameter

        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(creation.full((num_parameters,), init, device=device, dtype=dtype))

    def reset_parameters(self):
        self.weight.data.fill_(self.init)

    def forward(self, x):
        return F.prelu(x, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class Softmax2d(Module):
    """Softmax over the channels of (N, C, H, W) or (C, H, W) at each position."""

    def forward(self, x):
        if x.ndim not in (3, 4):
            raise ShapeError(f"Softmax2d: expects (N, C, H, W) or (C, H, W); got {shape_str(x.shape)}.")
        return F.softmax(x, -3)


class ChannelShuffle(Module):
    """Interleave the channels of `groups` groups (ShuffleNet, Zhang et al. 2018): (N, g*k, ...) -> the same
    shape with channel c*g + i holding group i's channel c."""

    def __init__(self, groups: int):
        super().__init__()
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"ChannelShuffle: groups must be a positive integer; got {groups!r}.")
        self.groups = groups

    def forward(self, x):
        if x.ndim < 3 or x.shape[1] % self.groups:
            raise ShapeError(
                f"ChannelShuffle: the {x.shape[1] if x.ndim > 1 else 0} channels of input {shape_str(x.shape)} do "
                f"not split into {self.groups} groups."
            )
        n, channels = x.shape[:2]
        grouped = x.reshape(n, self.groups, channels // self.groups, *x.shape[2:])
        return grouped.transpose(1, 2).reshape(x.shape)

    def extra_repr(self):
        return f"groups={self.groups}"
