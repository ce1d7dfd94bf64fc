"""lamina.optim: optimizers and learning-rate schedules (torch.optim names)."""

from lamina.optim import lr_scheduler, swa_utils
from lamina.optim.adam import Adam, AdamW
from lamina.optim.adam_variants import Adamax, NAdam, RAdam
from lamina.optim.adaptive import Adadelta, Adagrad, RMSprop
from lamina.optim.asgd import ASGD
from lamina.optim.classic import HebbianRule, PerceptronRule, WidrowHoff
from lamina.optim.lbfgs import LBFGS
from lamina.optim.optimizer import Optimizer
from lamina.optim.rprop import Rprop
from lamina.optim.sgd import SGD

__all__ = [
    "lr_scheduler",
    "swa_utils",
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "RAdam",
    "RMSprop",
    "Adagrad",
    "Adadelta",
    "LBFGS",
    "Rprop",
    "ASGD",
    "PerceptronRule",
    "HebbianRule",
    "WidrowHoff",
]
