"""lamina.save / lamina.load: state_dicts as safetensors files, written atomically, never pickled.

A file holds the tensors of a (possibly nested) dict under flat dotted names, plus,
in the safetensors header's metadata, a JSON description of the nesting and of the
plain values (numbers, strings, lists) that sit beside the tensors. A flat dict of
tensors (a model's state_dict) has exactly its own keys as tensor names, so
`safetensors.torch.load_file` reads it as PyTorch's state_dict.
"""

import json
import os
import tempfile
from pathlib import Path

import numpy as np

from lamina import torch_checkpoint
from lamina.backend import get_device
from lamina.errors import CheckpointError
from lamina.tensor import Tensor

_FORMAT = "lamina.state/1"


def save(obj, path, **torch_options) -> Path:
    """Write a dict of tensors (nested dicts, lists and plain values allowed) to `path` atomically; a tensor, a
    NumPy array or a list of them may also be saved on its own, as torch.save allows.

    The file appears complete or not at all: it is written to a temporary file in the
    same folder, flushed to disk (fsync) and renamed over the target. `path` may also be a binary
    file object (io.BytesIO, an open file): the bytes are written to it as they are. Every key is
    checked before anything is written, so a bad dict never replaces a good file. torch.save's
    pickle options (pickle_protocol, ...) are accepted and have no effect: nothing is pickled.
    """
    from safetensors.numpy import save as serialize

    tensors = {}
    structure = _encode(obj, "", tensors)
    metadata = {"format": _FORMAT, "structure": json.dumps(structure)}
    payload = serialize(tensors, metadata=metadata)
    if hasattr(path, "write"):
        path.write(payload)
        return path
    return write_atomically(Path(path), payload)


def write_atomically(path: Path, payload: bytes) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise CheckpointError(f"lamina.save: cannot write {path}: {error.strerror or error}.") from None
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError as error:  # a full disk (ENOSPC), a quota, a vanished folder: the old file stays intact
        Path(temporary).unlink(missing_ok=True)
        raise CheckpointError(
            f"lamina.save: writing {path} ({len(payload)} bytes) failed: {error.strerror or error}. "
            "The previous file, if any, is unchanged; free space or choose another folder."
        ) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # make the rename itself durable
    finally:
        os.close(directory)
    return path


def existing_file_size(path: Path, label: str) -> int:
    """The size of a file about to be read; a CheckpointError (starting with `label`) if missing or empty."""
    if not path.exists():
        raise CheckpointError(f"{label}: no such file.")
    size = path.stat().st_size
    if size == 0:
        raise CheckpointError(f"{label}: file is empty (0 bytes); it was never written completely.")
    return size


def load(path, device=None, *, map_location=None, weights_only=None, mmap=None, **torch_options) -> dict:
    """Read a file written by `lamina.save` (or any safetensors file) back into its dict of tensors.

    `path` may be a binary file object. `map_location` (torch.load's name for `device`): a device, a
    name, or a dict mapping saved devices to new ones. `weights_only` is accepted for torch.load's
    callers; lamina's files never hold code, so loading is always weights-only.
    """
    from safetensors import SafetensorError
    from safetensors.numpy import load as deserialize

    device = _mapped_device(device if device is not None else map_location)
    if hasattr(path, "read"):
        data = path.read()
        path, size = getattr(path, "name", "<file object>"), len(data)
        if size == 0:
            raise CheckpointError(f"lamina.load: {path}: file is empty (0 bytes); it was never written completely.")
    else:
        path = Path(path)
        size = existing_file_size(path, f"lamina.load: {path}")
        data = path.read_bytes()
    if torch_checkpoint.is_torch_zip(data):  # a torch.save file: its description read without running code
        return _as_tensors(torch_checkpoint.read(data, path), device)
    try:
        arrays = deserialize(data)
    except KeyError:  # a dtype NumPy lacks (safetensors.numpy knows no BF16 / F8): read those tensors ourselves
        arrays = _read_with_wider_dtypes(path, data)
    except (SafetensorError, ValueError, OSError) as error:
        raise CheckpointError(
            f"lamina.load: {path} ({size} bytes) is not a valid safetensors file: {error}. It may be truncated, "
            "corrupt, or not a lamina checkpoint (lamina never unpickles arbitrary files; a torch.save zip file is "
            "read as torch.load(weights_only=True) reads it)."
        ) from None
    metadata = _read_metadata(path, data)
    tensors = {name: Tensor._make(device.backend.asarray(array.copy()), device) for name, array in arrays.items()}
    if metadata.get("format") != _FORMAT:
        return tensors  # a plain safetensors file (e.g. written by PyTorch): its flat dict
    try:
        return _decode(json.loads(metadata["structure"]), tensors)
    except (KeyError, ValueError, TypeError, RecursionError) as error:
        raise CheckpointError(f"lamina.load: {path}: the file's structure description is damaged ({error}).") from None


