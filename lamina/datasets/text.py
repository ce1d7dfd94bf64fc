"""Text: a tokenizer and vocabulary, SST-2 (sentiment), ParallelText (translation), TextCorpus (LM windows)."""

import csv
import re
from collections import Counter
from pathlib import Path

import numpy as np

from lamina.data.dataset import Dataset
from lamina.errors import DataError

_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def tokenize(text: str, lower: bool = True) -> list:
    """Words and single punctuation marks: "Don't stop!" -> ['don', "'", 't', 'stop', '!']."""
    return _TOKEN.findall(text.lower() if lower else text)


class Vocabulary:
    """Token <-> index, most frequent first after the specials <pad>=0, <unk>=1, <bos>=2, <eos>=3."""

    specials = ("<pad>", "<unk>", "<bos>", "<eos>")

    def __init__(self, tokens=(), min_freq: int = 1, max_size=None):
        counts = Counter(tokens)
        kept = [t for t, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])) if n >= min_freq]
        kept = [t for t in kept if t not in self.specials]
        if max_size is not None:
            kept = kept[: max(0, max_size - len(self.specials))]
        self.itos = list(self.specials) + kept
        self.stoi = {token: i for i, token in enumerate(self.itos)}

    pad, unk, bos, eos = 0, 1, 2, 3

    def __len__(self):
        return len(self.itos)

    def encode(self, tokens, add_bos_eos: bool = False) -> list:
        ids = [self.stoi.get(t, self.unk) for t in tokens]
        return [self.bos] + ids + [self.eos] if add_bos_eos else ids

    def decode(self, ids) -> list:
        return [self.itos[i] for i in ids]


class SST2(Dataset):
    """Stanford Sentiment Treebank, binary (GLUE's TSV: a header, then `sentence<TAB>label`).

    Samples are (token ids int64 array, label 0/1); `vocabulary` is built from this file unless given.
    """

    def __init__(self, path, vocabulary=None, min_freq: int = 1):
        path = Path(path)
        if not path.exists():
            raise DataError(
                f"SST2: {path} is missing; download GLUE's SST-2 (https://gluebenchmark.com/tasks) and "
                "give the path of train.tsv or dev.tsv."
            )
        with open(path, encoding="utf-8", newline="") as file:
            rows = list(csv.reader(file, delimiter="\t", quoting=csv.QUOTE_NONE))
        if not rows or rows[0][:2] != ["sentence", "label"]:
            raise DataError(f"SST2: {path} does not start with the GLUE header 'sentence<TAB>label'.")
        self.sentences, self.labels = [], []
        for line, row in enumerate(rows[1:], start=2):
            if len(row) != 2 or row[1] not in ("0", "1"):
                raise DataError(f"SST2: {path}, line {line}: expected 'sentence<TAB>0|1', got {row!r}.")
            self.sentences.append(tokenize(row[0]))
            self.labels.append(int(row[1]))
        self.vocabulary = vocabulary or Vocabulary((t for s in self.sentences for t in s), min_freq=min_freq)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return np.array(self.vocabulary.encode(self.sentences[index]), dtype=np.int64), self.labels[index]


class ParallelText(Dataset):
    """Sentence pairs for translation (WMT style): two line-aligned files, or one TSV `source<TAB>target`.

    Samples are (source ids, target ids) int64 arrays, the target framed by <bos> ... <eos>.
    """

    def __init__(
        self, source, target=None, source_vocabulary=None, target_vocabulary=None, min_freq: int = 1, max_length=None
    ):
        pairs = self._read_pairs(Path(source), Path(target) if target is not None else None)
        if max_length is not None:
            pairs = [(s, t) for s, t in pairs if len(s) <= max_length and len(t) <= max_length]
        self.pairs = pairs
        self.source_vocabulary = source_vocabulary or Vocabulary((t for s, _ in pairs for t in s), min_freq)
        self.target_vocabulary = target_vocabulary or Vocabulary((t for _, s in pairs for t in s), min_freq)

    @staticmethod
    def _read_pairs(source: Path, target):
        if target is None:
            pairs = []
            for line, text in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1):
                parts = text.split("\t")
                if len(parts) != 2:
                    raise DataError(f"ParallelText: {source}, line {line}: expected 'source<TAB>target'.")
                pairs.append((tokenize(parts[0]), tokenize(parts[1])))
            return pairs
        sources = source.read_text(encoding="utf-8").splitlines()
        targets = target.read_text(encoding="utf-8").splitlines()
        if len(sources) != len(targets):
            raise DataError(
                f"ParallelText: {source} has {len(sources)} lines but {target} has {len(targets)}; the "
                "files must be line-aligned."
            )
        return [(tokenize(s), tokenize(t)) for s, t in zip(sources, targets)]

    def __len__(self):
        return len(self.pairs)

    def __getitem__(self, index):
        source, target = self.pairs[index]
        return (
            np.array(self.source_vocabulary.encode(source), dtype=np.int64),
            np.array(self.target_vocabulary.encode(target, add_bos_eos=True), dtype=np.int64),
        )


class TextCorpus(Dataset):
    """Language-model windows from any text file: sample i is (x, y) with y = x shifted by one.

    level='char' builds a vocabulary of the characters present (itos / stoi); level='byte' uses the
    256 byte values. Windows of `context` tokens start every `stride` tokens (default: context).
    """

    def __init__(self, path=None, context: int = 64, level: str = "char", stride=None, text=None):
        if level not in ("char", "byte"):
            raise ValueError(f"TextCorpus: level must be 'char' or 'byte'; got {level!r}.")
        if text is None:
            path = Path(path)
            if not path.exists():
                raise DataError(f"TextCorpus: {path} does not exist.")
            text = path.read_bytes() if level == "byte" else path.read_text(encoding="utf-8")
        if level == "byte":
            data = np.frombuffer(text if isinstance(text, bytes) else text.encode("utf-8"), dtype=np.uint8)
            self.itos = [bytes([i]) for i in range(256)]
        else:
            self.itos = sorted(set(text))
            lookup = {c: i for i, c in enumerate(self.itos)}
            data = np.array([lookup[c] for c in text], dtype=np.int64)
        self.stoi = {token: i for i, token in enumerate(self.itos)}
        self.data = data.astype(np.int64)
        self.context, self.stride, self.level = context, stride or context, level
        if len(self.data) < context + 1:
            raise DataError(
                f"TextCorpus: the text has {len(self.data)} tokens, fewer than context + 1 = {context + 1}."
            )

    @property
    def vocab_size(self) -> int:
        return len(self.itos)

    def __len__(self):
        return (len(self.data) - self.context - 1) // self.stride + 1

    def __getitem__(self, index):
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"TextCorpus: index {index} out of range for {len(self)} windows.")
        start = index * self.stride
        chunk = self.data[start : start + self.context + 1]
        return chunk[:-1], chunk[1:]

    def encode(self, text) -> np.ndarray:
        if self.level == "byte":
            return np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(np.int64)
        return np.array([self.stoi[c] for c in text], dtype=np.int64)

    def decode(self, ids) -> str:
        if self.level == "byte":
            return bytes(int(i) for i in ids).decode("utf-8", errors="replace")
        return "".join(self.itos[int(i)] for i in ids)
