"""torchvision checkpoints into the zoo: the same logits as torchvision's layout gives in torch."""

import numpy as np
import pytest
import safetensors.numpy

import lamina
from lamina.models import alexnet, googlenet, load_torchvision_weights, resnet18, resnet50

torch = pytest.importorskip("torch")
layouts = pytest.importorskip("tests.models.torchvision_layouts")

CASES = {
    "resnet18": (lambda: layouts.ResNet(layouts.BasicBlock, [2, 2, 2, 2], 10), lambda: resnet18(10), 64),
    "resnet50": (lambda: layouts.ResNet(layouts.Bottleneck, [3, 4, 6, 3], 10), lambda: resnet50(10), 64),
    "alexnet": (lambda: layouts.AlexNet(10), lambda: alexnet(10, lrn=False), 224),
    "googlenet": (lambda: layouts.GoogLeNet(10), lambda: googlenet(10), 96),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("file_format", ["pth", "safetensors"])
def test_torchvision_state_dict_gives_torchvisions_logits(name, file_format, tmp_path):
    build_torch, build_lamina, size = CASES[name]
    reference = layouts.randomised(build_torch())
    path = tmp_path / f"{name}.{file_format}"
    if file_format == "pth":
        torch.save(reference.state_dict(), path)
    else:
        safetensors.numpy.save_file({k: v.numpy() for k, v in reference.state_dict().items()}, str(path))
    model = load_torchvision_weights(build_lamina(), path).eval()
    x = np.random.default_rng(0).standard_normal((2, 3, size, size)).astype(np.float32)
    with torch.no_grad():
        want = reference(torch.from_numpy(x)).numpy()
    with lamina.no_grad():
        have = model(lamina.tensor(x)).numpy()
    assert np.abs(have - want).max() <= 1e-4 * max(1.0, np.abs(want).max())


def test_mismatches_are_named():
    with pytest.raises(ValueError, match="alexnet\\(lrn=False\\)"):
        load_torchvision_weights(alexnet(10), layouts.AlexNet(10).state_dict())
    state = layouts.ResNet(layouts.BasicBlock, [2, 2, 2, 2], 10).state_dict()
    with pytest.raises(Exception, match="fc.weight"):
        load_torchvision_weights(resnet18(1000), state)  # 10 classes into 1000
    with pytest.raises(TypeError, match="no torchvision name map for Linear"):
        load_torchvision_weights(lamina.nn.Linear(2, 2), {})
