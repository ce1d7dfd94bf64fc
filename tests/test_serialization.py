"""lamina.save / lamina.load: round trips, atomic writes, corrupt files (rows 24-26), torch interop."""

import os

import numpy as np
import pytest

import lamina
from lamina import nn, optim


def test_round_trip_nested_with_metadata(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    model(lamina.randn(5, 3)).sum().backward()
    optimizer.step()
    checkpoint = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "epoch": 3,
        "name": "run",
        "history": [0.5, 0.25],
        "none": None,
    }
    path = lamina.save(checkpoint, tmp_path / "ckpt.safetensors")
    loaded = lamina.load(path)
    assert loaded["epoch"] == 3 and loaded["name"] == "run" and loaded["history"] == [0.5, 0.25]
    assert loaded["none"] is None
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(loaded["model"][key].numpy(), value.numpy())
        assert loaded["model"][key].dtype is value.dtype
    restored = optim.Adam(model.parameters(), lr=0.5)
    restored.load_state_dict(loaded["optimizer"])
    assert restored.param_groups[0]["lr"] == 0.01 and restored.param_groups[0]["betas"] == (0.9, 0.999)
    state = restored.state[model[0].weight]
    assert state["step"] == 1
    np.testing.assert_array_equal(state["exp_avg"].numpy(), optimizer.state[model[0].weight]["exp_avg"].numpy())


def test_write_is_atomic_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "model.safetensors"
    lamina.save({"w": lamina.ones(2)}, path)
    with pytest.raises(TypeError, match="cannot store"):
        lamina.save({"w": lamina.zeros(2), "bad": object()}, path)
    assert lamina.load(path)["w"].tolist() == [1.0, 1.0]  # the failed save did not touch the old file
    assert os.listdir(tmp_path) == ["model.safetensors"]


def test_row_24_truncated_file(tmp_path):
    path = tmp_path / "truncated.safetensors"
    lamina.save({"w": lamina.ones(100)}, path)
    path.write_bytes(path.read_bytes()[:-50])
    with pytest.raises(lamina.CheckpointError, match=r"truncated.safetensors \(\d+ bytes\) is not a valid safetensors"):
        lamina.load(path)


def test_row_25_empty_file(tmp_path):
    path = tmp_path / "empty.safetensors"
    path.write_bytes(b"")
    with pytest.raises(lamina.CheckpointError, match=r"empty.safetensors: file is empty \(0 bytes\)"):
        lamina.load(path)


def test_row_26_garbage_and_pickles_are_never_executed(tmp_path):
    import pickle

    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps({"w": [1, 2, 3]}))
    with pytest.raises(lamina.CheckpointError, match="not a valid safetensors file.*never unpickles arbitrary files"):
        lamina.load(path)
    huge_header = tmp_path / "header.safetensors"
    huge_header.write_bytes((10**12).to_bytes(8, "little") + b"{}")
    with pytest.raises(lamina.CheckpointError):
        lamina.load(huge_header)
    with pytest.raises(lamina.CheckpointError, match="no such file"):
        lamina.load(tmp_path / "missing.safetensors")


