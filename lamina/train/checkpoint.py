"""Training checkpoints: a safetensors file plus a JSON manifest with its size and SHA-256.

A checkpoint holds everything needed to continue exactly: model, optimizer and scheduler state,
epoch and step, the RNG states and the data loader's position. Both files are written atomically
(temporary file, fsync, rename), the manifest last, so a crash leaves the previous good pair. On
load, the file is checked against its manifest; a truncated, empty or foreign file raises
CheckpointError naming the file and what is wrong, and `load_latest` falls back to the previous
good checkpoint when asked.
"""

import hashlib
import io
import json
import time
from pathlib import Path

from lamina.errors import CheckpointError
from lamina.serialization import existing_file_size, load, save, write_atomically

FORMAT = "lamina.checkpoint/1"


def manifest_path(path: Path) -> Path:
    return path.with_suffix(".json")


def save_checkpoint(state: dict, path) -> Path:
    path = Path(path)
    save(state, path)
    data = path.read_bytes()
    manifest = {
        "format": FORMAT,
        "file": path.name,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "epoch": state.get("epoch"),
        "step": state.get("step"),
        "metrics": state.get("metrics", {}),
    }
    write_atomically(manifest_path(path), json.dumps(manifest, indent=2).encode())
    return path


def verify_checkpoint(path) -> dict:
    """The manifest, after checking the file's existence, size and hash against it."""
    return _read_verified(Path(path))[0]


def _read_verified(path: Path, attempts: int = 5):
    """(manifest, the file's bytes), the bytes checked against the manifest; CheckpointError if they never agree.

    NOTE: a writer replaces the data file and then its manifest, each atomically, so a reader can see a new
    file beside the old manifest for a moment; a mismatch is read again a few times before it counts
    as corruption. The bytes checked are the bytes then deserialized (never a second read of the file)."""
    for attempt in range(attempts):
        size = existing_file_size(path, f"checkpoint {path}")
        manifest = _manifest(path)
        data = path.read_bytes()
        problem = _mismatch(path, manifest, data, size)
        if problem is None:
            return manifest, data
        if attempt < attempts - 1:
            time.sleep(0.05 * (attempt + 1))
    raise CheckpointError(problem)


def _manifest(path: Path) -> dict:
    try:
        manifest = json.loads(manifest_path(path).read_text())
    except (OSError, ValueError, RecursionError) as error:
        raise CheckpointError(
            f"checkpoint {path}: its manifest {manifest_path(path).name} is missing or unreadable "
            f"({error}); it is not a lamina training checkpoint."
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else type(manifest).__name__
        raise CheckpointError(f"checkpoint {path}: the manifest's format is {found!r}, not {FORMAT!r}.")
    return manifest


def _mismatch(path: Path, manifest: dict, data: bytes, size: int):
    """What is wrong with the file against its manifest, or None."""
    if len(data) != manifest.get("bytes"):
        return (
            f"checkpoint {path}: expected {manifest.get('bytes')} bytes (manifest), found {len(data)}; the "
            "file is truncated or was overwritten."
        )
    actual = hashlib.sha256(data).hexdigest()
    if actual != manifest.get("sha256"):
        return (
            f"checkpoint {path}: SHA-256 {actual} does not match the manifest's {manifest.get('sha256')}; "
            "the file is corrupt."
        )
    return None


def load_checkpoint(path) -> dict:
    path = Path(path)
    _, data = _read_verified(path)
    stream = io.BytesIO(data)
    stream.name = str(path)
    return load(stream)


def load_latest(folder, fallback: bool = True, warn=print):
    """The newest good checkpoint in folder: last.safetensors, else (with fallback) the best or newest older one.

    Returns (state, path) or (None, None) when there is none at all.
    """
    folder = Path(folder)
    candidates = [folder / "last.safetensors"]
    if fallback:
        candidates += sorted(folder.glob("epoch-*.safetensors"), reverse=True) + [folder / "best.safetensors"]
    errors = []
    for path in candidates:
        if not path.exists() and not manifest_path(path).exists():
            continue
        try:
            state = load_checkpoint(path)
        except CheckpointError as error:
            errors.append(str(error))
            if not fallback:
                raise
            continue
        if errors:
            warn(f"lamina: {errors[0]} Using the previous good checkpoint {path.name} instead.")
        return state, path
    if errors:
        raise CheckpointError("no usable checkpoint in " + str(folder) + ":\n  " + "\n  ".join(errors))
    return None, None
