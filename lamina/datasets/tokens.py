"""Token shards: corpora larger than memory as flat files of token ids (nanoGPT's .bin), with a JSON index.

    lamina datasets tokenize corpus/*.jsonl --out tokens/      # write the shards once
    TokenShards("tokens/", context=256)                       # (x, y) windows, any order, any size

A shard is a raw little-endian array of uint16 (or uint32 for vocabularies over 65,535 ids); `index.json`
lists the shards, their token counts and SHA-256, the dtype and the tokenizer. Documents are separated by
an end-of-text id, so a window may span two documents as in GPT-2's training.

Reading goes through `os.pread` of just the tokens a window needs, not a memory map: the measured resident
memory then stays flat however large the corpus (a memory map's pages count as resident once touched, and
a whole-file map needs address space an address-space limit may refuse). Writing streams too: a source is
read line by line and a shard is filled and flushed in pieces.
"""

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from lamina.data.dataset import Dataset, IterableDataset
from lamina.errors import DataError

FORMAT = "lamina-token-shards"
_FLUSH_TOKENS = 1 << 20  # tokens kept in memory while writing before they go to the shard file


class ByteTokenizer:
    """UTF-8 bytes as ids 0-255, and 256 as end-of-text: any text, no vocabulary to learn."""

    name = "bytes"
    vocab_size = 257
    eot = 256

    def encode(self, text: str) -> np.ndarray:
        return np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(np.uint16)

    def decode(self, ids) -> str:
        return bytes(int(i) for i in ids if int(i) < 256).decode("utf-8", errors="replace")

    def describe(self) -> dict:
        return {"name": self.name, "vocab_size": self.vocab_size, "eot": self.eot}


class CharTokenizer:
    """One id per character seen in the corpus (a first pass collects them), then end-of-text."""

    name = "chars"

    def __init__(self, characters):
        self.itos = sorted(set(characters))
        self.stoi = {c: i for i, c in enumerate(self.itos)}
        self.eot = len(self.itos)
        self.vocab_size = self.eot + 1

    def encode(self, text: str) -> np.ndarray:
        return np.fromiter((self.stoi[c] for c in text), dtype=np.uint32, count=len(text))

    def decode(self, ids) -> str:
        return "".join(self.itos[int(i)] for i in ids if int(i) < self.eot)

    def describe(self) -> dict:
        return {"name": self.name, "vocab_size": self.vocab_size, "eot": self.eot, "itos": "".join(self.itos)}


def tokenizer_from(description: dict):
    if description["name"] == "bytes":
        return ByteTokenizer()
    if description["name"] == "chars":
        return CharTokenizer(description["itos"])
    raise DataError(f"token shards: unknown tokenizer {description['name']!r} in the index.")


def documents(sources, field: str = "text"):
    """The documents of text files (one per file) and JSONL files (`record[field]` per line), streamed.

    A text file is yielded in pieces of lines (never read whole), each piece part of the same document.
    """
    for source in sources:
        path = Path(source)
        if not path.is_file():
            raise DataError(f"tokenize: {path} is not a file.")
        if path.suffix in (".jsonl", ".gz") or path.name.endswith(".jsonl.gz"):
            from lamina.datasets.jsonl import JsonlShards

            for record in JsonlShards(path.parent, pattern=path.name, field=field):
                yield record, True
        else:
            with open(path, encoding="utf-8") as file:
                piece = []
                for line in file:
                    piece.append(line)
                    if len(piece) == 4096:
                        yield "".join(piece), False
                        piece = []
                yield "".join(piece), True


