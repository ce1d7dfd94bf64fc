"""AlexNet (Krizhevsky, Sutskever & Hinton 2012): ReLU, dropout and local response normalisation.

The torchvision layout (one tower, 64-192-384-256-256 channels), with the paper's LRN after the
first two convolutions; LRN has no parameters, so the count equals torchvision's 61,100,840.
Deviation from the paper: one GPU's worth of channels in one tower (no grouped convolutions).
"""

from lamina import nn


class AlexNet(nn.Module):
    def __init__(self, num_classes: int = 1000, dropout: float = 0.5, activation=nn.ReLU, lrn: bool = True):
        super().__init__()
        norm = (lambda: nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0)) if lrn else nn.Identity
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, 11, stride=4, padding=2),
            activation(),
            norm(),
            nn.MaxPool2d(3, 2),  # (B, 64, 27, 27)
            nn.Conv2d(64, 192, 5, padding=2),
            activation(),
            norm(),
            nn.MaxPool2d(3, 2),  # (B, 192, 13, 13)
            nn.Conv2d(192, 384, 3, padding=1),
            activation(),  # (B, 384, 13, 13)
            nn.Conv2d(384, 256, 3, padding=1),
            activation(),  # (B, 256, 13, 13)
            nn.Conv2d(256, 256, 3, padding=1),
            activation(),
            nn.MaxPool2d(3, 2),  # (B, 256, 6, 6)
        )
        self.avgpool = nn.AdaptiveAvgPool2d(6)  # (B, 256, 6, 6) for any input of 224 or so
        self.classifier = nn.Sequential(
            nn.Dropout(dropout),
            nn.Linear(256 * 6 * 6, 4096),
            activation(),
            nn.Dropout(dropout),
            nn.Linear(4096, 4096),
            activation(),
            nn.Linear(4096, num_classes),  # (B, K)
        )

    def forward(self, x):  # x: (B, 3, 224, 224)
        return self.classifier(self.avgpool(self.features(x)).flatten(1))


def alexnet(num_classes: int = 1000, **kwargs) -> AlexNet:
    return AlexNet(num_classes, **kwargs)