def _read_with_wider_dtypes(path, data) -> dict:
    """A safetensors file holding bfloat16 tensors, read as float32 (exact: bfloat16 is float32's top half).

    NumPy has no bfloat16, so the values widen; float8 files are refused by name."""
    header = _read_metadata_header(path, data)
    start = 8 + int.from_bytes(data[:8], "little")
    plain = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
             "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}  # fmt: skip
    arrays = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype, shape, (begin, end) = entry["dtype"], tuple(entry["shape"]), entry["data_offsets"]
        except (KeyError, TypeError, ValueError):
            raise CheckpointError(f"lamina.load: {path}: the entry for {name!r} is malformed.") from None
        raw = data[start + begin : start + end]
        if dtype == "BF16":
            halves = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            arrays[name] = halves.view(np.float32).reshape(shape)
        elif dtype in plain:
            arrays[name] = np.frombuffer(raw, dtype=np.dtype(plain[dtype]).newbyteorder("<")).reshape(shape)
        else:
            raise CheckpointError(
                f"lamina.load: {path}: tensor {name!r} has dtype {dtype}, which lamina cannot hold (supported: "
                f"{', '.join(sorted(plain))} and BF16, read as float32). Convert the file's tensors first."
            )
    return arrays


def _read_metadata_header(path, data) -> dict:
    header_size = int.from_bytes(data[:8], "little")
    try:
        return json.loads(data[8 : 8 + header_size])
    except (ValueError, RecursionError) as error:
        raise CheckpointError(f"lamina.load: {path}: unreadable header ({error}).") from None


def _as_tensors(value, device):
    """A torch.save object with its NumPy arrays as lamina tensors (containers kept as they are)."""
    if isinstance(value, np.ndarray):
        return Tensor._make(device.backend.asarray(value), device)
    if isinstance(value, dict):
        return type(value)((k, _as_tensors(v, device)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(_as_tensors(v, device) for v in value)
    return value


def _mapped_device(location):
    """torch.load's map_location as a lamina device: None, a name or Device, or a {saved: new} dict."""
    if isinstance(location, dict):  # files do not record a device: every tensor goes where 'cpu' maps
        location = location.get("cpu", next(iter(location.values()), None))
    if callable(location) and not isinstance(location, str):
        raise TypeError("lamina.load: map_location as a function is not supported; pass a device such as 'cpu'.")
    return get_device(location)


def _read_metadata(path, data):
    header_size = int.from_bytes(data[:8], "little")
    try:
        header = json.loads(data[8 : 8 + header_size])
    except (ValueError, RecursionError) as error:
        raise CheckpointError(f"lamina.load: {path}: unreadable header ({error}).") from None
    return header.get("__metadata__") or {}


def _encode(value, prefix, tensors):
    """A JSON description of value; tensors are stored in `tensors` under dotted names."""
    if isinstance(value, Tensor):
        name = prefix or "tensor"
        if name == "__metadata__":  # the safetensors header's own entry: the file could not be read back
            raise ValueError(
                "lamina.save: the key '__metadata__' is reserved by the safetensors format; rename that entry. "
                "Nothing was written."
            )
        if name in tensors:
            raise ValueError(f"lamina.save: two tensors would be stored under the name {name!r}.")
        tensors[name] = (
            value.detach().numpy().copy() if value.array.flags.c_contiguous else value.numpy().copy(order="C")
        )
        return {"tensor": name}
    if isinstance(value, np.ndarray):  # torch.save keeps a NumPy array one: load gives the array back
        if value.dtype.kind not in "biuf":
            where = prefix or "the top level"
            raise TypeError(f"lamina.save: cannot store a NumPy array of dtype {value.dtype} at {where!r}.")
        name = prefix or "array"
        if name in tensors:
            raise ValueError(f"lamina.save: two tensors would be stored under the name {name!r}.")
        tensors[name] = np.ascontiguousarray(value).copy()
        return {"ndarray": name}
    if isinstance(value, dict):
        items = []
        for key, item in value.items():
            if not isinstance(key, (str, int)):
                raise TypeError(f"lamina.save: dict keys must be str or int; got {type(key).__name__} {key!r}.")
            child = f"{prefix}.{key}" if prefix else str(key)
            items.append([key, _encode(item, child, tensors)])
        return {"dict": items}
    if isinstance(value, (list, tuple)):
        kind = "list" if isinstance(value, list) else "tuple"
        return {kind: [_encode(item, f"{prefix}.{i}" if prefix else str(i), tensors) for i, item in enumerate(value)]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return {"value": value}
    if callable(getattr(value, "state_dict", None)):  # a whole Module, optimizer or scheduler
        raise CheckpointError(
            f"lamina.save: cannot save a whole {type(value).__name__} object at {prefix or 'the top level'!r}: "
            "torch.save pickles it (its class and code), and lamina never pickles. Save its state_dict() and "
            f"load that into a new {type(value).__name__}(...) with load_state_dict. Nothing was written."
        )
    raise TypeError(
        f"lamina.save: cannot store {type(value).__name__} at {prefix or 'the top level'!r}; only tensors, dicts, "
        "lists, tuples, numbers, strings and None are saved (nothing is pickled)."
    )


def _decode(description, tensors):
    if "tensor" in description:
        return tensors[description["tensor"]]
    if "ndarray" in description:
        return tensors[description["ndarray"]].cpu().numpy()
    if "dict" in description:
        return {key: _decode(item, tensors) for key, item in description["dict"]}
    if "list" in description:
        return [_decode(item, tensors) for item in description["list"]]
    if "tuple" in description:
        return tuple(_decode(item, tensors) for item in description["tuple"])
    return description["value"]
