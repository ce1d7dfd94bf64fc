"""torch.nn.utils at its paths: gradient clipping, parameters as one vector, `rnn` (padded and packed
sequences), `stateless.functional_call`, `parametrize` with `parametrizations` (weight and spectral norm),
and the older hook-based `weight_norm` and `spectral_norm`."""

from lamina.nn.utils import parametrizations, parametrize, rnn, stateless
from lamina.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from lamina.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters
from lamina.nn.utils.norms import remove_spectral_norm, remove_weight_norm, spectral_norm, weight_norm

__all__ = [
    "clip_grad_norm_",
    "clip_grad_value_",
    "parameters_to_vector",
    "vector_to_parameters",
    "rnn",
    "stateless",
    "parametrize",
    "parametrizations",
    "weight_norm",
    "remove_weight_norm",
    "spectral_norm",
    "remove_spectral_norm",
]
