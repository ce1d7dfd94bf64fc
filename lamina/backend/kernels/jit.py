"""numba's compiler for lamina's kernels, with its on-disk cache in the user's cache folder.

numba's `cache=True` writes next to the source file, in the installed package's `__pycache__/`. That
breaks installations in two ways: a read-only package (installed by root, used by another user), and
pip's uninstall, which removes only the files it installed, so a `site-packages/lamina/` folder
without `__init__.py` stays behind and shadows a later editable install as a namespace package.

So the kernels cache in `$LAMINA_CACHE_DIR`, else `$XDG_CACHE_HOME/lamina/numba`, else
`~/.cache/lamina/numba`, in a subfolder per lamina version and CPU (numba's own index already keys
by the source file's contents and the Python version). Where that folder cannot be written, the
kernels compile on every first use instead, and lamina says so once. Only lamina's functions are
redirected: numba's settings for the user's own code are left alone.
"""

import os
import platform
import tempfile
import warnings
from pathlib import Path

import numba

_cache_folder = None  # resolved once, on the first kernel decorated: a Path, or False when not writable


def cache_root() -> Path:
    """The folder for lamina's compiled-kernel caches (before the per-version, per-CPU subfolder)."""
    if os.environ.get("LAMINA_CACHE_DIR"):
        return Path(os.environ["LAMINA_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lamina" / "numba"


def _cpu_name() -> str:
    try:
        import llvmlite.binding

        return llvmlite.binding.get_host_cpu_name() or platform.machine()
    except Exception:  # noqa: BLE001 - any failure here only means a coarser key
        return platform.machine() or "cpu"


def cache_folder():
    """This version's and this CPU's cache folder, made if needed; None when it cannot be written."""
    global _cache_folder
    if _cache_folder is None:
        from lamina import __version__

        folder = cache_root() / f"lamina-{__version__}-{_cpu_name()}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tempfile.TemporaryFile(dir=folder).close()  # the folder exists but may still be read-only
            _cache_folder = folder
        except OSError as error:
            _cache_folder = False
            warnings.warn(
                f"lamina kernels: cannot write the compiled-kernel cache in {folder} ({error.strerror or error}); "
                "kernels are compiled on every first use instead (a second or so each). "
                "Set LAMINA_CACHE_DIR to a writable folder to keep them.",
                RuntimeWarning,
                stacklevel=3,
            )
    return _cache_folder or None


def _cache_class(folder: Path):
    """A numba FunctionCache that keeps every function's compiled code in `folder` (numba's locator interface)."""
    from numba.core import caching

    class LaminaCacheLocator(caching._SourceFileBackedLocatorMixin, caching._CacheLocator):
        def __init__(self, py_func, py_file):
            self._py_file = py_file
            self._lineno = py_func.__code__.co_firstlineno

        def get_cache_path(self):
            return str(folder)

    class LaminaCacheImpl(caching.CompileResultCacheImpl):
        _locator_classes = [LaminaCacheLocator]

    class LaminaFunctionCache(caching.FunctionCache):
        _impl_class = LaminaCacheImpl

    return LaminaFunctionCache


_function_cache = None  # the class above once made; False where this numba's caching internals differ


def _with_cache(dispatcher) -> None:
    """Give a numba dispatcher a cache in lamina's folder, or leave it uncached (with one warning)."""
    global _function_cache
    folder = cache_folder()
    if folder is None:
        return
    if _function_cache is None:
        try:
            _function_cache = _cache_class(folder)
        except (ImportError, AttributeError, TypeError) as error:
            _function_cache = False
            warnings.warn(
                f"lamina kernels: numba {numba.__version__}'s cache cannot be redirected ({error}); "
                "kernels are compiled on every first use instead.",
                RuntimeWarning,
                stacklevel=3,
            )
    if _function_cache:
        try:
            dispatcher._cache = _function_cache(dispatcher.py_func)  # what numba's enable_caching() does
        except (OSError, RuntimeError):  # the folder went away or read-only since: compile uncached
            pass


def njit(**options):
    """`numba.njit(**options)`, caching the compiled code in lamina's cache folder (see the module's docstring)."""

    def decorate(function):
        dispatcher = numba.njit(**options)(function)
        _with_cache(dispatcher)
        return dispatcher

    return decorate