def write_token_shards(sources, out_dir, tokenizer="bytes", field="text", shard_tokens=1 << 26) -> dict:
    """Tokenize `sources` (text or JSONL files) into shards of at most `shard_tokens` ids in out_dir.

    Returns the index (also written, last and atomically, as out_dir/index.json: a folder with an index is
    complete). tokenizer: "bytes" (UTF-8 bytes, nothing to learn) or "chars" (one pass more, to list them).
    """
    sources = [Path(s) for s in sources]
    if not sources:
        raise DataError("tokenize: name at least one text or JSONL file.")
    if shard_tokens < 1:
        raise DataError(f"tokenize: shard_tokens must be positive; got {shard_tokens}.")
    if tokenizer == "bytes":
        coder = ByteTokenizer()
    elif tokenizer == "chars":
        coder = CharTokenizer(c for text, _ in documents(sources, field) for c in text)
    else:
        raise DataError(f"tokenize: tokenizer must be 'bytes' or 'chars'; got {tokenizer!r}.")
    dtype = np.dtype("<u2") if coder.vocab_size <= 1 << 16 else np.dtype("<u4")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "index.json").unlink(missing_ok=True)  # an index appears only once every shard is complete
    writer = _ShardWriter(out, dtype, shard_tokens)
    for text, ends_document in documents(sources, field):
        writer.add(coder.encode(text))
        if ends_document:
            writer.add(np.asarray([coder.eot]))
    shards = writer.close()
    index = {
        "format": FORMAT,
        "version": 1,
        "dtype": dtype.name,
        "tokenizer": coder.describe(),
        "total_tokens": sum(s["tokens"] for s in shards),
        "shards": shards,
    }
    from lamina.serialization import write_atomically

    write_atomically(out / "index.json", json.dumps(index, indent=1).encode())
    return index


class _ShardWriter:
    """Appends ids to shard-NNNNN.bin files of at most `limit` tokens, flushing every _FLUSH_TOKENS."""

    def __init__(self, out: Path, dtype, limit: int):
        self.out, self.dtype, self.limit = out, dtype, limit
        self.shards, self.file, self.count, self.digest = [], None, 0, None
        self.pending, self.buffered = [], 0  # ids not yet written, and how many

    def add(self, ids: np.ndarray):
        ids = ids.astype(self.dtype, copy=False)
        while len(ids):
            if self.file is None:
                name = f"shard-{len(self.shards):05d}.bin"
                self.file, self.count, self.digest = open(self.out / (name + ".tmp"), "wb"), 0, hashlib.sha256()
                self.shards.append({"file": name, "tokens": 0})
            room = self.limit - self.count - self.buffered
            piece, ids = ids[:room], ids[room:]
            self.pending.append(piece)
            self.buffered += len(piece)
            if self.buffered >= _FLUSH_TOKENS:
                self._flush()
            if self.count + self.buffered == self.limit:
                self._finish()

    def _flush(self):
        if self.pending:
            data = np.concatenate(self.pending).tobytes()
            self.file.write(data)
            self.digest.update(data)
            self.count += self.buffered
            self.pending, self.buffered = [], 0

    def _finish(self):
        self._flush()
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        entry = self.shards[-1]
        entry["tokens"], entry["sha256"] = self.count, self.digest.hexdigest()
        os.replace(self.out / (entry["file"] + ".tmp"), self.out / entry["file"])
        self.file = None

    def close(self) -> list:
        if self.file is not None:
            self._finish()
        return self.shards


