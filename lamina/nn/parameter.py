"""Parameter: a tensor that a Module registers as learnable."""

from lamina.backend import get_device
from lamina.creation import as_backend_array
from lamina.tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad and is registered by the Module it is assigned to.

    `Parameter(tensor)` shares the tensor's memory (as in PyTorch); Python data is copied.
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = Tensor._make(get_device(None).backend.xp.empty((0,), dtype="float32"), get_device(None))
        if isinstance(data, Tensor):
            device, array = data.device, data.array
        else:
            device = get_device(None)
            array = as_backend_array(data, None, device)
        # not Tensor.__init__: it copies, and a Parameter made from a tensor must share its memory
        self.array = array
        self.device = device
        self.grad = None
        self.grad_fn = None
        self._version = data._version if isinstance(data, Tensor) else [0]
        self._base = None
        self._hooks = ()
        self.requires_grad = False
        self.requires_grad_(requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
