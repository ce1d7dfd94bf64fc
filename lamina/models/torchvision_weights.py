"""torchvision's weights in the zoo's models: the name map, and the checks that the layouts agree.

torchvision's ResNet and GoogLeNet name their parameters as lamina's do (the zoo was built to its layout);
its AlexNet has no local response normalisation, so its `features` indices skip two fewer layers than
lamina's (which keeps the paper's LRN). The state_dict can be a dict of tensors or arrays, or a file:
safetensors, or a torch `.pt`/`.pth` zip read without running pickle code (torch_checkpoint.py).
"""

from pathlib import Path

from lamina.models.alexnet import AlexNet
from lamina.models.googlenet import GoogLeNet
from lamina.models.resnet import ResNet
from lamina.nn.modules.normalization import LocalResponseNorm

# torchvision alexnet's features.N -> lamina's (lamina inserts an LRN after each of the first two ReLUs)
_ALEXNET_FEATURES = {0: 0, 3: 4, 6: 8, 8: 10, 10: 12}


def load_torchvision_weights(model, source, strict: bool = True):
    """Load a torchvision state_dict (dict or file path) into `model`, a zoo ResNet, AlexNet or GoogLeNet.

    Returns the model. GoogLeNet's auxiliary classifiers (`aux1.*`, `aux2.*`, used in training only) are
    dropped. AlexNet must be built without LRN (`alexnet(lrn=False)`), as torchvision's has none.
    Note torchvision's pretrained GoogLeNet also re-normalises its input (`transform_input=True`): give
    lamina's the same input torchvision's sees after that step.
    """
    state = _read(source)
    if isinstance(model, AlexNet):
        if any(isinstance(m, LocalResponseNorm) for m in model.modules()):
            raise ValueError(
                "load_torchvision_weights: torchvision's AlexNet has no local response normalisation; build "
                "lamina's with alexnet(lrn=False) to use its weights."
            )
        state = {_alexnet_name(name): value for name, value in state.items()}
    elif isinstance(model, GoogLeNet):
        state = {name: value for name, value in state.items() if not name.startswith(("aux1.", "aux2."))}
    elif not isinstance(model, ResNet):
        raise TypeError(
            f"load_torchvision_weights: no torchvision name map for {type(model).__name__}; it knows the zoo's "
            "ResNet (resnet18/34/50), AlexNet and GoogLeNet. Use model.load_state_dict for lamina's own files."
        )
    model.load_state_dict(state, strict=strict)
    return model


def _alexnet_name(name: str) -> str:
    parts = name.split(".")
    if parts[0] == "features" and int(parts[1]) in _ALEXNET_FEATURES:
        parts[1] = str(_ALEXNET_FEATURES[int(parts[1])])
    return ".".join(parts)


def _read(source) -> dict:
    if isinstance(source, dict):
        return dict(source)
    from lamina.serialization import load

    return load(Path(source), weights_only=True)
