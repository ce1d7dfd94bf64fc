"""Dataset readers on small files in the real formats, written here; corrupt variants answered (rows 29-30)."""

import gzip
import json

import numpy as np
import pytest

import lamina
from lamina import datasets
from lamina.data import DataLoader


def write_idx(path, array, magic_type=0x08, compress=False):
    header = bytes([0, 0, magic_type, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    payload = header + array.astype(">u1" if magic_type == 0x08 else ">i4").tobytes()
    path.write_bytes(gzip.compress(payload) if compress else payload)


@pytest.fixture
def mnist_root(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 28, 28)).astype(np.uint8)
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    write_idx(raw / "t10k-images-idx3-ubyte", images)
    write_idx(raw / "t10k-labels-idx1-ubyte", labels)
    return tmp_path, images, labels


def test_mnist_reads_torchvision_layout(mnist_root):
    root, images, labels = mnist_root
    test_set = datasets.MNIST(root, train=False)
    assert len(test_set) == 5 and test_set[2][1] == 4
    np.testing.assert_array_equal(test_set[0][0], images[0])
    batch = next(iter(DataLoader(test_set, batch_size=5)))
    assert batch[0].shape == (5, 28, 28) and batch[1].tolist() == labels.tolist()
    with pytest.raises(lamina.DataError, match="train-images-idx3-ubyte.gz is missing. Pass download=True"):
        datasets.MNIST(root, train=True)


def test_idx_gzip_and_corrupt_variants(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "a.gz", array, compress=True)
    np.testing.assert_array_equal(datasets.read_idx(tmp_path / "a.gz"), array)
    write_idx(tmp_path / "ints", np.array([1, -2, 300]), magic_type=0x0C)
    assert datasets.read_idx(tmp_path / "ints").tolist() == [1, -2, 300]
    (tmp_path / "bad").write_bytes(b"\x12\x34\x08\x01" + b"\0" * 8)
    with pytest.raises(lamina.DataError, match="not an IDX file"):
        datasets.read_idx(tmp_path / "bad")
    write_idx(tmp_path / "short", array)
    (tmp_path / "short").write_bytes((tmp_path / "short").read_bytes()[:-5])
    with pytest.raises(lamina.DataError, match=r"header promises \(2, 3, 4\) items .* truncated"):
        datasets.read_idx(tmp_path / "short")


def test_mnist_label_out_of_range(mnist_root):
    root, _, _ = mnist_root
    write_idx(root / "MNIST" / "raw" / "t10k-labels-idx1-ubyte", np.array([3, 1, 12, 1, 5], dtype=np.uint8))
    with pytest.raises(lamina.DataError, match="labels out of range 0..9"):
        datasets.MNIST(root, train=False)


def test_row_29_checksum_mismatch_names_file_and_hashes(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    (raw / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"not mnist"))
    with pytest.raises(lamina.DataError, match=r"sha256 mismatch \(expected 8d422c7b.*, actual [0-9a-f]{64}\)"):
        datasets.MNIST(tmp_path, train=False)


def write_cifar(path, labels, label_bytes=1):
    rng = np.random.default_rng(1)
    rows = []
    for label in labels:
        prefix = bytes([0, label]) if label_bytes == 2 else bytes([label])
        rows.append(prefix + rng.integers(0, 256, 3072).astype(np.uint8).tobytes())
    path.write_bytes(b"".join(rows))
    return rows


def test_cifar_binary(tmp_path):
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    rows = write_cifar(folder / "test_batch.bin", [3, 7])
    test_set = datasets.CIFAR10(tmp_path, train=False)
    image, label = test_set[1]
    assert len(test_set) == 2 and label == 7 and image.shape == (32, 32, 3)
    assert image[0, 1, 0] == rows[1][1 + 1] and image[0, 0, 2] == rows[1][1 + 2048]  # red plane, then blue
    (folder / "test_batch.bin").write_bytes(rows[0][:-10])
    with pytest.raises(lamina.DataError, match="not a whole number of 3073-byte CIFAR records"):
        datasets.CIFAR10(tmp_path, train=False)
    write_cifar(folder / "test_batch.bin", [10])
    with pytest.raises(lamina.DataError, match="label 10 is out of range for 10 classes"):
        datasets.CIFAR10(tmp_path, train=False)
    hundred = tmp_path / "cifar-100-binary"
    hundred.mkdir()
    write_cifar(hundred / "test.bin", [42, 99], label_bytes=2)
    assert [y for _, y in datasets.CIFAR100(tmp_path, train=False)] == [42, 99]


def test_cifar_offers_torchvisions_attributes_and_names_its_pickled_download(tmp_path):
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    write_cifar(folder / "test_batch.bin", [3, 7])
    test_set = datasets.CIFAR10(tmp_path, train=False)
    assert test_set.data.shape == (2, 32, 32, 3) and test_set.targets == [3, 7]
    assert test_set.class_to_idx["cat"] == 3
    elsewhere = tmp_path / "torchvision"
    (elsewhere / "cifar-10-batches-py").mkdir(parents=True)
    with pytest.raises(lamina.DataError, match="torchvision's pickled batches.*cifar-10-binary.tar.gz"):
        datasets.CIFAR10(elsewhere, train=False)


def test_image_folder(tmp_path):
    from PIL import Image

    for name, color in (("cat", (255, 0, 0)), ("dog", (0, 0, 255))):
        (tmp_path / name).mkdir()
        for i in range(2):
            Image.new("RGB", (6, 4), color).save(tmp_path / name / f"{i}.png")
    (tmp_path / "dog" / "notes.txt").write_text("not an image")
    folder = datasets.ImageFolder(tmp_path, transform=lamina.transforms.ToTensor())
    assert folder.classes == ["cat", "dog"] and len(folder) == 4
    image, label = folder[3]
    assert label == 1 and image.shape == (3, 4, 6) and image[2].numpy().min() == 1.0
    (tmp_path / "cat" / "broken.png").write_bytes(b"\x89PNG garbage")
    broken = datasets.ImageFolder(tmp_path)
    with pytest.raises(lamina.DataError, match="broken.png: cannot decode the image"):
        broken[[p.name for p, _ in broken.samples].index("broken.png")]


def test_sst2_and_vocabulary(tmp_path):
    path = tmp_path / "train.tsv"
    path.write_text("sentence\tlabel\nit 's a charming film .\t1\na dull , lifeless film\t0\n")
    sst = datasets.SST2(path)
    ids, label = sst[0]
    assert label == 1 and sst.vocabulary.decode(ids) == ["it", "'", "s", "a", "charming", "film", "."]
    assert sst.vocabulary.itos[:4] == ["<pad>", "<unk>", "<bos>", "<eos>"] and sst.vocabulary.itos[4] in ("a", "film")
    (tmp_path / "bad.tsv").write_text("sentence\tlabel\nno label here\n")
    with pytest.raises(lamina.DataError, match="line 2"):
        datasets.SST2(tmp_path / "bad.tsv")


def test_parallel_text(tmp_path):
    (tmp_path / "src.en").write_text("the cat\nthe dog runs\n")
    (tmp_path / "tgt.de").write_text("die katze\nder hund rennt\n")
    pairs = datasets.ParallelText(tmp_path / "src.en", tmp_path / "tgt.de")
    source, target = pairs[1]
    assert pairs.source_vocabulary.decode(source) == ["the", "dog", "runs"]
    assert pairs.target_vocabulary.decode(target) == ["<bos>", "der", "hund", "rennt", "<eos>"]
    (tmp_path / "pairs.tsv").write_text("hello\thallo\n")
    assert len(datasets.ParallelText(tmp_path / "pairs.tsv")) == 1
    (tmp_path / "short.de").write_text("nur eins\n")
    with pytest.raises(lamina.DataError, match="line-aligned"):
        datasets.ParallelText(tmp_path / "src.en", tmp_path / "short.de")


def test_text_corpus_char_and_byte(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("hello world, hello lamina")
    corpus = datasets.TextCorpus(path, context=5)
    x, y = corpus[1]
    assert corpus.decode(x) == " worl" and corpus.decode(y) == "world" and len(corpus) == 4
    assert corpus.decode(corpus.encode("hello")) == "hello"
    raw = datasets.TextCorpus(path, context=4, level="byte", stride=2)
    assert raw.vocab_size == 256 and raw.decode(raw[0][0]) == "hell"
    sonnets = datasets.Sonnets(context=32)
    assert len(sonnets) > 100 and "From fairest creatures" in sonnets.decode(sonnets.data[:200])


def test_jsonl_shards_stream_and_resume(tmp_path):
    records = [{"text": f"doc {i}"} for i in range(7)]
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(r) for r in records[:4]) + "\n")
    with gzip.open(tmp_path / "b.jsonl.gz", "wt") as file:
        file.write("\n".join(json.dumps(r) for r in records[4:]))
    stream = datasets.JsonlShards(tmp_path)
    assert list(stream) == [r["text"] for r in records]
    iterator = iter(stream)
    first = [next(iterator) for _ in range(3)]
    state = stream.state_dict()
    resumed = datasets.JsonlShards(tmp_path)
    resumed.load_state_dict(state)
    assert first + list(resumed) == [r["text"] for r in records]
    seen = [t for batch in DataLoader(datasets.JsonlShards(tmp_path), batch_size=2, num_workers=2) for t in batch]
    assert sorted(seen) == sorted(r["text"] for r in records)
    (tmp_path / "c.jsonl").write_text("{broken\n")
    with pytest.raises(lamina.DataError, match="c.jsonl, line 1: invalid JSON"):
        list(datasets.JsonlShards(tmp_path))