class _Tokens:
    """The shards of a folder read as one sequence of ids: `read(start, count)` preads only those ids."""

    def __init__(self, root, verify: bool = False):
        self.root = Path(root)
        path = self.root / "index.json"
        if not path.exists():
            raise DataError(
                f"TokenShards: {path} does not exist; write the shards first with "
                f"`lamina datasets tokenize FILES --out {self.root}` (an interrupted run leaves no index)."
            )
        try:
            self.index = json.loads(path.read_text())
        except json.JSONDecodeError as error:
            raise DataError(f"TokenShards: {path} is not valid JSON ({error}).") from None
        if self.index.get("format") != FORMAT:
            raise DataError(
                f"TokenShards: {path} is not a lamina token-shard index (format {self.index.get('format')!r})."
            )
        self.dtype = np.dtype(self.index["dtype"]).newbyteorder("<")
        self.tokenizer = tokenizer_from(self.index["tokenizer"])
        self.starts, self.sizes, self.paths = [], [], []
        position = 0
        for shard in self.index["shards"]:
            file = self.root / shard["file"]
            expected = shard["tokens"] * self.dtype.itemsize
            actual = file.stat().st_size if file.exists() else None
            if actual != expected:
                found = "missing" if actual is None else f"{actual} bytes"
                raise DataError(
                    f"TokenShards: {file} is {found} but the index says {shard['tokens']} tokens ({expected} "
                    "bytes): the folder is damaged; tokenize again."
                )
            if verify and hashlib.sha256(file.read_bytes()).hexdigest() != shard.get("sha256"):
                raise DataError(f"TokenShards: {file} does not match its SHA-256 in the index: tokenize again.")
            self.starts.append(position)
            self.sizes.append(shard["tokens"])
            self.paths.append(file)
            position += shard["tokens"]
        self.total = position
        self._descriptors = {}

    def read(self, start: int, count: int) -> np.ndarray:
        pieces = []
        shard = int(np.searchsorted(self.starts, start, side="right")) - 1
        while count > 0:
            offset = start - self.starts[shard]
            take = min(count, self.sizes[shard] - offset)
            data = os.pread(self._descriptor(shard), take * self.dtype.itemsize, offset * self.dtype.itemsize)
            pieces.append(np.frombuffer(data, dtype=self.dtype))
            start, count, shard = start + take, count - take, shard + 1
        return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)

    def _descriptor(self, shard: int) -> int:
        # opened per process (a forked DataLoader worker must not share a parent's descriptor offsets; pread
        # has none, but the table is keyed by pid so a worker opens its own)
        key = (os.getpid(), shard)
        if key not in self._descriptors:
            self._descriptors[key] = os.open(self.paths[shard], os.O_RDONLY)
        return self._descriptors[key]

    def __del__(self):
        for (pid, _), descriptor in getattr(self, "_descriptors", {}).items():
            if pid == os.getpid():
                os.close(descriptor)


def _window(tokens, start, context):
    ids = tokens.read(start, context + 1).astype(np.int64)
    from lamina.creation import tensor

    return tensor(ids[:-1]), tensor(ids[1:])


class TokenShards(Dataset):
    """(x, y) windows of `context` ids (y shifted by one) every `stride` ids, over all the shards as one
    sequence: a map-style dataset, so any sampler (shuffled, distributed) and the DataLoader's resume apply."""

    def __init__(self, root, context: int, stride=None, verify: bool = False):
        if context < 1:
            raise DataError(f"TokenShards: context must be at least 1; got {context}.")
        self.tokens = _Tokens(root, verify)
        self.context, self.stride = context, stride or context
        if self.tokens.total < context + 1:
            raise DataError(
                f"TokenShards: {root} holds {self.tokens.total} tokens, fewer than context + 1 = {context + 1}."
            )
        self.tokenizer = self.tokens.tokenizer

    def __len__(self):
        return (self.tokens.total - self.context - 1) // self.stride + 1

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(f"TokenShards: window {index} is out of range for {len(self)} windows.")
        return _window(self.tokens, (index % len(self)) * self.stride, self.context)


class TokenStream(IterableDataset):
    """The windows in order, split across ranks and loader workers, resuming at an exact token.

    Window w starts at token w * context; rank r of R (and worker k of K) takes the windows w with
    w % (R K) == its slot. Iterated directly, `state_dict()` is {"token": t}, the first token of the next
    window to hand out, and `load_state_dict` continues from there (bounded memory either way: nothing is
    read but the windows).
    """

    def __init__(self, root, context: int, rank: int = 0, world_size: int = 1):
        self.tokens = _Tokens(root)
        self.context, self.rank, self.world_size = context, rank, world_size
        self.tokenizer = self.tokens.tokenizer
        self.next_token = 0

    def __iter__(self):
        from lamina.data.worker import get_worker_info

        info = get_worker_info()
        workers, worker = (info.num_workers, info.id) if info is not None else (1, 0)
        total, slot = self.world_size * workers, self.rank * workers + worker
        windows = (self.tokens.total - 1) // self.context
        first = -(-self.next_token // self.context)  # the first window starting at or after next_token
        for window in range(first, windows):
            if window % total != slot:
                continue
            start = window * self.context
            if info is None:
                self.next_token = start + self.context
            yield _window(self.tokens, start, self.context)
        if info is None:
            self.next_token = 0  # a finished epoch: the next starts at the beginning

    def state_dict(self):
        return {"token": self.next_token}

    def load_state_dict(self, state):
        self.next_token = int(state["token"])
