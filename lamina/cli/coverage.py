"""`lamina doctor --torch-coverage`: which of torch's public names lamina has, measured against torch itself.

Each row takes torch's own list of public names (`__all__` where the module has one, else its public
attributes) and counts those lamina has at the same path. Names torch keeps for its internals (dtype
constants of types lamina lacks, quantization, sparse, complex, C++ hooks) are counted too: the table
is the plain ratio, not a curated one. The everyday row is the set of names that the programs of
pytorch/examples, the official tutorials and nanoGPT-style code use, listed below.
"""

import importlib

# Names used by the everyday PyTorch programs named in issue 17 (mnist, word_language_model, dcgan, vae,
# time_sequence_prediction, the 60-minute blitz, "Learning PyTorch with Examples", custom autograd
# Functions, saving and loading, nanoGPT's model.py and common idioms), as torch paths.
EVERYDAY = """
torch.tensor torch.zeros torch.ones torch.randn torch.rand torch.randint torch.randperm torch.arange torch.linspace
torch.full torch.empty torch.eye torch.zeros_like torch.ones_like torch.randn_like torch.manual_seed torch.no_grad
torch.enable_grad torch.inference_mode torch.set_grad_enabled torch.is_grad_enabled torch.cat torch.stack
torch.chunk torch.split torch.where torch.clamp torch.exp torch.log torch.sqrt torch.tanh torch.sigmoid torch.relu
torch.softmax torch.log_softmax torch.matmul torch.mm torch.bmm torch.einsum torch.sum torch.mean torch.max
torch.min torch.argmax torch.argmin torch.abs torch.tril torch.triu torch.multinomial torch.from_numpy
torch.as_tensor torch.equal torch.allclose torch.isclose torch.save torch.load torch.device torch.float32
torch.float64 torch.float16 torch.int64 torch.long torch.float torch.bool torch.Tensor torch.Generator
torch.topk torch.sort torch.argsort torch.nonzero torch.cumsum torch.bincount torch.unique torch.meshgrid
torch.outer torch.repeat_interleave torch.unbind torch.narrow torch.norm torch.finfo torch.iinfo
torch.get_default_dtype torch.set_default_dtype torch.is_tensor torch.numel torch.flatten torch.reshape
torch.squeeze torch.unsqueeze torch.transpose torch.permute torch.gather torch.scatter torch.index_select
torch.masked_fill torch.flip torch.roll torch.diagonal torch.trace torch.diag torch.logsumexp torch.var
torch.std torch.prod torch.all torch.any torch.maximum torch.minimum torch.sign torch.floor torch.ceil
torch.round torch.log1p torch.expm1 torch.sin torch.cos torch.normal torch.bernoulli torch.cuda.is_available
torch.cuda.device_count torch.cuda.manual_seed torch.backends.mps.is_available torch.backends.cudnn
torch.accelerator.is_available torch.autograd.Function torch.autograd.grad torch.autograd.backward
torch.nn.Module torch.nn.Linear torch.nn.Conv2d torch.nn.ConvTranspose2d torch.nn.BatchNorm2d torch.nn.BatchNorm1d
torch.nn.LayerNorm torch.nn.Dropout torch.nn.Dropout2d torch.nn.ReLU torch.nn.LeakyReLU torch.nn.Tanh
torch.nn.Sigmoid torch.nn.GELU torch.nn.Softmax torch.nn.LogSoftmax torch.nn.Embedding torch.nn.LSTM torch.nn.GRU
torch.nn.RNN torch.nn.LSTMCell torch.nn.MaxPool2d torch.nn.AvgPool2d torch.nn.AdaptiveAvgPool2d torch.nn.Flatten
torch.nn.Sequential torch.nn.ModuleList torch.nn.ModuleDict torch.nn.Parameter torch.nn.Identity
torch.nn.CrossEntropyLoss torch.nn.NLLLoss torch.nn.MSELoss torch.nn.BCELoss torch.nn.BCEWithLogitsLoss
torch.nn.TransformerEncoder torch.nn.TransformerEncoderLayer torch.nn.MultiheadAttention
torch.nn.functional.relu torch.nn.functional.gelu torch.nn.functional.softmax torch.nn.functional.log_softmax
torch.nn.functional.cross_entropy torch.nn.functional.nll_loss torch.nn.functional.mse_loss
torch.nn.functional.binary_cross_entropy torch.nn.functional.max_pool2d torch.nn.functional.dropout
torch.nn.functional.scaled_dot_product_attention torch.nn.functional.one_hot torch.nn.functional.pad
torch.nn.functional.linear torch.nn.functional.embedding torch.nn.functional.layer_norm
torch.nn.init.normal_ torch.nn.init.zeros_ torch.nn.init.uniform_ torch.nn.init.xavier_uniform_
torch.nn.init.kaiming_uniform_ torch.nn.init._calculate_fan_in_and_fan_out torch.nn.utils.clip_grad_norm_
torch.nn.utils.rnn.pad_sequence torch.nn.utils.rnn.pack_padded_sequence torch.nn.utils.rnn.pad_packed_sequence
torch.nn.parallel.DataParallel torch.optim.SGD torch.optim.Adam torch.optim.AdamW torch.optim.RMSprop
torch.optim.LBFGS torch.optim.Adadelta torch.optim.lr_scheduler.StepLR torch.optim.lr_scheduler.CosineAnnealingLR
torch.optim.lr_scheduler.CosineAnnealingWarmRestarts torch.optim.lr_scheduler.LambdaLR
torch.optim.lr_scheduler.OneCycleLR torch.utils.data.DataLoader torch.utils.data.Dataset
torch.utils.data.TensorDataset torch.utils.data.random_split torch.utils.data.Subset
""".split()

