"""lamina.datasets: readers for the lecture's datasets, the shipped data, and generated sets."""

from lamina.datasets import generated
from lamina.datasets.audio import AudioFolder, read_wav, write_wav
from lamina.datasets.cifar import CIFAR10, CIFAR100
from lamina.datasets.cityscapes import Cityscapes
from lamina.datasets.coco import CocoDetection, CocoSegmentation, decode_rle, polygon_mask
from lamina.datasets.download import Resource, cache_dir
from lamina.datasets.fake import FakeData
from lamina.datasets.folder import ImageFolder
from lamina.datasets.jsonl import JsonlShards
from lamina.datasets.mnist import KMNIST, MNIST, FashionMNIST, read_idx
from lamina.datasets.shipped import Digits, Sonnets
from lamina.datasets.text import SST2, ParallelText, TextCorpus, Vocabulary, tokenize
from lamina.datasets.tokens import TokenShards, TokenStream, write_token_shards

__all__ = [
    "generated",
    "AudioFolder",
    "read_wav",
    "write_wav",
    "CIFAR10",
    "CIFAR100",
    "Cityscapes",
    "CocoDetection",
    "CocoSegmentation",
    "decode_rle",
    "polygon_mask",
    "Resource",
    "cache_dir",
    "FakeData",
    "ImageFolder",
    "JsonlShards",
    "TokenShards",
    "TokenStream",
    "write_token_shards",
    "KMNIST",
    "MNIST",
    "FashionMNIST",
    "read_idx",
    "Digits",
    "Sonnets",
    "SST2",
    "ParallelText",
    "TextCorpus",
    "Vocabulary",
    "tokenize",
]
