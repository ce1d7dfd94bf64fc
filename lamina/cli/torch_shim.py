"""`lamina run script.py`: an unchanged PyTorch script, run on lamina.

For that run only, `import torch` (and `torch.nn`, `torch.utils.data`, ...) resolves to lamina's module
at the same path, and `import torchvision` to lamina.vision (its datasets, transforms, models and utils):
a finder on `sys.meta_path` hands back lamina's own module objects, so nothing is copied or wrapped. A
name lamina lacks stops the script with one line that names it, the script line that used it, and the
closest lamina name; errors that come from lamina being stricter than torch on purpose say so. Everything
else a script raises is its own error, shown as Python shows it.
"""

import difflib
import importlib
import importlib.abc
import importlib.machinery
import re
import runpy
import sys
import time
import traceback
from pathlib import Path

import lamina

# torch paths whose lamina module lives elsewhere; any other torch.X.Y is tried as lamina.X.Y
_RENAMED = {
    "torch.autograd.function": "lamina.autograd.custom",
    "torch.utils.data": "lamina.data",  # a package, so that torch.utils.data.distributed (below) imports
    "torch.utils.data.dataloader": "lamina.data.dataloader",
    "torch.utils.data.dataset": "lamina.data.dataset",
    "torch.utils.data.sampler": "lamina.data.sampler",
    "torch.utils.data.distributed": "lamina.data.sampler",
    "torch.nn.modules": "lamina.nn",
    "torch.nn.modules.module": "lamina.nn.module",
    "torch.nn.parameter": "lamina.nn.parameter",
    "torch.optim.optimizer": "lamina.optim.optimizer",
    "torchvision": "lamina.vision",  # torchvision.X is tried as lamina.vision.X
}


def _is_torch(name: str) -> bool:
    """torch, torchvision, or one of their submodules: the names a run resolves to lamina."""
    return any(name == root or name.startswith(root + ".") for root in ("torch", "torchvision"))


def _lamina_name(name: str) -> str:
    if name in _RENAMED:
        return _RENAMED[name]
    if name.startswith("torchvision."):
        return "lamina.vision" + name[len("torchvision") :]
    return "lamina" + name[len("torch") :]


# lamina's deliberate differences from torch: (error type name, words in the message) -> why
INTENTIONAL = [
    ("ShapeError", "target", "lamina's losses refuse a target whose shape differs from the input's (torch only warns)"),
    ("DataError", "empty", "lamina refuses a mean-reduced loss over an empty batch (torch returns nan)"),
    ("DTypeError", "Linear", "lamina's layers refuse an input dtype other than their parameters' (no silent cast)"),
    ("CheckpointError", "whole", "lamina saves state_dicts, not whole modules: torch.save(model) pickles the class"),
    ("CheckpointError", "", "lamina reads safetensors files only: it never unpickles a .pt/.pth checkpoint"),
    ("DTypeError", "bfloat16", "lamina has no bfloat16 tensors (NumPy has no such dtype): use float32 or float16"),
]


_MISSING = object()


class TorchToLamina(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves torch and its submodules to lamina's modules; records which were asked for."""

    def __init__(self):
        self.resolved = []
        self.rebound = []  # (lamina module, attribute, its value before): Python binds a submodule on its parent

    def restore(self):
        for parent, attribute, value in reversed(self.rebound):
            if value is _MISSING:
                parent.__dict__.pop(attribute, None)
            else:
                setattr(parent, attribute, value)

    def find_spec(self, fullname, path=None, target=None):
        if not _is_torch(fullname):
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec):
        name = spec.name
        target = _lamina_name(name)
        try:
            module = importlib.import_module(target)
        except ImportError:
            raise ImportError(f"{name} is not in lamina (looked for {target}){_nearest_module(target)}") from None
        parent = sys.modules.get(name.rpartition(".")[0])
        if parent is not None:
            attribute = name.rpartition(".")[2]
            self.rebound.append((parent, attribute, parent.__dict__.get(attribute, _MISSING)))
        self.resolved.append(name)
        return module

    def exec_module(self, module):
        """lamina's module is already imported."""


def _nearest_module(target: str) -> str:
    parent_name, _, leaf = target.rpartition(".")
    try:
        parent = importlib.import_module(parent_name)
    except ImportError:
        return ""
    close = difflib.get_close_matches(leaf, [n for n in dir(parent) if not n.startswith("_")], n=1)
    return f"; nearest: {parent_name}.{close[0]}" if close else ""


