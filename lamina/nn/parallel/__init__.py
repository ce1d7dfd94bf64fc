"""`torch.nn.parallel` at its path. DataParallel splits a batch over GPUs; lamina runs on one device, so it
wraps the module and calls it (`.module` as PyTorch, so state_dict keys gain the 'module.' prefix as there).
DistributedDataParallel trains one replica per MPI process (distributed.py)."""

from lamina.nn.module import Module
from lamina.nn.parallel.distributed import DistributedDataParallel


class DataParallel(Module):
    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


__all__ = ["DataParallel", "DistributedDataParallel"]
