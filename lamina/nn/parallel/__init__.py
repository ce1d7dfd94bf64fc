"""`torch.nn.parallel` at its path. DataParallel splits a batch over GPUs; lamina runs on one device, so it
wraps the module and calls it (`.module` as PyTorch, so state_dict keys gain the 'module.' prefix as there).
DistributedDataParallel (several processes over MPI) is not in lamina yet: asking for it says so."""

from lamina.nn.module import Module


class DataParallel(Module):
    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


class DistributedDataParallel(Module):
    def __init__(self, module, *args, **kwargs):
        raise NotImplementedError(
            "nn.parallel.DistributedDataParallel: lamina has no multi-process training yet (planned over MPI). "
            "Train in one process, or wrap with nn.parallel.DataParallel, which runs the module as it is."
        )
