"""The compiled kernels never write into the installed package (issue 16).

numba's own `cache=True` writes `__pycache__/*.nbi` next to the source: a read-only installation then
cannot cache, and pip's uninstall leaves the folder behind, where it shadows a later install as a
namespace package. Each test imports lamina in a fresh process from a temporary working directory,
runs a compiled kernel and checks its result against the NumPy reference.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import lamina

pytest.importorskip("numba")

PACKAGE = Path(lamina.__file__).resolve().parent

# softmax from the compiled set against the reference; prints the warnings it saw
SCRIPT = """
import warnings
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as seen:
    import numpy as np
    import lamina
    from lamina.backend.kernels import compiled, reference
    x = np.random.default_rng(0).standard_normal((8, 33)).astype(np.float32)
    assert np.allclose(compiled.softmax(x), reference.softmax(x), atol=1e-6)
print("package", lamina.__file__)
print("warnings", len([w for w in seen if "compiled-kernel cache" in str(w.message)]))
"""


def files_under(folder: Path) -> set:
    """Every file but Python's own bytecode cache (*.pyc, which Python skips where it cannot write, and which
    any process importing a module for the first time may add): numba's *.nbi/*.nbc are what must not appear."""
    return {path for path in folder.rglob("*") if path.is_file() and path.suffix != ".pyc"}


def run(script: str, cwd: Path, env: dict, pythonpath: str = "", as_user: list = ()) -> str:
    environment = {**os.environ, **env}
    if pythonpath:
        environment["PYTHONPATH"] = pythonpath
    done = subprocess.run(
        [*as_user, sys.executable, "-c", script], cwd=cwd, env=environment, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_kernels_cache_in_the_cache_folder_and_nothing_lands_in_the_package(tmp_path):
    before = files_under(PACKAGE)
    cache = tmp_path / "cache"
    out = run(SCRIPT, tmp_path, {"LAMINA_CACHE_DIR": str(cache)})
    assert "warnings 0" in out
    written = files_under(cache)
    assert any(path.suffix == ".nbi" for path in written), written  # numba's index of the cached softmax
    assert all(lamina.__version__ in str(path.relative_to(cache)) for path in written)  # keyed by version
    assert files_under(PACKAGE) - before == set()


def test_an_unwritable_cache_folder_compiles_uncached_with_one_warning(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    before = files_under(PACKAGE)
    out = run(SCRIPT, tmp_path, {"LAMINA_CACHE_DIR": str(blocker / "cache")})
    assert "warnings 1" in out
    assert files_under(PACKAGE) - before == set()


def test_a_read_only_installation_works_for_another_user():
    """The package copied, made read-only and imported by a user who does not own it."""
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot test as a user a read-only folder binds")
        as_user = [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    else:
        as_user = []
    root = Path(tempfile.mkdtemp(prefix="lamina-ro-"))
    try:
        shutil.copytree(PACKAGE, root / "site" / "lamina", ignore=shutil.ignore_patterns("__pycache__"))
        (root / "cache").mkdir()
        (root / "work").mkdir()
        for folder in (root, root / "cache", root / "work"):
            folder.chmod(0o777)
        (root / "site").chmod(0o755)
        subprocess.run(["chmod", "-R", "a-w", str(root / "site")], check=True)
        before = files_under(root / "site")
        out = run(SCRIPT, root / "work", {"LAMINA_CACHE_DIR": str(root / "cache")}, str(root / "site"), as_user)
        assert f"package {root / 'site' / 'lamina'}" in out  # the copy was the one imported
        assert "warnings 0" in out
        assert files_under(root / "site") == before
        assert any(path.suffix == ".nbi" for path in files_under(root / "cache"))
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(root)], check=False)
        shutil.rmtree(root, ignore_errors=True)
