"""Embedding and EmbeddingBag."""

from lamina import creation
from lamina.autograd.grad_mode import no_grad
from lamina.nn import functional as F
from lamina.nn import init
from lamina.nn.module import Module
from lamina.nn.parameter import Parameter


class _Table(Module):
    """A (num_embeddings, embedding_dim) weight, initialised N(0, 1), whose padding_idx row starts at zero (and,
    through F.embedding, never receives a gradient)."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx, device, dtype, weight=None):
        super().__init__()
        layer = type(self).__name__
        for name, value in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"{layer}: {name} must be a positive integer; got {value!r}.")
        if padding_idx is not None and not -num_embeddings <= padding_idx < num_embeddings:
            raise ValueError(f"{layer}: padding_idx {padding_idx} must be within num_embeddings ({num_embeddings}).")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = padding_idx % num_embeddings if padding_idx is not None else None
        if weight is not None:
            if tuple(weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(
                    f"{layer}: _weight has shape {tuple(weight.shape)}; expected ({num_embeddings}, {embedding_dim})."
                )
            self.weight = Parameter(weight)
        else:
            self.weight = Parameter(creation.empty(num_embeddings, embedding_dim, device=device, dtype=dtype))
            self.reset_parameters()

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0.0


class Embedding(_Table):
    """A lookup table: integer indices (*) -> vectors (*, embedding_dim)."""

    def __init__(
        self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
        sparse=False, _weight=None, _freeze=False, device=None, dtype=None,
    ):  # fmt: skip
        super().__init__(num_embeddings, embedding_dim, padding_idx, device, dtype, weight=_weight)
        self.max_norm, self.norm_type, self.scale_grad_by_freq, self.sparse = (
            max_norm,
            norm_type,
            scale_grad_by_freq,
            sparse,
        )
        if _freeze:
            self.weight.requires_grad_(False)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, sparse=False):  # fmt: skip
        """An Embedding holding `embeddings` (rows, dim) as its weight; frozen unless freeze=False."""
        if embeddings.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D; got {embeddings.ndim} dims.")
        rows, dim = embeddings.shape
        return cls(rows, dim, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse, _weight=embeddings,
                   _freeze=freeze)  # fmt: skip

    def forward(self, indices):
        try:
            return F.embedding(
                indices, self.weight, self.padding_idx, self.max_norm, self.norm_type, self.scale_grad_by_freq
            )
        except IndexError as error:
            raise IndexError(f"Embedding({self.num_embeddings}, {self.embedding_dim}): {error}") from None


class EmbeddingBag(_Table):
    """Sums, means or maxima of bags of embeddings (F.embedding_bag): a 2-D input holds one bag per row; a 1-D
    input with offsets is cut into bags."""

    def __init__(
        self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, mode="mean",
        sparse=False, _weight=None, include_last_offset=False, padding_idx=None, device=None, dtype=None,
    ):  # fmt: skip
        super().__init__(num_embeddings, embedding_dim, padding_idx, device, dtype, weight=_weight)
        self.mode, self.max_norm, self.norm_type = mode, max_norm, norm_type
        self.scale_grad_by_freq, self.sparse, self.include_last_offset = scale_grad_by_freq, sparse, include_last_offset

    def forward(self, input, offsets=None, per_sample_weights=None):
        return F.embedding_bag(
            input, self.weight, offsets, self.max_norm, self.norm_type, self.scale_grad_by_freq, self.mode,
            self.sparse, per_sample_weights, self.include_last_offset, self.padding_idx,
        )  # fmt: skip

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}, mode='{self.mode}'"
