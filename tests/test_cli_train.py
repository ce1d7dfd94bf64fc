"""The training CLI on tiny data: train -> checkpoint -> eval -> predict, config files, errors, info commands."""

import importlib.util
import json

import numpy as np
import pytest

from lamina.cli.main import main


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    assert main(["train", "lenet5", "--quiet", "--out", str(folder)]) == 0  # the model's defaults: 10 epochs
    return folder


def test_train_writes_checkpoints_logs_and_plots(run_dir, capsys):
    for name in (
        "last.safetensors",
        "last.json",
        "best.safetensors",
        "log.csv",
        "log.jsonl",
        "loss.png",
        "accuracy.png",
        "lr.png",
        "grad_norm.png",
    ):
        assert (run_dir / name).exists(), name
    records = [json.loads(line) for line in (run_dir / "log.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in records] == list(range(1, 11)) and records[-1]["val_accuracy"] > 0.95


def test_eval_and_predict(run_dir, capsys, tmp_path):
    from PIL import Image

    from lamina.datasets import Digits

    capsys.readouterr()
    assert main(["eval", str(run_dir / "best.safetensors")]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["digits_accuracy"] > 0.95
    test = Digits(train=False)
    paths = []
    for i in range(5):
        path = tmp_path / f"digit{i}.png"
        Image.fromarray((test.images[i].astype(float) * 255 / 16).astype(np.uint8)).resize((32, 32)).save(path)
        paths.append(str(path))
    assert main(["predict", str(run_dir / "best.safetensors"), *paths]) == 0
    predicted = [int(line.split("class ")[1].split()[0]) for line in capsys.readouterr().out.splitlines()]
    assert sum(p == t for p, t in zip(predicted, test.labels[:5])) >= 4


def test_export_writes_an_onnx_file_that_classifies_as_lamina_does(run_dir, capsys, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    import lamina
    from lamina.cli.commands import _load_run
    from lamina.datasets import Digits
    from lamina.train.tasks import adapt_images

    out = tmp_path / "lenet5.onnx"
    capsys.readouterr()
    assert main(["export", str(run_dir / "best.safetensors"), "--out", str(out), "--batch-size", "8"]) == 0
    assert "opset 17" in capsys.readouterr().out
    model, meta = _load_run(run_dir / "best.safetensors")
    test = Digits(train=False)
    images = adapt_images(test.images[:8, None].astype(np.float32) / 16, meta["channels"], meta["size"])
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    (logits,) = session.run(None, {"input": images.astype(np.float32)})
    with lamina.no_grad():
        expected = model(lamina.tensor(images.astype(np.float32))).numpy()
    assert np.abs(logits - expected).max() < 1e-4
    assert (logits.argmax(1) == test.labels[:8]).mean() >= 0.75
    assert main(["export", str(tmp_path / "missing.safetensors")]) == 2


def test_resume_continues_the_run(run_dir, capsys):
    assert main(["train", "lenet5", "--epochs", "11", "--quiet", "--out", str(run_dir), "--resume"]) == 0
    out = capsys.readouterr().out
    assert "resumed from" in out and '"epoch": 11' in out


def test_corrupt_checkpoint_is_answered(run_dir, tmp_path, capsys):
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes((run_dir / "best.safetensors").read_bytes()[:-10])
    (tmp_path / "broken.json").write_text((run_dir / "best.json").read_text())
    assert main(["eval", str(broken)]) == 2
    assert "bytes (manifest)" in capsys.readouterr().err


def test_config_file(tmp_path, capsys):
    config = tmp_path / "run.toml"
    config.write_text(f'model = "lenet1"\nepochs = 1\nout = "{tmp_path / "cfg"}"\nquiet = true\n')
    assert main(["train", "--config", str(config)]) == 0
    assert (tmp_path / "cfg" / "last.safetensors").exists()


def test_errors_name_the_closest_names_and_bad_flags(capsys):
    assert main(["train", "lenet6"]) == 2
    assert "Did you mean lenet5" in capsys.readouterr().err
    assert main(["train", "lenet5", "--data", "sonets"]) == 2
    assert "Did you mean sonnets" in capsys.readouterr().err
    assert main(["train", "gpt", "--data", "digits"]) == 2
    assert "gpt takes text" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "lenet5", "--lr", "-1"])
    assert "must be a positive number" in capsys.readouterr().err


def test_info_commands(capsys, tmp_path):
    assert main(["summary", "lenet5"]) == 0
    assert "total: 61,706 parameters" in capsys.readouterr().out
    assert main(["graph", "lenet5", "--out", str(tmp_path / "g.dot")]) == 0
    assert (tmp_path / "g.dot").read_text().startswith("digraph lamina")
    assert main(["datasets", "list"]) == 0 and "sonnets" in capsys.readouterr().out
    assert main(["datasets", "get", "digits"]) == 0 and "nothing to download" in capsys.readouterr().out
    assert main(["datasets", "get", "minst"]) == 2 and "Did you mean mnist" in capsys.readouterr().err
    assert main(["doctor"]) == 0 and "numpy" in capsys.readouterr().out


def test_gpt_trains_and_continues_a_text(tmp_path, capsys):
    assert main(["train", "gpt", "--epochs", "1", "--quiet", "--out", str(tmp_path / "gpt")]) == 0
    record = json.loads(capsys.readouterr().out.splitlines()[0])
    assert record["val_perplexity"] < 20  # the unigram distribution alone gives about 23
    prompt = tmp_path / "prompt.txt"
    prompt.write_text("Shall I compare thee")
    assert main(["predict", str(tmp_path / "gpt" / "last.safetensors"), str(prompt), "--length", "40"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Shall I compare thee") and len(out.strip()) >= len("Shall I compare thee") + 30


def test_gpt_trains_on_token_shards_written_by_the_cli(tmp_path, capsys):
    from lamina.datasets import Sonnets

    sonnets = Sonnets(context=32)
    (tmp_path / "sonnets.txt").write_text(sonnets.decode(sonnets.data))
    tokens = tmp_path / "tokens"
    assert main(["datasets", "tokenize", str(tmp_path / "sonnets.txt"), "--out", str(tokens)]) == 0
    assert "tokens in 1 shard(s) of uint16" in capsys.readouterr().out
    out = tmp_path / "run"
    assert main(["train", "gpt", "--data", str(tokens), "--epochs", "1", "--quiet", "--out", str(out)]) == 0
    record = json.loads(capsys.readouterr().out.splitlines()[0])
    assert record["val_perplexity"] < 20  # bytes of English: the unigram distribution alone gives about 23
    prompt = tmp_path / "prompt.txt"
    prompt.write_text("Shall I compare thee")
    assert main(["predict", str(out / "last.safetensors"), str(prompt), "--length", "30"]) == 0
    assert capsys.readouterr().out.startswith("Shall I compare thee")
    assert main(["datasets", "tokenize", str(tmp_path / "missing.txt"), "--out", str(tokens)]) == 2
    if importlib.util.find_spec("onnx") is not None:  # a GPT leaves as ONNX too (token ids in, logits out)
        assert main(["export", str(out / "last.safetensors")]) == 0 and (out / "model.onnx").exists()


def test_models_lists_the_zoo_with_parameter_counts(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "alexnet      2012" in out and "61,100,840" in out and "6,624,904" in out and "269,722" in out


def test_missing_data_says_what_to_download_and_where(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("LAMINA_DATA", str(tmp_path))
    assert main(["train", "lenet5", "--data", "mnist", "--epochs", "1", "--quiet", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "train-images-idx3-ubyte.gz is missing" in err and str(tmp_path) in err
    assert "lamina datasets get mnist" in err
