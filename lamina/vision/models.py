"""torchvision.models: the ResNets, with torchvision's builder signature and state_dict keys.

`weights=None` builds a freshly initialised network, as in torchvision. Pretrained weights are not fetched
here: load a torchvision checkpoint file with `lamina.models.load_torchvision_weights(model, path)` (it
reads torchvision's .pth without running pickle code). lamina's AlexNet and GoogLeNet keep their papers'
layouts, not torchvision's, so they are not offered at this path (lamina.models has them).
"""

from lamina.models import ResNet
from lamina.models import resnet18 as _resnet18
from lamina.models import resnet34 as _resnet34
from lamina.models import resnet50 as _resnet50


def _builder(build, name):
    def builder(*, weights=None, progress=True, num_classes=1000, **kwargs):
        if weights is not None:
            raise ValueError(
                f"{name}(weights={weights!r}): lamina does not download pretrained weights here; build "
                f"{name}(weights=None) and load torchvision's file with "
                "lamina.models.load_torchvision_weights(model, 'resnet....pth')."
            )
        if kwargs:
            raise TypeError(f"{name}: lamina's builder takes weights, progress and num_classes; got {sorted(kwargs)}.")
        return build(num_classes=num_classes)

    builder.__name__ = builder.__qualname__ = name
    builder.__doc__ = f"torchvision's {name}: ImageNet layout, `num_classes` outputs, freshly initialised."
    return builder


resnet18 = _builder(_resnet18, "resnet18")
resnet34 = _builder(_resnet34, "resnet34")
resnet50 = _builder(_resnet50, "resnet50")

__all__ = ["ResNet", "resnet18", "resnet34", "resnet50"]
