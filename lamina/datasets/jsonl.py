"""JsonlShards: stream OSCAR-style `*.jsonl[.gz]` shards (or plain `*.txt[.gz]` shards, one record per line)
line by line, never loading a shard whole."""

import gzip
import json
from pathlib import Path

from lamina.data.dataset import IterableDataset
from lamina.errors import DataError


class JsonlShards(IterableDataset):
    """Yields `record[field]` (or the whole record) for every line of every shard, in sorted shard order.

    Sharded across data-loader workers and across ranks (rank, world_size) by line, so each record is
    seen exactly once per epoch. Iterated directly, `state_dict()` records how many records were handed
    out and `load_state_dict` resumes after them; inside a DataLoader, the loader's own state_dict is
    the position to save (it resumes any stream).
    """

    def __init__(self, root, pattern="*.jsonl*", field="text", rank=0, world_size=1, transform=None):
        self.root, self.field, self.transform = Path(root), field, transform
        self.files = sorted(p for p in self.root.glob(pattern) if p.suffix in (".jsonl", ".txt", ".gz"))
        if not self.files:
            raise DataError(f"JsonlShards: no files matching {pattern} in {self.root}.")
        self.rank, self.world_size = rank, world_size
        self.position = 0  # records handed out in the current epoch, for resuming

    def _records(self):
        for path in self.files:
            opener = gzip.open if path.suffix == ".gz" else open
            with opener(path, "rt", encoding="utf-8") as file:
                plain = path.name.endswith((".txt", ".txt.gz"))  # a text shard: each line is a record
                for line_number, line in enumerate(file, start=1):
                    if not line.strip():
                        continue
                    if plain:
                        yield line.rstrip("\n")
                        continue
                    try:
                        record = json.loads(line)
                    except json.JSONDecodeError as error:
                        raise DataError(f"JsonlShards: {path}, line {line_number}: invalid JSON ({error}).") from None
                    if self.field is not None:
                        if self.field not in record:
                            raise DataError(f"JsonlShards: {path}, line {line_number}: no field {self.field!r}.")
                        record = record[self.field]
                    yield record

    def __iter__(self):
        from lamina.data.worker import get_worker_info

        direct = get_worker_info() is None  # inside loader workers the loader keeps the position instead
        skip = self.position if direct else 0
        for number, record in enumerate(self.shard(self._records(), self.rank, self.world_size)):
            if number < skip:
                continue
            if direct:
                self.position = number + 1
            yield self.transform(record) if self.transform is not None else record
        if direct:
            self.position = 0  # a finished epoch: the next one starts from the beginning

    def state_dict(self):
        return {"position": self.position}

    def load_state_dict(self, state):
        self.position = state["position"]