def test_text_shards_stream_and_resume_by_line(tmp_path):
    (tmp_path / "part-0.txt").write_text("first line\nsecond line\n\nthird\n")
    with gzip.open(tmp_path / "part-1.txt.gz", "wt") as file:
        file.write("fourth\nfifth")
    stream = datasets.JsonlShards(tmp_path, pattern="*.txt*")
    lines = ["first line", "second line", "third", "fourth", "fifth"]
    assert list(stream) == lines
    iterator = iter(stream)
    head = [next(iterator) for _ in range(2)]
    resumed = datasets.JsonlShards(tmp_path, pattern="*.txt*")
    resumed.load_state_dict(stream.state_dict())
    assert head + list(resumed) == lines
    ranks = [list(datasets.JsonlShards(tmp_path, pattern="*.txt*", rank=r, world_size=2)) for r in (0, 1)]
    assert ranks == [lines[0::2], lines[1::2]]


def encode_counts(runs):
    """pycocotools' string encoding (its rleToString), written out here to test the decoder against."""
    text = ""
    for i, value in enumerate(runs):
        x = value - runs[i - 2] if i > 2 else value
        more = True
        while more:
            c = x & 0x1F
            x >>= 5
            more = x != -1 if c & 0x10 else x != 0
            text += chr((c | 0x20 if more else c) + 48)
    return text


