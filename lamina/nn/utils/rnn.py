"""Variable-length sequences for the recurrent layers (torch.nn.utils.rnn): pad, pack and unpack.

A PackedSequence holds the batch's steps time-major with the padding left out: `data` (sum of the
lengths, *), `batch_sizes` (how many sequences are still running at each step), and the sorting
permutation when the batch was not sorted by length. RNN/LSTM/GRU take one and return one; inside
they run the padded batch with each sequence's state frozen after its last step, which gives the
same outputs and final states as PyTorch's packed kernels. Packing and unpacking are index gathers
and scatters of primitives, so gradients flow through them.
"""

from collections import namedtuple

from lamina import creation
from lamina import functional as core
from lamina.errors import ShapeError, shape_str
from lamina.ops.indexing import IndexPut, getitem
from lamina.ops.movement import ConstantPad
from lamina.tensor import Tensor


class PackedSequence(namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    def to(self, *args, **kwargs):
        return PackedSequence(self.data.to(*args, **kwargs), *self[1:])

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda


# Lengths, batch sizes and permutations are short host-side integer lists (PyTorch keeps lengths on the CPU too).
def _lengths(lengths) -> list:
    values = [int(n) for n in (lengths.reshape(-1).tolist() if isinstance(lengths, Tensor) else lengths)]
    if values and min(values) <= 0:
        raise ValueError(f"pack_padded_sequence: every length must be positive; got {values}.")
    return values


def _batch_sizes(ordered_lengths: list) -> list:
    """How many of the (longest-first) sequences are still running at each step."""
    return [sum(1 for n in ordered_lengths if n > t) for t in range(ordered_lengths[0] if ordered_lengths else 0)]


def _positions(batch_sizes: list):
    """(time, batch) of every packed element, in packed order."""
    time = [t for t, size in enumerate(batch_sizes) for _ in range(size)]
    batch = [b for size in batch_sizes for b in range(size)]
    return time, batch


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True) -> PackedSequence:
    """(T, B, *) (or (B, T, *) with batch_first) and B lengths -> a PackedSequence."""
    lengths = _lengths(lengths)
    padded = input.transpose(0, 1) if batch_first else input  # (T, B, *)
    if padded.ndim < 2 or len(lengths) != padded.shape[1]:
        raise ShapeError(
            f"pack_padded_sequence: {len(lengths)} lengths for a batch of {padded.shape[1] if padded.ndim > 1 else 0} "
            f"(input shape {shape_str(input.shape)}, batch_first={batch_first})."
        )
    if max(lengths) > padded.shape[0]:
        raise ShapeError(f"pack_padded_sequence: a length of {max(lengths)} exceeds the {padded.shape[0]} steps.")
    if enforce_sorted:
        if any(later > earlier for earlier, later in zip(lengths, lengths[1:])):
            raise ValueError(
                "pack_padded_sequence: `lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep "
                "this requirement if you do not need ONNX exportability."
            )
        order, sorted_indices, unsorted_indices = list(range(len(lengths))), None, None
    else:
        order = sorted(range(len(lengths)), key=lambda i: -lengths[i])  # stable: ties keep their order
        sorted_indices = creation.tensor(order, device=input.device)
        unsorted_indices = creation.tensor(sorted(range(len(order)), key=order.__getitem__), device=input.device)
    batch_sizes = _batch_sizes([lengths[i] for i in order])
    time, batch = _positions(batch_sizes)
    index = (
        creation.tensor(time, device=input.device),
        creation.tensor([order[b] for b in batch], device=input.device),
    )
    return PackedSequence(getitem(padded, index), creation.tensor(batch_sizes), sorted_indices, unsorted_indices)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """A PackedSequence -> (padded (T, B, *) or (B, T, *), lengths (B,) int64), in the original batch order."""
    data, batch_sizes = sequence.data, [int(n) for n in sequence.batch_sizes.tolist()]
    steps = len(batch_sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"pad_packed_sequence: total_length {total_length} is less than the {steps} steps.")
        steps = total_length
    batch = int(batch_sizes[0]) if len(batch_sizes) else 0
    time, position = _positions(batch_sizes)
    order = sequence.sorted_indices.tolist() if sequence.sorted_indices is not None else list(range(batch))
    index = (creation.tensor(time, device=data.device).array, creation.tensor([order[p] for p in position]).array)
    padded = IndexPut.apply(data.new_full((steps, batch, *data.shape[1:]), padding_value), data, index=index)
    lengths = [0] * batch
    for rank, original in enumerate(order):  # the rank-th longest sequence runs while batch_sizes[t] > rank
        lengths[original] = sum(1 for size in batch_sizes if size > rank)
    padded = padded.transpose(0, 1) if batch_first else padded
    return padded, creation.tensor(lengths)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Tensors (L_i, *) -> (max L, B, *) (or (B, max L, *)), padded with padding_value."""
    if not sequences:
        raise ValueError("pad_sequence: received an empty list of sequences.")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        widths = ((0, missing) if padding_side == "right" else (missing, 0),) + ((0, 0),) * (s.ndim - 1)
        padded.append(ConstantPad.apply(s, widths=widths, value=padding_value) if missing else s)
    return core.stack(padded, 0 if batch_first else 1)


def pack_sequence(sequences, enforce_sorted=True) -> PackedSequence:
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    padded = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [padded[i, :length] for i, length in enumerate(_lengths(lengths).tolist())]


def unpack_sequence(packed_sequences):
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