TENSOR_EVERYDAY = """
backward item tolist numpy detach clone to cpu cuda float double long int bool size dim numel view reshape
transpose permute contiguous unsqueeze squeeze expand expand_as repeat flatten sum mean max min argmax std var
exp log sqrt abs pow clamp tanh sigmoid relu softmax matmul mm bmm t T data grad requires_grad requires_grad_
grad_fn is_leaf shape dtype device zero_ fill_ add_ sub_ mul_ div_ copy_ masked_fill masked_fill_ gather scatter_
scatter_add_ index_select index_add_ narrow norm type type_as new_zeros new_ones new_tensor normal_ uniform_ unflatten
is_cuda chunk split eq ne lt gt topk sort argsort nonzero cumsum diagonal tril triu unbind register_hook
retain_grad item allclose equal any all bincount repeat_interleave outer view_as
""".split()


def _public(module) -> list:
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    return sorted({n for n in names if not n.startswith("_")})


def _has(path: str) -> bool:
    module_path, _, name = path.rpartition(".")
    target = "lamina" + module_path[len("torch") :]
    try:
        module = importlib.import_module(target)
    except ImportError:
        parent, _, attribute = target.rpartition(".")
        try:
            module = getattr(importlib.import_module(parent), attribute)
        except (ImportError, AttributeError):
            return False
    return hasattr(module, name)


def rows() -> list:
    """(what, torch's count, lamina's count, missing names) per row; needs torch importable."""
    import torch

    import lamina

    table = []
    for label, module_name in (
        ("torch.* functions and classes", "torch"),
        ("torch.nn layers", "torch.nn"),
        ("torch.nn.functional", "torch.nn.functional"),
        ("torch.nn.init", "torch.nn.init"),
        ("torch.optim", "torch.optim"),
        ("torch.optim.lr_scheduler", "torch.optim.lr_scheduler"),
        ("torch.utils.data", "torch.utils.data"),
        ("torch.autograd", "torch.autograd"),
    ):
        names = _public(importlib.import_module(module_name))
        missing = [n for n in names if not _has(f"{module_name}.{n}")]
        table.append((label, len(names), len(names) - len(missing), missing))
    methods = [n for n in dir(torch.Tensor) if not n.startswith("_")]
    missing = [n for n in methods if not hasattr(lamina.Tensor, n)]
    table.append(("Tensor methods and attributes", len(methods), len(methods) - len(missing), missing))
    missing = [p for p in EVERYDAY if not _has(p)]
    missing += [f"Tensor.{n}" for n in TENSOR_EVERYDAY if not hasattr(lamina.Tensor, n)]
    total = len(EVERYDAY) + len(TENSOR_EVERYDAY)
    table.append(("everyday programs' names (listed in lamina/cli/coverage.py)", total, total - len(missing), missing))
    return table


def report(show_missing: bool = True) -> str:
    lines = ["| what | torch | lamina | coverage |", "|---|---|---|---|"]
    for label, total, have, _ in rows():
        lines.append(f"| {label} | {total} | {have} | {100 * have / max(total, 1):.0f}% |")
    if show_missing:
        for label, _, _, missing in rows():
            if missing:
                lines.append(f"\nmissing from {label} ({len(missing)}): {', '.join(missing)}")
    return "\n".join(lines)
