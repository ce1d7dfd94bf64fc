"""Metrics for classifiers and language models, computed on arrays (no graph)."""

import math

import numpy as np


def accuracy(logits, targets) -> float:
    """Fraction of rows whose arg-max is the target (logits (N, K) or (N, T, K), targets (N,) or (N, T))."""
    predicted = np.asarray(logits).argmax(-1)
    return float((predicted == np.asarray(targets)).mean())


def top_k_accuracy(logits, targets, k: int = 5) -> float:
    """Fraction of rows whose target is among the k largest logits."""
    logits, targets = np.asarray(logits), np.asarray(targets)
    best = np.argpartition(-logits, min(k, logits.shape[-1] - 1), axis=-1)[..., :k]
    return float((best == targets[..., None]).any(-1).mean())


def perplexity(mean_loss: float) -> float:
    """exp of the mean cross-entropy in nats: the effective number of choices per token."""
    return float(math.exp(min(mean_loss, 700.0)))


def confusion_matrix(logits, targets, num_classes: int) -> np.ndarray:
    """counts[true, predicted] as an int64 (K, K) array."""
    return confusion_of_predictions(np.asarray(logits).argmax(-1), targets, num_classes)


def confusion_of_predictions(predicted, targets, num_classes: int) -> np.ndarray:
    """counts[true, predicted] from the predicted classes (the logits' arg-max)."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(targets).reshape(-1), np.asarray(predicted).reshape(-1)), 1)
    return matrix
