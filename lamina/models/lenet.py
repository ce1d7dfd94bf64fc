"""LeNet-1 (LeCun et al. 1989) and LeNet-5 (LeCun, Bottou, Bengio & Haffner 1998).

Convolutions with shared weights, subsampling, then a small classifier: the network that read
cheques. Deviations from the papers: ReLU instead of scaled tanh, max pooling instead of trainable
subsampling, full connection from S2 to C3 (the paper's hand-made partial table is dropped), and a
plain linear output layer instead of Euclidean RBF units (trained with cross-entropy).
"""

from lamina import nn


def lenet1(in_channels: int = 1, num_classes: int = 10, image_size: int = 28) -> nn.Module:
    """LeNet-1: 4 and 12 feature maps of 5x5, average subsampling, a linear output."""
    side = ((image_size - 4) // 2 - 4) // 2  # 28 -> 24 -> 12 -> 8 -> 4
    return nn.Sequential(
        nn.Conv2d(in_channels, 4, 5),
        nn.Tanh(),
        nn.AvgPool2d(2),  # (B, 4, 12, 12)
        nn.Conv2d(4, 12, 5),
        nn.Tanh(),
        nn.AvgPool2d(2),  # (B, 12, 4, 4)
        nn.Flatten(),
        nn.Linear(12 * side * side, num_classes),  # (B, K)
    )


def lenet5(in_channels: int = 1, num_classes: int = 10, image_size: int = 28) -> nn.Module:
    """LeNet-5 on 28x28 inputs (padding 2 gives the paper's 32x32 field): C1 6@5x5, S2, C3 16@5x5, S4, 120, 84."""
    side = (image_size // 2 - 4) // 2  # 28 -> 28 -> 14 -> 10 -> 5
    return nn.Sequential(
        nn.Conv2d(in_channels, 6, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),  # (B, 6, 14, 14)
        nn.Conv2d(6, 16, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),  # (B, 16, 5, 5)
        nn.Flatten(),  # (B, 400)
        nn.Linear(16 * side * side, 120),
        nn.ReLU(),  # (B, 120)
        nn.Linear(120, 84),
        nn.ReLU(),  # (B, 84)
        nn.Linear(84, num_classes),  # (B, K)
    )
