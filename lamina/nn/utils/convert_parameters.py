"""All parameters as one flat vector and back (torch.nn.utils.parameters_to_vector / vector_to_parameters)."""

from lamina.autograd.grad_mode import no_grad
from lamina.errors import ShapeError
from lamina.ops.movement import cat


def parameters_to_vector(parameters):
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vector, parameters) -> None:
    parameters = list(parameters)
    total = sum(p.numel() for p in parameters)
    if vector.ndim != 1 or vector.shape[0] != total:
        raise ShapeError(f"vector_to_parameters: expected a 1-D vector of {total} values; got shape {vector.shape}.")
    start = 0
    with no_grad():
        for p in parameters:
            p.copy_(vector[start : start + p.numel()].reshape(*p.shape))
            start += p.numel()
