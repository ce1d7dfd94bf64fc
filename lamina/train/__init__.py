"""lamina.train: the Trainer (and `fit`), callbacks, metrics, checkpoints and `summary`."""

from lamina.train.callbacks import Callback, EarlyStopping, GradientClipping
from lamina.train.checkpoint import load_checkpoint, load_latest, save_checkpoint, verify_checkpoint
from lamina.train.metrics import accuracy, confusion_matrix, perplexity, top_k_accuracy
from lamina.train.summary import summary
from lamina.train.trainer import Trainer, fit

__all__ = [
    "Trainer",
    "fit",
    "Callback",
    "EarlyStopping",
    "GradientClipping",
    "summary",
    "accuracy",
    "top_k_accuracy",
    "perplexity",
    "confusion_matrix",
    "save_checkpoint",
    "load_checkpoint",
    "load_latest",
    "verify_checkpoint",
]