def test_coco_polygon_and_rle_masks(tmp_path):
    from PIL import Image

    Image.new("RGB", (6, 5)).save(tmp_path / "img.png")
    square = [1, 1, 4, 1, 4, 3, 1, 3]  # pixel centres x in 1.5..3.5, y in 1.5..2.5
    expected_square = np.zeros((5, 6), dtype=np.uint8)
    expected_square[1:3, 1:4] = 1
    # column-major runs: 10 background, 2 foreground, 18 background (a 2-pixel vertical bar at column 2)
    uncompressed = {"counts": [11, 2, 17], "size": [5, 6]}
    expected_bar = np.zeros((5, 6), dtype=np.uint8)
    expected_bar[1:3, 2] = 1
    annotations = {
        "images": [{"id": 7, "file_name": "img.png", "height": 5, "width": 6}],
        "categories": [{"id": 1, "name": "box"}, {"id": 3, "name": "bar"}],
        "annotations": [
            {"id": 1, "image_id": 7, "category_id": 1, "segmentation": [square], "bbox": [1, 1, 3, 2], "iscrowd": 0},
            {"id": 2, "image_id": 7, "category_id": 3, "segmentation": uncompressed, "iscrowd": 1},
        ],
    }
    path = tmp_path / "instances.json"
    path.write_text(json.dumps(annotations))
    np.testing.assert_array_equal(datasets.polygon_mask([square], 5, 6), expected_square)
    np.testing.assert_array_equal(datasets.decode_rle(uncompressed), expected_bar)
    # pycocotools' compressed form of the same runs [11, 2, 17] (17 needs a continuation group: "a0")
    assert datasets.decode_rle({"counts": ";2a0", "size": [5, 6]}).tolist() == expected_bar.tolist()
    for runs in ([11, 2, 17], [0, 30], [3, 4, 5, 1, 2, 15], [1, 100, 2, 3, 50, 4]):
        size = [sum(runs), 1]
        mask = datasets.decode_rle({"counts": encode_counts(runs), "size": size})
        assert mask.sum() == sum(runs[1::2])
    detection = datasets.CocoDetection(tmp_path, path)
    assert len(detection) == 1 and [a["id"] for a in detection[0][1]] == [1, 2]
    _, mask = datasets.CocoSegmentation(tmp_path, path)[0]
    assert mask[1, 1] == 1 and mask[1, 2] == 3 and mask[0, 0] == 0  # the RLE annotation paints over the box
    annotations["annotations"][0]["category_id"] = 9
    path.write_text(json.dumps(annotations))
    with pytest.raises(lamina.DataError, match="unknown category 9"):
        datasets.CocoDetection(tmp_path, path)


