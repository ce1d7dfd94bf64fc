"""torch.nn.utils at its paths: gradient clipping, parameters as one vector, `rnn` (padded and packed
sequences) and `stateless.functional_call`."""

from lamina.nn.utils import rnn, stateless
from lamina.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from lamina.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters", "rnn", "stateless"]
