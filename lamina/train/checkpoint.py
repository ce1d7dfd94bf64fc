"""Training checkpoints: a safetensors file plus a JSON manifest with its size and SHA-256.

A checkpoint holds everything needed to continue exactly: model, optimizer and scheduler state,
epoch and step, the RNG states and the data loader's position. Both files are written atomically
(temporary file, fsync, rename), the manifest last, so a crash leaves the previous good pair. On
load, the file is checked against its manifest; a truncated, empty or foreign file raises
CheckpointError naming the file and what is wrong, and `load_latest` falls back to the previous
good checkpoint when asked.
"""

import hashlib
import json
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
    path = Path(path)
    size = existing_file_size(path, f"checkpoint {path}")
    try:
        manifest = json.loads(manifest_path(path).read_text())
    except (OSError, ValueError) as error:
        raise CheckpointError(
            f"checkpoint {path}: its manifest {manifest_path(path).name} is missing or unreadable "
            f"({error}); it is not a lamina training checkpoint."
        ) from None
    if manifest.get("format") != FORMAT:
        raise CheckpointError(
            f"checkpoint {path}: the manifest's format is {manifest.get('format')!r}, not {FORMAT!r}."
        )
    if size != manifest["bytes"]:
        raise CheckpointError(
            f"checkpoint {path}: expected {manifest['bytes']} bytes (manifest), found {size}; the "
            "file is truncated or was overwritten."
        )
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    if actual != manifest["sha256"]:
        raise CheckpointError(
            f"checkpoint {path}: SHA-256 {actual} does not match the manifest's {manifest['sha256']}; "
            "the file is corrupt."
        )
    return manifest


def load_checkpoint(path) -> dict:
    verify_checkpoint(path)
    return load(path)


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
