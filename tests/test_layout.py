"""The package tree is the architecture: imports point one way, and only backends do array math.

backend, errors, dtypes <- tensor <- autograd <- ops, creation <- functional, serialization <- nn, viz
<- optim <- cli
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "lamina"
RANK = {
    "errors": 0,
    "dtypes": 0,
    "backend": 0,
    "tensor": 1,
    "autograd": 2,
    "ops": 3,
    "creation": 3,
    "random": 3,  # seeded streams and draws, beside creation
    "settings": 3,  # torch.* settings and queries (threads, print options, seeds)
    "cuda": 1,  # PyTorch's device queries: they ask lamina.backend
    "backends": 1,
    "accelerator": 1,
    "multiprocessing": 1,  # torch.multiprocessing: the standard module and spawn
    "utils": 8,  # torch.utils paths: lamina.data, and the TensorBoard writer of lamina.train
    "distributed": 4,  # collectives over MPI, below nn (DistributedDataParallel, SyncBatchNorm)
    "amp": 6,  # GradScaler drives optimizers; autocast's state lives in autograd
    "functional": 4,
    "special": 4,  # torch.special: names over functional and ops.special
    "serialization": 4,
    "torch_checkpoint": 4,  # torch.save's zip files, read without running code (for serialization)
    "nn": 5,
    "viz": 5,
    "data": 5,
    "transforms": 5,
    "optim": 6,
    "func": 6,  # torch.func: functional_call (over nn.utils) and grad/vmap (over autograd)
    "datasets": 6,
    "onnx": 6,  # export: traces a model's ops, writes the file (serialization's atomic write)
    "testing": 2,  # assert_close: reads tensors' arrays (NumPy, as a reader)
    "compiler": 1,  # torch.compile's name, run eagerly
    "jit": 1,  # torch.jit: script and trace, run eagerly
    "linalg": 4,  # torch.linalg's names over ops/decompositions.py and functional's norm
    "distributions": 5,  # probability distributions, composites of the ops (lamina.random for draws)
    "models": 7,
    "vision": 8,  # torchvision's paths over datasets, transforms and models
    "history": 8,
    "train": 8,
    "cli": 9,
}
# tensor.py's methods call the ops; it imports them at its end (the one intended cycle, see its NOTE)
ALLOWED_UPWARD = {("tensor", "creation"), ("tensor", "functional"), ("tensor", "ops"), ("tensor", "random")}
# numpy is imported only where arrays are made or read (creating tensors, decoding files, preparing
# samples before they become tensors), never for the math of ops, which goes through ctx.xp
NUMPY_ALLOWED = {
    "backend",
    "dtypes",
    "creation",
    "random",
    "settings",
    "torch_checkpoint",
    "serialization",  # reads and writes the arrays of checkpoint files
    "onnx",
    "testing",
    "tensor",
    "data",
    "datasets",
    "transforms",
    "models",
    "history",
    "train",
    "viz",
    "vision",  # make_grid and save_image draw a picture from the host copy of the images
    "cli",
}


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.name == "__init__.py" and len(relative.parts) == 1:
            continue  # the package's front door re-exports everything
        yield relative.parts[0].removesuffix(".py"), path


def top_level_imports(path):
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module + "." + alias.name for alias in node.names]
            yield from names
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


@pytest.mark.parametrize("layer,path", list(modules()), ids=lambda v: str(v))
def test_imports_point_one_way(layer, path):
    for name in top_level_imports(path):
        parts = name.split(".")
        if parts[0] == "numpy":
            assert layer in NUMPY_ALLOWED, f"{path.name} imports numpy; array math goes through ctx.xp"
        if parts[0] != "lamina" or len(parts) < 2:
            continue
        target = parts[1]
        if target not in RANK or (layer, target) in ALLOWED_UPWARD:
            continue
        assert RANK[target] <= RANK[layer], f"{path} imports lamina.{target}, a layer above {layer}"


def test_import_does_not_probe_a_gpu():
    import subprocess
    import sys

    code = "import sys, lamina; print('cupy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_tensors_and_graph_nodes_use_slots():
    import inspect

    import lamina
    from lamina.autograd.function import Function
    from lamina.ops import elementwise, indexing, linalg, movement, reduce

    assert not hasattr(lamina.ones(1), "__dict__")
    primitives = [
        cls
        for module in (elementwise, indexing, linalg, movement, reduce)
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, Function) and cls is not Function
    ]
    assert len(primitives) > 35
    for cls in primitives:
        assert not hasattr(cls(), "__dict__"), f"{cls.__name__} should declare __slots__ for what it keeps"
