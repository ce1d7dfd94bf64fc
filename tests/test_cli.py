"""The `lamina` command: the real entry point, run as a user runs it."""

import subprocess
import sys

import pytest

import lamina
from lamina.cli import demo
from lamina.cli.main import main


def test_version_from_the_console_script_module():
    result = subprocess.run([sys.executable, "-m", "lamina.cli.main", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == f"lamina {lamina.__version__}"


def test_demo_loss_falls_and_learns_the_spirals():
    lines = []
    result = demo.run(steps=600, out=lines.append)
    assert result["last_loss"] < 0.1 * result["first_loss"]
    assert result["accuracy"] >= 0.95
    assert lines[0].startswith("lamina") and "loss" in lines[1]


def test_demo_command_runs(capsys):
    assert main(["demo", "--steps", "20"]) == 0
    assert "step    0  loss" in capsys.readouterr().out


def test_bad_flag_values_are_refused(capsys):
    with pytest.raises(SystemExit):
        main(["demo", "--steps", "0"])
    assert "must be a positive integer" in capsys.readouterr().err


def test_history_list_and_run(capsys, tmp_path):
    assert main(["history", "list"]) == 0
    listed = capsys.readouterr().out
    assert "mcculloch-pitts  1943" in listed and "gpt" in listed and len(listed.splitlines()) == 14
    assert main(["history", "run", "mcculloch-pitts", "perceptron", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "3/3 results reproduced" in out and (tmp_path / "README.md").exists()
    with pytest.raises(SystemExit):
        main(["history", "run"])
    with pytest.raises(SystemExit):
        main(["history", "run", "lenet6"])
    assert "unknown milestone" in capsys.readouterr().err


def test_bench_refuses_an_unknown_workload_and_names_the_choices():
    result = subprocess.run(
        [sys.executable, "-m", "lamina.cli.main", "bench", "no-such-net"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "unknown workload(s) no-such-net" in result.stdout and "resnet20" in result.stdout


def test_datasets_list_says_what_is_on_this_machine(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LAMINA_DATA", str(tmp_path / "empty-cache"))
    assert main(["datasets", "list"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:-1]}
    assert "shipped" in lines["digits"] and "generated" in lines["reverse"]
    assert "not here" in lines["mnist"] and "11.6 MB" in lines["mnist"] and "placed by hand" in lines["kmnist"]


def test_a_device_this_machine_lacks_is_one_line_and_exit_2(capsys, tmp_path):
    import lamina

    if lamina.cuda.is_available():
        pytest.skip("this machine has a GPU: benchmarks/gpu_check.sh trains on it")
    assert main(["train", "lenet", "--device", "cuda", "--epochs", "1", "--out", str(tmp_path)]) == 2
    assert main(["history", "run", "alexnet", "--device", "cuda", "--out", str(tmp_path)]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 2 and all("device 'cuda' is not available: CuPy" in line for line in errors), errors
    assert main(["history", "run", "perceptron", "--device", "cuda", "--out", str(tmp_path)]) == 2
    assert "perceptron run on the CPU only (milestones for any device: alexnet)" in capsys.readouterr().err
    lamina.set_default_device(None)