def test_torch_reads_lamina_state_dicts_and_back(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file, save_file

    layer = nn.Conv2d(2, 3, 3)
    path = lamina.save(layer.state_dict(), tmp_path / "conv.safetensors")
    twin = torch.nn.Conv2d(2, 3, 3)
    twin.load_state_dict(load_file(str(path)))
    x = np.random.default_rng(0).standard_normal((1, 2, 5, 5)).astype(np.float32)
    np.testing.assert_allclose(twin(torch.from_numpy(x)).detach().numpy(), layer(lamina.tensor(x)).numpy(), atol=1e-5)
    back = tmp_path / "from_torch.safetensors"
    save_file(torch.nn.Linear(4, 2).state_dict(), str(back))
    linear = nn.Linear(4, 2)
    linear.load_state_dict(lamina.load(back))
    np.testing.assert_array_equal(linear.weight.numpy(), load_file(str(back))["weight"].numpy())


def test_torch_save_files_load_without_running_their_code(tmp_path):
    torch = pytest.importorskip("torch")
    import collections
    import os

    import numpy as np

    state = collections.OrderedDict(
        weight=torch.randn(2, 3), steps=torch.arange(3), transposed=torch.randn(4, 4).t(), half=torch.randn(2).half(),
        brain=torch.randn(3).to(torch.bfloat16), meta={"epoch": 3, "names": ["a", "b"]},
    )  # fmt: skip
    torch.save(state, tmp_path / "state.pt")
    loaded = lamina.load(tmp_path / "state.pt", weights_only=True)
    for key in ("weight", "steps", "transposed", "half"):
        np.testing.assert_array_equal(loaded[key].numpy(), state[key].numpy())
        assert loaded[key].dtype.name == str(state[key].dtype).replace("torch.", "")
    np.testing.assert_array_equal(loaded["brain"].numpy(), state["brain"].float().numpy())  # exact widening
    assert loaded["meta"] == {"epoch": 3, "names": ["a", "b"]}

    model = torch.nn.Linear(3, 2)
    torch.save(model.state_dict(), tmp_path / "linear.pth")
    ours = lamina.nn.Linear(3, 2)
    ours.load_state_dict(lamina.load(tmp_path / "linear.pth"))
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    expected = model(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(ours(lamina.tensor(x)).numpy(), expected, rtol=1e-6, atol=1e-6)  # float32 sums

    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    torch.save({"x": Payload()}, tmp_path / "evil.pt")
    with pytest.raises(lamina.CheckpointError, match=r"evil.pt asks to run posix.system while loading"):
        lamina.load(tmp_path / "evil.pt")
    assert not marker.exists()  # nothing ran
    torch.save(model, tmp_path / "module.pt")  # a whole pickled module: refused by name
    with pytest.raises(lamina.CheckpointError, match="asks to run torch.nn.modules.linear.Linear"):
        lamina.load(tmp_path / "module.pt")


def test_a_tensor_an_array_or_a_list_saves_on_its_own_as_torch_save_allows(tmp_path):
    tensor = lamina.arange(6, dtype=lamina.float32).reshape(2, 3)
    lamina.save(tensor, tmp_path / "tensor.pt")
    back = lamina.load(tmp_path / "tensor.pt")
    assert isinstance(back, lamina.Tensor) and back.tolist() == tensor.tolist() and back.dtype == lamina.float32
    waves = np.sin(np.linspace(0, 3, 12)).reshape(3, 4)  # time_sequence_prediction saves a NumPy array this way
    with open(tmp_path / "waves.pt", "wb") as handle:
        lamina.save(waves, handle)
    back = lamina.load(tmp_path / "waves.pt")
    assert isinstance(back, np.ndarray) and back.dtype == np.float64
    np.testing.assert_array_equal(back, waves)
    lamina.save([tensor, {"step": 3, "x": waves}], tmp_path / "mixed.pt")
    first, rest = lamina.load(tmp_path / "mixed.pt")
    assert first.tolist() == tensor.tolist() and rest["step"] == 3 and np.array_equal(rest["x"], waves)
    with pytest.raises(TypeError, match="NumPy array of dtype object"):
        lamina.save(np.array([object()]), tmp_path / "bad.pt")
    assert not (tmp_path / "bad.pt").exists()


def test_saving_a_whole_module_is_refused_with_the_state_dict_advice(tmp_path):
    with pytest.raises(lamina.errors.CheckpointError, match=r"whole Linear object .*never pickles.*state_dict\(\)"):
        lamina.save(nn.Linear(2, 2), tmp_path / "model.pt")
    with pytest.raises(lamina.errors.CheckpointError, match="whole SGD object at 'opt'"):
        lamina.save({"opt": optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1)}, tmp_path / "both.pt")
    assert not list(tmp_path.iterdir())
