"""lamina.transforms: image and audio transforms (torchvision's and torchaudio's names)."""

from lamina.transforms.audio import MFCC, MelSpectrogram, PadTrim, Resample, Spectrogram
from lamina.transforms.image import (
    CenterCrop,
    ColorJitter,
    Compose,
    Lambda,
    Normalize,
    RandomCrop,
    RandomHorizontalFlip,
    RandomResizedCrop,
    RandomRotation,
    Resize,
    ToTensor,
)

__all__ = [
    "Compose",
    "Lambda",
    "ToTensor",
    "Normalize",
    "Resize",
    "CenterCrop",
    "RandomCrop",
    "RandomResizedCrop",
    "RandomHorizontalFlip",
    "ColorJitter",
    "RandomRotation",
    "Spectrogram",
    "MelSpectrogram",
    "MFCC",
    "Resample",
    "PadTrim",
]
