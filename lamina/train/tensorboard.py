"""A small TensorBoard writer: scalars and histograms as TensorBoard's event files, with no dependency.

An event file is a sequence of TFRecords (length, masked CRC-32C of the length, the bytes, masked CRC-32C of
the bytes), each holding one `Event` protocol buffer: a wall time, a step, and a `Summary` of tagged values.
The few messages needed are encoded here by hand (protobuf's wire format: varint keys, fixed 64-bit doubles,
length-delimited strings and messages), as documented in tensorboard/compat/proto/{event,summary}.proto.
TensorBoard itself is only a test dependency: the tests read these files back with its EventAccumulator.
"""

import math
import os
import socket
import struct
import time
from pathlib import Path


def _crc32c_table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1  # the Castagnoli polynomial, reflected
        table.append(crc)
    return table


_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _masked(crc: int) -> int:
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _record(data: bytes) -> bytes:
    length = struct.pack("<Q", len(data))
    return length + struct.pack("<I", _masked(crc32c(length))) + data + struct.pack("<I", _masked(crc32c(data)))


# --- protobuf's wire format, for the fields used here ---
def _varint(value: int) -> bytes:
    out = bytearray()
    value &= (1 << 64) - 1  # negative int64s take ten bytes, as protobuf encodes them
    while True:
        bits = value & 0x7F
        value >>= 7
        if value:
            out.append(bits | 0x80)
        else:
            out.append(bits)
            return bytes(out)


def _key(field: int, wire_type: int) -> bytes:
    return _varint(field << 3 | wire_type)


def _double(field: int, value: float) -> bytes:
    return _key(field, 1) + struct.pack("<d", value)


def _float(field: int, value: float) -> bytes:
    return _key(field, 5) + struct.pack("<f", value)


def _int(field: int, value: int) -> bytes:
    return _key(field, 0) + _varint(value)


def _bytes(field: int, value: bytes) -> bytes:
    return _key(field, 2) + _varint(len(value)) + value


def _packed_doubles(field: int, values) -> bytes:
    return _bytes(field, b"".join(struct.pack("<d", v) for v in values))


def _event(step: int, summary_values=(), file_version=None, graph_def=None) -> bytes:
    event = _double(1, time.time()) + _int(2, int(step))
    if file_version is not None:
        event += _bytes(3, file_version.encode())
    if graph_def is not None:
        event += _bytes(4, graph_def)  # Event.graph_def: a serialised GraphDef
    if summary_values:
        event += _bytes(5, b"".join(_bytes(1, value) for value in summary_values))  # Summary.value (repeated)
    return event


def _histogram(values) -> bytes:
    """HistogramProto of a flat list of floats: min, max, num, sum, sum of squares, 30 equal buckets."""
    import numpy as np

    values = np.asarray(values, dtype=np.float64).reshape(-1)
    values = values[np.isfinite(values)]
    if values.size == 0:
        values = np.zeros(1)
    low, high = float(values.min()), float(values.max())
    counts, edges = np.histogram(values, bins=30, range=(low, high) if high > low else (low - 0.5, low + 0.5))
    return (
        _double(1, low) + _double(2, high) + _double(3, float(values.size)) + _double(4, float(values.sum()))
        + _double(5, float((values * values).sum())) + _packed_doubles(6, edges[1:].tolist())
        + _packed_doubles(7, counts.astype(np.float64).tolist())
    )  # fmt: skip