def test_cityscapes_train_ids(tmp_path):
    from PIL import Image

    image_dir = tmp_path / "leftImg8bit" / "val" / "bonn"
    label_dir = tmp_path / "gtFine" / "val" / "bonn"
    image_dir.mkdir(parents=True)
    label_dir.mkdir(parents=True)
    Image.new("RGB", (3, 2)).save(image_dir / "bonn_000000_000019_leftImg8bit.png")
    Image.fromarray(np.array([[7, 26, 0], [24, 33, 4]], dtype=np.uint8)).save(
        label_dir / "bonn_000000_000019_gtFine_labelIds.png"
    )
    _, mask = datasets.Cityscapes(tmp_path, split="val")[0]
    assert mask.tolist() == [[0, 13, 255], [11, 18, 255]]
    with pytest.raises(lamina.DataError, match="no images"):
        datasets.Cityscapes(tmp_path, split="train")


def test_audio_folder_and_wav(tmp_path):
    rate = 8000
    t = np.arange(rate // 4) / rate
    for label, frequency in (("high", 1000.0), ("low", 250.0)):
        (tmp_path / label).mkdir()
        datasets.write_wav(tmp_path / label / "clip.wav", 0.5 * np.sin(2 * np.pi * frequency * t), rate)
    folder = datasets.AudioFolder(tmp_path)
    waveform, label = folder[0]
    assert folder.classes == ["high", "low"] and label == 0 and waveform.shape == (1, rate // 4)
    np.testing.assert_allclose(waveform[0], 0.5 * np.sin(2 * np.pi * 1000 * t), atol=1e-4)
    resampled, _ = datasets.AudioFolder(tmp_path, sample_rate=16000)[1]
    assert resampled.shape == (1, rate // 2)
    (tmp_path / "low" / "broken.wav").write_bytes(b"RIFF0000WAVE")
    with pytest.raises(lamina.DataError, match="not a readable PCM WAV"):
        datasets.read_wav(tmp_path / "low" / "broken.wav")


def test_digits_shipped_and_split():
    train, test = datasets.Digits(), datasets.Digits(train=False)
    assert len(train) + len(test) == 1797 and len(test) == 359
    image, label = train[0]
    assert image.shape == (8, 8) and image.max() <= 16 and 0 <= label <= 9
    counts = np.bincount([label for _, label in test], minlength=10)
    assert counts.min() >= 30  # stratified: every class is in the test split


def test_generated_sets_are_pure_functions_of_n_and_seed():
    g = datasets.generated
    x, y = g.logic_gate("xor")
    assert y.tolist() == [0, 1, 1, 0] and x.shape == (4, 2) and g.logic_gate("not")[1].tolist() == [1, 0]
    for make in (g.xor, g.two_spirals, g.retina_shapes, g.tc_problem):
        a, b = make(50, seed=3), make(50, seed=3)
        np.testing.assert_array_equal(a[0], b[0])
        assert not np.array_equal(make(50, seed=4)[0], a[0])
    images, labels = g.retina_shapes(100, seed=0)
    ink = images.reshape(100, -1).sum(1)
    assert ink[labels == 0].min() > ink[labels == 1].max()  # separable by total ink, as documented
    letters, kinds = g.tc_problem(100, seed=0)
    assert (letters.reshape(100, -1).sum(1) == 5).all() and set(kinds.tolist()) == {0, 1}
    source, target = g.sequence_task("addition", n=5, length=6, seed=0)
    numbers = source @ np.array([100, 10, 1, 0, 0, 0]) + source @ np.array([0, 0, 0, 100, 10, 1])
    assert (target @ np.array([1000, 100, 10, 1]) == numbers).all()
    s, t = g.sequence_task("sort", n=3, length=5)
    assert (np.sort(s, 1) == t).all()
