"""Unchanged PyTorch programs run on lamina (`lamina run`) and print what torch prints (issue 17).

Each program in tests/torch_programs/ is written against `torch` only and prints `RESULT` lines. It runs
twice, in its own process each time: with PyTorch, and through `lamina run`. Numbers must agree to 1e-5
(relative, float32 programs; exact where they are integers or words), everything else exactly.
"""

import math
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import lamina_run

PROGRAMS = sorted((Path(__file__).parent / "torch_programs").glob("*.py"))  # compared number by number


def results(command, cwd) -> list:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return [line.split()[1:] for line in done.stdout.splitlines() if line.startswith("RESULT")]


def same(ours: str, theirs: str) -> bool:
    try:
        a, b = float(ours.strip("[](),")), float(theirs.strip("[](),"))
    except ValueError:
        return ours == theirs
    return math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-6)


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.stem)
def test_a_pytorch_program_gives_torchs_results_on_lamina(program):
    pytest.importorskip("torch")
    theirs = results([sys.executable, str(program)], program.parent)
    ours = results([sys.executable, "-m", "lamina.cli.main", "run", str(program)], program.parent)
    assert theirs, "the program printed no RESULT lines under torch"
    assert len(ours) == len(theirs), (ours, theirs)
    for our_line, their_line in zip(ours, theirs):
        assert len(our_line) == len(their_line) and all(map(same, our_line, their_line)), (our_line, their_line)


@pytest.mark.parametrize("program", sorted((Path(__file__).parent / "torch_programs" / "runs_only").glob("*.py")),
                         ids=lambda p: p.stem)  # fmt: skip
def test_pytorch_examples_run_unchanged_under_lamina_run(program):
    """Scripts whose weights start from each library's own random initialisation: they must run to the end
    under both (their numbers differ, so only the run, the output shapes and finite losses are compared)."""
    pytest.importorskip("torch")
    ours = lamina_run(program, cwd=program.parent, timeout=300)
    theirs = subprocess.run(
        [sys.executable, str(program)], cwd=program.parent, capture_output=True, text=True, timeout=300
    )
    assert theirs.returncode == 0, theirs.stderr[-2000:]
    assert ours.returncode == 0, ours.stderr[-2000:]
    assert "nan" not in ours.stdout.lower() and len(ours.stdout.splitlines()) == len(theirs.stdout.splitlines())


def test_lamina_run_names_a_missing_torch_name_the_line_and_the_nearest(tmp_path):
    script = tmp_path / "uses_missing.py"
    script.write_text("import torch\nx = torch.ones(3)\ny = torch.special_nothing(x)\n")
    done = lamina_run(script)
    assert done.returncode == 2
    assert "uses_missing.py:3: y = torch.special_nothing(x): torch.special_nothing is not in lamina" in done.stderr
    assert "Traceback" not in done.stderr


def test_lamina_run_says_when_an_error_is_an_intentional_difference(tmp_path):
    script = tmp_path / "broadcast_loss.py"
    script.write_text(
        "import torch\nimport torch.nn.functional as F\n"
        "F.mse_loss(torch.zeros(4, 1), torch.zeros(4))\n"  # torch warns and broadcasts; lamina refuses
    )
    done = lamina_run(script)
    assert done.returncode == 1
    assert "an intentional difference from torch: lamina's losses refuse a target" in done.stderr


def test_lamina_run_leaves_no_torch_alias_behind():
    import lamina
    from lamina.cli import torch_shim

    real = sys.modules.get("torch")
    before = dict(lamina.nn.__dict__)
    program = Path(__file__).parent / "torch_programs" / "lstm_language_model.py"
    assert torch_shim.run(str(program), []) == 0
    assert sys.modules.get("torch") is real  # the real torch (or none) is back, not lamina
    assert lamina.nn.__dict__.keys() == before.keys()


def test_lamina_run_names_bfloat16_as_an_intentional_difference(tmp_path):
    script = tmp_path / "bf16.py"
    script.write_text(
        "import torch\ndtypes = {'bfloat16': torch.bfloat16}\nx = torch.ones(2, dtype=dtypes['bfloat16'])\n"
    )
    done = lamina_run(script)
    assert done.returncode == 1
    assert (
        "bf16.py:3:" in done.stderr
        and "intentional difference from torch: lamina has no bfloat16 tensors" in done.stderr
    )


def test_lamina_run_resolves_the_import_paths_of_imagenet_style_scripts(tmp_path):
    """pytorch/examples' imagenet imports these submodules by path before anything else."""
    script = tmp_path / "imports.py"
    script.write_text(
        "import torch.backends.cudnn as cudnn\nimport torch.multiprocessing as mp\n"
        "import torch.utils.data.distributed\nimport torchvision.datasets as datasets\n"
        "print('RESULT', torch.utils.data.distributed.DistributedSampler.__name__, cudnn.is_available(), "
        "callable(mp.spawn), datasets.FakeData(size=3).__len__())\n"
    )
    done = lamina_run(script)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "RESULT DistributedSampler False True 3" in done.stdout


def test_lamina_run_names_a_name_missing_from_a_from_import(tmp_path):
    script = tmp_path / "from_import.py"
    script.write_text("from torch.distributions import Normal, kl_divergance\n")
    done = lamina_run(script)
    assert done.returncode == 2
    assert "from_import.py:1: " in done.stderr
    assert "torch.distributions.kl_divergance is not in lamina; nearest in lamina: kl_divergence" in done.stderr
