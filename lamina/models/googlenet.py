"""GoogLeNet (Szegedy et al. 2014): Inception modules, 22 layers, a tenth of AlexNet's parameters.

torchvision's layout (convolutions without bias followed by BatchNorm, as in its Inception v1), so
the count without the auxiliary classifiers equals torchvision's 6,624,904. Deviations from the
paper: BatchNorm (published a year later), and the "5x5" branch uses a 3x3 kernel, as torchvision does.
"""

from lamina import nn
from lamina.ops.movement import cat


class BasicConv2d(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, bias=False)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x):
        return self.bn(self.conv(x)).relu()


class Inception(nn.Module):
    """Four parallel branches (1x1; 1x1 -> 3x3; 1x1 -> 3x3; pool -> 1x1), concatenated on channels."""

    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj):
        super().__init__()
        self.branch1 = BasicConv2d(in_channels, ch1x1, 1)
        self.branch2 = nn.Sequential(BasicConv2d(in_channels, ch3x3red, 1), BasicConv2d(ch3x3red, ch3x3, 3, padding=1))
        self.branch3 = nn.Sequential(BasicConv2d(in_channels, ch5x5red, 1), BasicConv2d(ch5x5red, ch5x5, 3, padding=1))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=True), BasicConv2d(in_channels, pool_proj, 1))

    def forward(self, x):  # (B, C, H, W) -> (B, ch1x1 + ch3x3 + ch5x5 + pool_proj, H, W)
        return cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class GoogLeNet(nn.Module):
    def __init__(self, num_classes: int = 1000, dropout: float = 0.2):
        super().__init__()
        self.conv1 = BasicConv2d(3, 64, 7, stride=2, padding=3)  # (B, 64, 112, 112)
        self.maxpool1 = nn.MaxPool2d(3, 2, ceil_mode=True)  # (B, 64, 56, 56)
        self.conv2 = BasicConv2d(64, 64, 1)
        self.conv3 = BasicConv2d(64, 192, 3, padding=1)  # (B, 192, 56, 56)
        self.maxpool2 = nn.MaxPool2d(3, 2, ceil_mode=True)  # (B, 192, 28, 28)
        self.inception3a = Inception(192, 64, 96, 128, 16, 32, 32)  # (B, 256, 28, 28)
        self.inception3b = Inception(256, 128, 128, 192, 32, 96, 64)  # (B, 480, 28, 28)
        self.maxpool3 = nn.MaxPool2d(3, 2, ceil_mode=True)  # (B, 480, 14, 14)
        self.inception4a = Inception(480, 192, 96, 208, 16, 48, 64)
        self.inception4b = Inception(512, 160, 112, 224, 24, 64, 64)
        self.inception4c = Inception(512, 128, 128, 256, 24, 64, 64)
        self.inception4d = Inception(512, 112, 144, 288, 32, 64, 64)
        self.inception4e = Inception(528, 256, 160, 320, 32, 128, 128)  # (B, 832, 14, 14)
        self.maxpool4 = nn.MaxPool2d(2, 2, ceil_mode=True)  # (B, 832, 7, 7)
        self.inception5a = Inception(832, 256, 160, 320, 32, 128, 128)
        self.inception5b = Inception(832, 384, 192, 384, 48, 128, 128)  # (B, 1024, 7, 7)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(1024, num_classes)

    def forward(self, x):  # x: (B, 3, 224, 224)
        x = self.maxpool1(self.conv1(x))
        x = self.maxpool2(self.conv3(self.conv2(x)))
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        for block in (self.inception4a, self.inception4b, self.inception4c, self.inception4d, self.inception4e):
            x = block(x)
        x = self.inception5b(self.inception5a(self.maxpool4(x)))
        return self.fc(self.dropout(self.avgpool(x).flatten(1)))  # (B, K)


def googlenet(num_classes: int = 1000, **kwargs) -> GoogLeNet:
    return GoogLeNet(num_classes, **kwargs)
