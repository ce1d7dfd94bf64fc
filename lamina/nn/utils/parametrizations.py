"""torch.nn.utils.parametrizations: weight normalisation and spectral normalisation as parametrizations.

- `weight_norm(module, name="weight", dim=0)`: w = g * v / ||v|| (Salimans & Kingma 2016), the norm over
  every dimension but `dim` (over all of them for dim=None or -1, as in PyTorch). Stored as
  `parametrizations.weight.original0` (g) and `original1` (v).
- `spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None)`: w / sigma(w), sigma
  the largest singular value of w as a matrix (`dim` first, the rest flattened; dim 1 for transposed
  convolutions), estimated by power iteration (Miyato et al. 2018). In training mode each read of the
  weight runs `n_power_iterations` more steps on the buffers `_u` and `_v`, without gradient, as PyTorch.

The older hook-based forms, `nn.utils.weight_norm` and `nn.utils.spectral_norm`, are in norms.py.
"""

from lamina.autograd.grad_mode import no_grad
from lamina.nn.functional import normalize
from lamina.nn.module import Module
from lamina.nn.utils import parametrize


def norm_except_dim(v, dim):
    """||v||_2 over every dimension but `dim`, kept as size-1 dimensions; the whole norm for dim -1 or None."""
    if dim is None or dim == -1:
        return v.norm()
    dim = dim % v.ndim
    others = tuple(d for d in range(v.ndim) if d != dim)
    return v.norm(dim=others, keepdim=True) if others else v.abs()


class _WeightNorm(Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return weight_v * (weight_g / norm_except_dim(weight_v, self.dim))

    def right_inverse(self, weight):
        return norm_except_dim(weight, self.dim), weight


def weight_norm(module, name="weight", dim=0):
    """Reparametrize `module.<name>` as magnitude times direction (this module's docstring)."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


def _as_matrix(weight, dim):
    if dim != 0:
        weight = weight.movedim(dim, 0)
    return weight.reshape(weight.shape[0], -1)


def _default_dim(module):
    from lamina.nn.modules.conv import ConvTranspose1d, ConvTranspose2d

    return 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d)) else 0


class _SpectralNorm(Module):
    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        if n_power_iterations <= 0:
            raise ValueError(f"spectral_norm: n_power_iterations must be positive; got {n_power_iterations}.")
        ndim = weight.ndim
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps, self.n_power_iterations = eps, n_power_iterations
        if ndim > 1:
            matrix = _as_matrix(weight.detach(), self.dim)
            rows, columns = matrix.shape
            u = weight.new_empty(rows).normal_(0, 1)
            v = weight.new_empty(columns).normal_(0, 1)
            self.register_buffer("_u", normalize(u, dim=0, eps=eps))
            self.register_buffer("_v", normalize(v, dim=0, eps=eps))
            self._power_method(matrix, 15)  # start from a good estimate, as PyTorch does

    def _power_method(self, matrix, iterations):
        """u <- normalize(W v), v <- normalize(W^T u), in place in the buffers, without gradient."""
        with no_grad():
            for _ in range(iterations):
                self._u.copy_(normalize(matrix.mv(self._v), dim=0, eps=self.eps))
                self._v.copy_(normalize(matrix.mH.mv(self._u), dim=0, eps=self.eps))

    def forward(self, weight):
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        matrix = _as_matrix(weight, self.dim)
        if self.training:
            self._power_method(matrix, self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()  # the gradient treats u and v as constants, as in the paper
        sigma = u.dot(matrix.mv(v))
        return weight / sigma

    def right_inverse(self, value):
        return value  # sigma cannot be inverted: the original is the value assigned, as in PyTorch


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Divide `module.<name>` by its largest singular value (this module's docstring)."""
    weight = getattr(module, name, None)
    if weight is None:
        raise ValueError(f"spectral_norm: module {type(module).__name__} has no parameter or buffer '{name}'.")
    dim = _default_dim(module) if dim is None else dim
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module
