"""torchvision.datasets: the image datasets lamina reads (torchvision's folder layouts), and FakeData."""

from lamina.datasets import (
    CIFAR10,
    CIFAR100,
    KMNIST,
    MNIST,
    Cityscapes,
    CocoDetection,
    FakeData,
    FashionMNIST,
    ImageFolder,
)

__all__ = [
    "CIFAR10",
    "CIFAR100",
    "KMNIST",
    "MNIST",
    "Cityscapes",
    "CocoDetection",
    "FakeData",
    "FashionMNIST",
    "ImageFolder",
]
