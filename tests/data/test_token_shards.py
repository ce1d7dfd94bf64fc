"""Token shards: written from text and JSONL, read back as windows equal to the corpus's ids, damaged
folders refused, an exact-token resume, and flat resident memory on a corpus larger than the bound."""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import lamina
from lamina.data import DataLoader
from lamina.datasets.tokens import ByteTokenizer, TokenShards, TokenStream, write_token_shards
from lamina.errors import DataError


@pytest.fixture
def corpus(tmp_path):
    (tmp_path / "a.txt").write_text("The quick brown fox\njumps over the lazy dog.\nÉté, naïve café.\n")
    lines = [json.dumps({"text": f"document {i}: " + "ab" * i, "id": i}) for i in range(20)]
    (tmp_path / "b.jsonl").write_text("\n".join(lines) + "\n")
    return [tmp_path / "a.txt", tmp_path / "b.jsonl"]


def _expected_bytes(paths):
    ids = list(paths[0].read_text().encode()) + [256]
    for line in paths[1].read_text().splitlines():
        ids += list(json.loads(line)["text"].encode()) + [256]
    return np.asarray(ids)


@pytest.mark.parametrize("shard_tokens", [1 << 20, 37])  # one shard, and windows across shard boundaries
def test_windows_are_the_corpus_ids(corpus, tmp_path, shard_tokens):
    index = write_token_shards(corpus, tmp_path / "tokens", shard_tokens=shard_tokens)
    expected = _expected_bytes(corpus)
    assert index["total_tokens"] == len(expected) and index["dtype"] == "uint16"
    assert all(s["tokens"] <= shard_tokens for s in index["shards"])
    windows = TokenShards(tmp_path / "tokens", context=16, stride=5)
    assert len(windows) == (len(expected) - 17) // 5 + 1
    for i in (0, 1, len(windows) // 2, len(windows) - 1):
        x, y = windows[i]
        assert x.tolist() == expected[i * 5 : i * 5 + 16].tolist()
        assert y.tolist() == expected[i * 5 + 1 : i * 5 + 17].tolist()
    assert ByteTokenizer().decode(windows[0][0].tolist()) == "The quick brown "


def test_characters_and_a_wide_vocabulary(tmp_path):
    text = "".join(chr(0x10000 + i) for i in range(70_000))  # more ids than uint16 holds
    (tmp_path / "wide.txt").write_text(text)
    index = write_token_shards([tmp_path / "wide.txt"], tmp_path / "tokens", tokenizer="chars")
    assert index["dtype"] == "uint32" and index["tokenizer"]["vocab_size"] == 70_001
    windows = TokenShards(tmp_path / "tokens", context=8)
    assert windows.tokenizer.decode(windows[3][0].tolist()) == text[24:32]


def test_damaged_and_unfinished_folders_are_refused(corpus, tmp_path):
    with pytest.raises(DataError, match="lamina datasets tokenize"):
        TokenShards(tmp_path / "nothing", context=4)
    write_token_shards(corpus, tmp_path / "tokens", shard_tokens=50)
    shard = tmp_path / "tokens" / "shard-00001.bin"
    shard.write_bytes(shard.read_bytes()[:-2])
    with pytest.raises(DataError, match="shard-00001.bin is 98 bytes but the index says 50 tokens"):
        TokenShards(tmp_path / "tokens", context=4)
    (tmp_path / "bad.jsonl").write_text('{"text": "fine"}\n{not json\n')
    with pytest.raises(DataError, match="line 2: invalid JSON"):
        write_token_shards([tmp_path / "bad.jsonl"], tmp_path / "tokens")
    assert not (tmp_path / "tokens" / "index.json").exists()  # the interrupted write left no index behind
    with pytest.raises(DataError, match="tokenizer must be"):
        write_token_shards(corpus, tmp_path / "other", tokenizer="bpe")


def test_stream_resumes_at_the_exact_token_and_ranks_split_it(corpus, tmp_path):
    write_token_shards(corpus, tmp_path / "tokens", shard_tokens=40)
    whole = [x.tolist() for x, _ in TokenStream(tmp_path / "tokens", context=8)]
    first = TokenStream(tmp_path / "tokens", context=8)
    iterator = iter(first)
    head = [next(iterator)[0].tolist() for _ in range(5)]
    state = first.state_dict()
    assert state == {"token": 40}
    resumed = TokenStream(tmp_path / "tokens", context=8)
    resumed.load_state_dict(state)
    assert head + [x.tolist() for x, _ in resumed] == whole
    ranks = [[x.tolist() for x, _ in TokenStream(tmp_path / "tokens", 8, rank=r, world_size=2)] for r in (0, 1)]
    assert ranks[0] == whole[0::2] and ranks[1] == whole[1::2]  # disjoint, and together every window


def test_a_loader_with_workers_gives_the_same_batches(corpus, tmp_path):
    write_token_shards(corpus, tmp_path / "tokens", shard_tokens=64)
    windows = TokenShards(tmp_path / "tokens", context=8)
    single = [x.tolist() for x, _ in DataLoader(windows, batch_size=4)]
    workers = [x.tolist() for x, _ in DataLoader(windows, batch_size=4, num_workers=2)]
    assert single == workers
    shuffled = DataLoader(windows, batch_size=4, shuffle=True, generator=lamina.Generator().manual_seed(0))
    assert sorted(sum((x.tolist() for x, _ in shuffled), [])) == sorted(sum(single, []))


BOUNDED = textwrap.dedent(
    """
    import sys, numpy as np
    from lamina.datasets.tokens import TokenStream

    def rss_mb():
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024

    stream = TokenStream(sys.argv[1], context=1024)
    stop_at = int(sys.argv[2])
    baseline, peak, seen, total = rss_mb(), 0.0, 0, 0
    windows = iter(stream)
    for number in range(stop_at):
        try:
            x, y = next(windows)
        except StopIteration:
            break
        total = (total + int(x.numpy().sum())) % (1 << 61)
        seen += 1
        if number % 500 == 0:
            peak = max(peak, rss_mb())
    print(baseline, max(peak, rss_mb()), seen, total, stream.state_dict()["token"])
    """
)


def test_a_corpus_larger_than_the_memory_bound_streams_flat_and_resumes(tmp_path):
    """96 MB of shards read with resident memory growing by less than 24 MB: the corpus is 4x the bound."""
    rng = np.random.default_rng(0)
    text = tmp_path / "big.txt"
    with open(text, "w") as file:
        for _ in range(48):  # 48 MB of text, in 1 MB pieces of 100-character lines
            letters = rng.integers(97, 123, size=(10_000, 100), dtype=np.uint8)
            letters[:, -1] = 10
            file.write(letters.tobytes().decode("ascii"))
    assert subprocess.run(
        [sys.executable, "-m", "lamina.cli.main", "datasets", "tokenize", str(text), "--out", str(tmp_path / "tok")],
        capture_output=True, text=True, timeout=300,
    ).returncode == 0  # fmt: skip
    shards = sum(p.stat().st_size for p in (tmp_path / "tok").glob("*.bin"))
    assert shards > 96_000_000

    def run(stop_at, resume_from=None):
        script = BOUNDED if resume_from is None else BOUNDED.replace(
            "stop_at = int", f"stream.load_state_dict({{'token': {resume_from}}}); stop_at = int"
        )  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / "tok"), str(stop_at)], capture_output=True, text=True, timeout=300
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        baseline, peak, seen, total, token = done.stdout.split()
        return float(baseline), float(peak), int(seen), int(total), int(token)

    baseline, peak, seen, total, _ = run(10**9)
    assert seen == (shards // 2 - 1) // 1024
    assert peak - baseline < 24, (
        f"resident memory grew by {peak - baseline:.1f} MB over {shards / 1e6:.0f} MB of shards"
    )
    _, _, head_seen, head_total, token = run(20_000)
    assert token == 20_000 * 1024
    _, _, tail_seen, tail_total, _ = run(10**9, resume_from=token)
    assert head_seen + tail_seen == seen and (head_total + tail_total) % (1 << 61) == total