class SummaryWriter:
    """torch.utils.tensorboard.SummaryWriter's core: add_scalar, add_scalars, add_histogram, flush, close."""

    def __init__(self, log_dir=None, comment="", flush_secs=120, filename_suffix=""):
        log_dir = Path(log_dir) if log_dir is not None else Path("runs") / f"{time.strftime('%b%d_%H-%M-%S')}{comment}"
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir = log_dir
        name = f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}.{os.getpid()}{filename_suffix}"
        self.path = log_dir / name
        self._file = open(self.path, "ab")
        self._write(_event(0, file_version="brain.Event:2"))

    def _write(self, event: bytes):
        self._file.write(_record(event))

    def add_scalar(self, tag: str, scalar_value, global_step: int = 0, walltime=None):
        value = float(scalar_value.item() if hasattr(scalar_value, "item") else scalar_value)
        self._write(_event(global_step, [_bytes(1, tag.encode()) + _float(2, value)]))

    def add_scalars(self, main_tag: str, tag_scalar_dict: dict, global_step: int = 0, walltime=None):
        for tag, value in tag_scalar_dict.items():
            self.add_scalar(f"{main_tag}/{tag}", value, global_step)

    def add_histogram(self, tag: str, values, global_step: int = 0, bins="tensorflow", walltime=None):
        array = values.numpy() if hasattr(values, "numpy") else values
        self._write(_event(global_step, [_bytes(1, tag.encode()) + _bytes(5, _histogram(array))]))

    def add_graph(self, model, input_to_model=None, verbose=False, use_strict_trace=True):
        """The model's forward as TensorBoard's graph: one node per primitive, grouped by the layer it ran in.

        Traced once on `input_to_model` (a tensor or a tuple of them) in eval mode without a graph, so the
        model's state (BatchNorm statistics, the random streams) is left as it was."""
        self._write(_event(0, graph_def=graph_def(model, input_to_model)))

    def flush(self):
        self._file.flush()

    def close(self):
        if not self._file.closed:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def graph_def(model, inputs) -> bytes:
    """A GraphDef (tensorflow/core/framework/graph.proto: repeated NodeDef {name, op, input}) of the ops one
    forward applies, traced with lamina.onnx's tracer. Node names carry the layer's path, which is how
    TensorBoard groups them into boxes; parameters are VariableV2 nodes named by their state_dict keys."""
    from lamina.autograd.grad_mode import no_grad
    from lamina.onnx.trace import Tracer, eval_mode

    inputs = inputs if isinstance(inputs, (tuple, list)) else (inputs,)
    names, nodes = {}, []

    def node(name, op, sources=()):
        nodes.append(_bytes(1, _bytes(1, name.encode()) + _bytes(2, op.encode())
                            + b"".join(_bytes(3, s.encode()) for s in sources)))  # fmt: skip

    for index, value in enumerate(inputs):
        names[id(value.array)] = f"input_{index}"
        node(f"input_{index}", "Placeholder")
    for name, parameter in model.named_parameters():
        if id(parameter.array) not in names:
            names[id(parameter.array)] = name
            node(name, "VariableV2")
    with eval_mode(model), no_grad(), Tracer(model) as tracer:
        model(*inputs)
    for number, step in enumerate(tracer.steps):
        scope = step.layer.split(" (")[0] if not step.layer.startswith("the model") else ""
        name = f"{scope}/{step.op.replace(':', '_')}_{number}" if scope else f"{step.op.replace(':', '_')}_{number}"
        sources = []
        for value in step.inputs:
            source = names.get(id(value.array))
            if source is None:
                source = names[id(value.array)] = (
                    f"{scope}/Const_{number}_{len(sources)}" if scope else f"Const_{number}"
                )
                node(source, "Const")
            sources.append(source)
        names[id(step.output.array)] = name
        node(name, step.op.split(":")[0] if ":" not in step.op else step.op.split(":")[1].capitalize(), sources)
    versions = _bytes(4, _int(1, 1))  # GraphDef.versions {producer: 1}
    return b"".join(nodes) + versions


def log_epoch(writer: SummaryWriter, record: dict, model, step: int):
    """One epoch in TensorBoard: every number of the record as a scalar, and a histogram per parameter."""
    for key, value in record.items():
        if key not in ("epoch", "step") and isinstance(value, (int, float)) and math.isfinite(value):
            group = "val" if key.startswith("val_") else "train" if key.startswith("train_") else "optim"
            writer.add_scalar(f"{group}/{key.removeprefix('val_').removeprefix('train_')}", value, step)
    for name, parameter in model.named_parameters():
        writer.add_histogram(f"weights/{name}", parameter.detach(), step)
    writer.flush()
