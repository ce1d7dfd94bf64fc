"""ResNet (He, Zhang, Ren & Sun 2015): residual connections let very deep networks train.

ImageNet models ResNet-18/34 (basic blocks) and ResNet-50 (bottlenecks) in torchvision's layout
(stride on the 3x3 convolution of a bottleneck, "v1.5"), so their parameter counts equal
torchvision's; and the CIFAR ResNet-20/32/56 of section 4.2 with option A shortcuts (identity,
subsampled and zero-padded when the shape changes: no parameters). `plain=True` removes the
shortcuts, giving the plain networks of the degradation experiment.
"""

from lamina import nn
from lamina.functional import pad


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_channels, channels, stride=1, downsample=None, plain=False):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.downsample, self.plain = downsample, plain

    def forward(self, x):  # (B, C, H, W) -> (B, channels, H/stride, W/stride)
        out = self.bn2(self.conv2(self.bn1(self.conv1(x)).relu()))
        if self.plain:
            return out.relu()
        shortcut = self.downsample(x) if self.downsample is not None else x
        return (out + shortcut).relu()


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, in_channels, channels, stride=1, downsample=None, plain=False):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.conv3 = nn.Conv2d(channels, channels * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(channels * 4)
        self.downsample, self.plain = downsample, plain

    def forward(self, x):  # (B, C, H, W) -> (B, 4 channels, H/stride, W/stride)
        out = self.bn1(self.conv1(x)).relu()
        out = self.bn2(self.conv2(out)).relu()
        out = self.bn3(self.conv3(out))
        if self.plain:
            return out.relu()
        shortcut = self.downsample(x) if self.downsample is not None else x
        return (out + shortcut).relu()


class ResNet(nn.Module):
    """The ImageNet ResNet: 7x7 stem, four stages of blocks, global average pool, a linear classifier."""

    def __init__(self, block, layers, num_classes=1000, plain=False):
        super().__init__()
        self.in_channels = 64
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)  # (B, 64, 112, 112)
        self.bn1 = nn.BatchNorm2d(64)
        self.maxpool = nn.MaxPool2d(3, 2, 1)  # (B, 64, 56, 56)
        self.layer1 = self._stage(block, 64, layers[0], 1, plain)
        self.layer2 = self._stage(block, 128, layers[1], 2, plain)  # (B, 128e, 28, 28)
        self.layer3 = self._stage(block, 256, layers[2], 2, plain)  # (B, 256e, 14, 14)
        self.layer4 = self._stage(block, 512, layers[3], 2, plain)  # (B, 512e, 7, 7)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512 * block.expansion, num_classes)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")

    def _stage(self, block, channels, count, stride, plain):
        downsample = None
        if stride != 1 or self.in_channels != channels * block.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.in_channels, channels * block.expansion, 1, stride, bias=False),
                nn.BatchNorm2d(channels * block.expansion),
            )
        blocks = [block(self.in_channels, channels, stride, downsample, plain)]
        self.in_channels = channels * block.expansion
        blocks += [block(self.in_channels, channels, plain=plain) for _ in range(1, count)]
        return nn.Sequential(*blocks)

    def forward(self, x):  # x: (B, 3, 224, 224)
        x = self.maxpool(self.bn1(self.conv1(x)).relu())
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.avgpool(x).flatten(1))  # (B, K)


def resnet18(num_classes=1000, plain=False):
    return ResNet(BasicBlock, [2, 2, 2, 2], num_classes, plain)


def resnet34(num_classes=1000, plain=False):
    return ResNet(BasicBlock, [3, 4, 6, 3], num_classes, plain)


def resnet50(num_classes=1000, plain=False):
    return ResNet(Bottleneck, [3, 4, 6, 3], num_classes, plain)


class ShortcutA(nn.Module):
    """Option A: subsample by the stride and zero-pad the new channels (no parameters)."""

    def __init__(self, stride, extra_channels):
        super().__init__()
        self.stride, self.extra = stride, extra_channels

    def forward(self, x):  # (B, C, H, W) -> (B, C + extra, H/stride, W/stride)
        x = x[:, :, :: self.stride, :: self.stride]
        return pad(x, (0, 0, 0, 0, self.extra // 2, self.extra - self.extra // 2))


class CifarResNet(nn.Module):
    """He et al. section 4.2: 3x3 stem of 16 channels, three stages of n blocks (16, 32, 64), 6n + 2 layers."""

    def __init__(self, depth: int, num_classes: int = 10, plain: bool = False, width: int = 16):
        super().__init__()
        if (depth - 2) % 6:
            raise ValueError(f"CifarResNet: depth must be 6n + 2 (20, 32, 44, 56, 110, ...); got {depth}.")
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(3, width, 3, padding=1, bias=False)  # (B, 16, 32, 32)
        self.bn1 = nn.BatchNorm2d(width)
        stages, channels = [], width
        for index, out_channels in enumerate((width, 2 * width, 4 * width)):
            for block_index in range(n):
                stride = 2 if index > 0 and block_index == 0 else 1
                shortcut = (
                    ShortcutA(stride, out_channels - channels) if stride != 1 or channels != out_channels else None
                )
                stages.append(BasicBlock(channels, out_channels, stride, shortcut, plain))
                channels = out_channels
        self.layers = nn.Sequential(*stages)  # (B, 64, 8, 8)
        self.fc = nn.Linear(channels, num_classes)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):  # x: (B, 3, 32, 32)
        x = self.layers(self.bn1(self.conv1(x)).relu())
        return self.fc(x.mean((2, 3)))  # global average pool -> (B, K)


def resnet20(num_classes=10, plain=False):
    return CifarResNet(20, num_classes, plain)


def resnet32(num_classes=10, plain=False):
    return CifarResNet(32, num_classes, plain)


def resnet56(num_classes=10, plain=False):
    return CifarResNet(56, num_classes, plain)
