"""Dropout and Dropout2d (Srivastava et al. 2014; Tompson et al. 2015)."""

from lamina.nn import functional as F
from lamina.nn.module import Module


class Dropout(Module):
    """While training, zero each entry with probability p and scale the rest by 1/(1-p)."""

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be a probability in [0, 1]; got {p}.")
        self.p = p

    def forward(self, x):
        return F.dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"


class Dropout2d(Dropout):
    """While training, zero whole channels of (N, C, H, W) with probability p."""

    def forward(self, x):
        return F.dropout2d(x, self.p, self.training)


class Dropout1d(Dropout):
    """While training, zero whole channels of (N, C, L) with probability p."""

    def forward(self, x):
        return F.dropout1d(x, self.p, self.training)


class Dropout3d(Dropout):
    """While training, zero whole channels of (N, C, D, H, W) with probability p."""

    def forward(self, x):
        return F.dropout3d(x, self.p, self.training)


class AlphaDropout(Dropout):
    """Dropout for SELU networks (Klambauer et al. 2017): dropped entries take SELU's saturation value and
    an affine map keeps the mean and variance."""

    def forward(self, x):
        return F.alpha_dropout(x, self.p, self.training)


class FeatureAlphaDropout(Dropout):
    """AlphaDropout of whole channels."""

    def forward(self, x):
        return F.feature_alpha_dropout(x, self.p, self.training)
