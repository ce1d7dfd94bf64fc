"""Reading PyTorch's `.pt`/`.pth` files without running their code: PyTorch's `weights_only=True`, in lamina.

A torch.save file is a zip archive: `<name>/data.pkl` describes the object (a dict of tensors, usually) as
a pickle, and `<name>/data/<key>` holds each storage's raw bytes. Pickle can call any importable function,
so the description is read with an Unpickler whose `find_class` allows only a fixed table of names, each
mapped to lamina's own code (nothing of torch is imported or needed): the tensor-rebuilding functions, the
storage types, OrderedDict, and plain containers. Anything else (a module, a class of the user's, a
function) is refused with a CheckpointError naming it. Legacy non-zip files (torch < 1.6) are refused too.
"""

import collections
import io
import pickle
import zipfile

import numpy as np  # the storages' bytes become arrays here, as in any file reader

from lamina.errors import CheckpointError

_STORAGES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16, "LongStorage": np.int64,
    "IntStorage": np.int32, "ShortStorage": np.int16, "CharStorage": np.int8, "ByteStorage": np.uint8,
    "BoolStorage": np.bool_, "BFloat16Storage": "bfloat16",
}  # fmt: skip


class _Storage:
    """A storage type named in the pickle: its element dtype."""

    def __init__(self, name):
        self.name, self.dtype = name, _STORAGES[name]


def _rebuild_tensor(storage, offset, size, stride, *_):
    """A tensor as torch describes it: a strided view of a storage (copied, so the result owns its memory)."""
    array = storage
    itemsize = array.dtype.itemsize
    view = np.lib.stride_tricks.as_strided(
        array[offset:], shape=tuple(size), strides=tuple(s * itemsize for s in stride), writeable=False
    ) if size else array[offset : offset + 1].reshape(())  # fmt: skip
    return np.array(view)


def _rebuild_parameter(data, requires_grad, *_):
    return data


_ALLOWED = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "slice"): slice,
}


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, stream, archive, prefix, path):
        super().__init__(stream)
        self.archive, self.prefix, self.path = archive, prefix, path

    def find_class(self, module, name):
        if module == "torch" and name in _STORAGES:
            return lambda *args: _Storage(name)  # (old files call the storage type)
        if (module, name) in _ALLOWED:
            return _ALLOWED[(module, name)]
        raise CheckpointError(
            f"lamina.load: {self.path} asks to run {module}.{name} while loading; lamina loads only tensors, "
            "numbers, strings and containers (as torch.load(weights_only=True)). Save a state_dict instead."
        )

    def persistent_load(self, record):
        kind, storage_type, key, _location, count = record[:5]
        if kind != "storage":
            raise CheckpointError(f"lamina.load: {self.path}: unknown persistent record {kind!r}.")
        if isinstance(storage_type, _Storage):
            dtype = storage_type.dtype
        elif callable(storage_type):  # a find_class result for torch.<Name>Storage
            dtype = storage_type().dtype
        else:
            raise CheckpointError(f"lamina.load: {self.path}: unknown storage type {storage_type!r}.")
        try:
            raw = self.archive.read(f"{self.prefix}data/{key}")
        except KeyError:
            raise CheckpointError(f"lamina.load: {self.path}: storage {key} is missing from the archive.") from None
        if dtype == "bfloat16":  # NumPy has none: bfloat16 is float32's top half, so it widens exactly
            return (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        array = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"))
        if array.size != count:
            raise CheckpointError(f"lamina.load: {self.path}: storage {key} holds {array.size} values, not {count}.")
        return array


def is_torch_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def read(data: bytes, path) -> object:
    """The object a torch.save zip file describes, its tensors as NumPy arrays."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        pickles = [name for name in archive.namelist() if name.endswith("/data.pkl") or name == "data.pkl"]
    except zipfile.BadZipFile as error:
        raise CheckpointError(f"lamina.load: {path}: a damaged zip archive ({error}).") from None
    if not pickles:
        raise CheckpointError(f"lamina.load: {path} is a zip archive but not a torch.save file (no data.pkl).")
    prefix = pickles[0][: -len("data.pkl")]
    try:
        return _RestrictedUnpickler(io.BytesIO(archive.read(pickles[0])), archive, prefix, path).load()
    except CheckpointError:
        raise
    except Exception as error:  # noqa: BLE001 - any malformed description: one error naming the file
        raise CheckpointError(f"lamina.load: {path}: unreadable torch.save description ({error}).") from None