def _script_line(error: BaseException, script: Path) -> str:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename).resolve() == script]
    if not frames:
        return str(script)
    frame = frames[-1]
    return f"{script.name}:{frame.lineno}: {frame.line}"


def _missing_name(error: AttributeError):
    """(module name, missing attribute, nearest lamina name) when a lamina object lacks a torch name."""
    owner, name = getattr(error, "obj", None), getattr(error, "name", None)
    if owner is None or name is None:
        return None
    module = getattr(owner, "__name__", None) if isinstance(owner, type(lamina)) else None
    cls = type(owner)
    exported = getattr(lamina, cls.__qualname__, None) is cls  # lamina.Tensor, shown as torch.Tensor
    label = module or ("lamina." if exported else cls.__module__ + ".") + cls.__qualname__
    if not label.startswith("lamina"):
        return None
    close = difflib.get_close_matches(name, [n for n in dir(owner) if not n.startswith("_")], n=1)
    return _torch_name(label), name, close[0] if close else None


def run(script: str, arguments: list) -> int:
    """Run `script` with `arguments` as its sys.argv, torch resolved to lamina; the exit status."""
    path = Path(script).resolve()
    if not path.is_file():
        print(f"lamina run: no such script: {script}", file=sys.stderr)
        return 2
    finder = TorchToLamina()
    saved_argv, saved_path = sys.argv, list(sys.path)
    # a real torch imported before (e.g. by a test runner) is set aside for the run and put back after
    real_torch = {m: sys.modules.pop(m) for m in list(sys.modules) if _is_torch(m)}
    sys.meta_path.insert(0, finder)
    sys.argv = [str(path), *arguments]
    sys.path.insert(0, str(path.parent))
    start = time.perf_counter()
    try:
        runpy.run_path(str(path), run_name="__main__")
        status = 0
    except SystemExit as stop:
        status = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except AttributeError as error:
        status = _report_missing(error, path)
    except ImportError as error:
        message = str(error) if "is not in lamina" in str(error) else _missing_import(error)
        if message is None:
            raise
        print(f"lamina run: {_script_line(error, path)}: {message}", file=sys.stderr)
        status = 2
    except lamina.LaminaError as error:
        status = _report_lamina_error(error, path)
    finally:
        sys.meta_path.remove(finder)
        finder.restore()
        sys.argv, sys.path[:] = saved_argv, saved_path
        for name in [m for m in sys.modules if _is_torch(m)]:
            del sys.modules[name]
        sys.modules.update(real_torch)
    seconds = time.perf_counter() - start
    modules = ", ".join(dict.fromkeys(finder.resolved)) or "nothing"
    print(
        f"lamina run: {path.name} {'finished' if status == 0 else f'stopped (status {status})'} in {seconds:.1f} s "
        f"on lamina {lamina.__version__}; torch resolved to lamina for: {modules}",
        file=sys.stderr,
    )
    return status


def _missing_import(error: ImportError):
    """`from torch.x import name` where lamina's module lacks the name: the torch name and lamina's nearest."""
    found = re.match(r"cannot import name '(\w+)' from '([\w.]+)'", str(error))
    if found is None or not found.group(2).startswith("lamina"):
        return None
    name, module_name = found.groups()
    module = sys.modules.get(module_name)
    close = difflib.get_close_matches(name, [n for n in dir(module) if not n.startswith("_")], n=1) if module else []
    torch_module = _torch_name(module_name)
    hint = f"; nearest in lamina: {close[0]}" if close else ""
    return f"{torch_module}.{name} is not in lamina{hint}"


def _torch_name(lamina_name: str) -> str:
    """lamina.vision.X -> torchvision.X, lamina.X -> torch.X: the path the script used."""
    if lamina_name.startswith("lamina.vision"):
        return "torchvision" + lamina_name[len("lamina.vision") :]
    return lamina_name.replace("lamina", "torch", 1)


def _report_missing(error: AttributeError, path: Path) -> int:
    missing = _missing_name(error)
    if missing is None:
        raise error
    owner, name, nearest = missing
    hint = f"; nearest in lamina: {nearest}" if nearest else ""
    print(f"lamina run: {_script_line(error, path)}: {owner}.{name} is not in lamina{hint}", file=sys.stderr)
    return 2


def _report_lamina_error(error: Exception, path: Path) -> int:
    kind = type(error).__name__
    notes = [why for name, words, why in INTENTIONAL if name == kind and words in str(error)]
    traceback.print_exception(error)
    if notes:
        print(
            f"lamina run: {_script_line(error, path)}: an intentional difference from torch: {notes[0]}",
            file=sys.stderr,
        )
    return 1
