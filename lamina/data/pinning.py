"""DataLoader(pin_memory=True): each batch's tensors copied into page-locked host memory, from which the
copy to the GPU runs at full speed (and `.to("cuda", non_blocking=True)` can overlap the step).

Pinning needs a GPU's driver (the CuPy backend's `pin`); without one, as PyTorch does, the loader warns
once and hands out its batches as they are.
"""

import warnings

from lamina.tensor import Tensor


def pinning_available(pin_memory: bool) -> bool:
    """Whether a loader asked to pin can: False, with PyTorch's warning, where no GPU answers."""
    if not pin_memory:
        return False
    from lamina import cuda

    if cuda.is_available():
        return True
    warnings.warn(
        "DataLoader: 'pin_memory' argument is set as true but no accelerator is found, then device pinned "
        "memory won't be used.",
        UserWarning,
        stacklevel=3,
    )
    return False


def pin_batch(batch):
    """The batch with every tensor in it pinned: tensors, and tuples, lists, dicts and namedtuples of them."""
    if isinstance(batch, Tensor):
        return batch.pin_memory()
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):
        return type(batch)(*(pin_batch(item) for item in batch))
    if isinstance(batch, (tuple, list)):
        return type(batch)(pin_batch(item) for item in batch)
    if isinstance(batch, dict):
        return type(batch)((key, pin_batch(value)) for key, value in batch.items())
    return batch
