"""lamina.models: the classic networks, one file each, constructors named like torchvision's.

`ZOO` lists them with their year, paper and what the history milestone shows with them.
"""

from dataclasses import dataclass

from lamina.models.alexnet import AlexNet, alexnet
from lamina.models.classic import FullAdder, Hopfield, ThresholdUnit, XorNet, gate
from lamina.models.googlenet import GoogLeNet, googlenet
from lamina.models.gpt import GPT, GPT3_175B, GPTConfig, gpt, parameter_count
from lamina.models.lenet import lenet1, lenet5
from lamina.models.resnet import CifarResNet, ResNet, resnet18, resnet20, resnet32, resnet34, resnet50, resnet56
from lamina.models.torchvision_weights import load_torchvision_weights
from lamina.models.transformer import Seq2SeqTransformer, small_transformer, transformer, transformer_base


@dataclass(frozen=True)
class ZooEntry:
    name: str
    year: int
    paper: str
    build: object


ZOO = {
    entry.name: entry
    for entry in [
        ZooEntry("lenet1", 1989, "LeCun et al., Backpropagation applied to handwritten zip code recognition", lenet1),
        ZooEntry("lenet5", 1998, "LeCun et al., Gradient-based learning applied to document recognition", lenet5),
        ZooEntry("alexnet", 2012, "Krizhevsky, Sutskever & Hinton, ImageNet classification with deep CNNs", alexnet),
        ZooEntry("googlenet", 2014, "Szegedy et al., Going deeper with convolutions", googlenet),
        ZooEntry("resnet18", 2015, "He et al., Deep residual learning for image recognition", resnet18),
        ZooEntry("resnet34", 2015, "He et al., Deep residual learning for image recognition", resnet34),
        ZooEntry("resnet50", 2015, "He et al., Deep residual learning for image recognition", resnet50),
        ZooEntry("resnet20", 2015, "He et al., section 4.2 (CIFAR-10)", resnet20),
        ZooEntry("resnet32", 2015, "He et al., section 4.2 (CIFAR-10)", resnet32),
        ZooEntry("resnet56", 2015, "He et al., section 4.2 (CIFAR-10)", resnet56),
        ZooEntry("transformer", 2017, "Vaswani et al., Attention is all you need", transformer_base),
        ZooEntry("gpt", 2018, "Radford et al., Improving language understanding by generative pre-training", gpt),
    ]
}

__all__ = [
    "ZOO",
    "ZooEntry",
    "AlexNet",
    "alexnet",
    "FullAdder",
    "Hopfield",
    "ThresholdUnit",
    "XorNet",
    "gate",
    "GoogLeNet",
    "googlenet",
    "GPT",
    "GPT3_175B",
    "GPTConfig",
    "gpt",
    "parameter_count",
    "lenet1",
    "load_torchvision_weights",
    "lenet5",
    "CifarResNet",
    "ResNet",
    "resnet18",
    "resnet20",
    "resnet32",
    "resnet34",
    "resnet50",
    "resnet56",
    "Seq2SeqTransformer",
    "small_transformer",
    "transformer",
    "transformer_base",
]
