"""Kernels for small arrays, served without numba: whole-array sums and max/min, sums over dims, small
matrix products, the class-target check of the losses, ReLU and the SGD-momentum and Adam updates.

On small arrays NumPy's call costs more than the work (setting up a reduction, wrapping its scalar), so
the native layer's loops (lamina/native/small.c) answer them where it was built (benchmarks/README.md has
the measurements); beyond the sizes and dtypes small.c takes, and where the layer is absent or switched off
(LAMINA_NATIVE=0), the NumPy reference does. Kept apart from the compiled/ package so that `x.sum()` on a small
tensor never imports numba.
"""

from lamina import native
from lamina.backend.kernels import reference

extension = native.extension  # small.c's functions are the extension's (or None: NumPy's)

if extension is not None:
    sum_all, sum_dims = extension.sum_all, extension.sum_dims  # NumPy's beyond small float arrays
    max_all, min_all = extension.max_all, extension.min_all
    small_product = extension.product  # None beyond small 2-D float arrays: the caller's NumPy product
else:
    sum_all, sum_dims, max_all, min_all = reference.sum_all, reference.sum_dims, reference.max_all, reference.min_all
    small_product = reference.small_product


def class_targets(labels, classes, ignore_index):
    counted = extension.class_targets(labels, classes, ignore_index) if extension is not None else None
    return reference.class_targets(labels, classes, ignore_index) if counted is None else counted


def _beyond_small(name):
    """The compiled set's loop for what small.c declines (importing numba then), or the reference's kernel."""
    from lamina.backend import kernels

    compiled = kernels.compiled_or_none()
    return getattr(reference, name) if compiled is None else getattr(compiled, name + "_beyond_small")


def relu(x):
    out = extension.relu(x) if extension is not None else None  # small C-contiguous floats, else None
    return out if out is not None else _beyond_small("relu")(x)


def adam_step(p, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled, step, max_exp_avg_sq=None):
    arguments = (p, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled, step)
    if max_exp_avg_sq is not None:  # AMSGrad: the reference's rule alone
        reference.adam_step(*arguments, max_exp_avg_sq)
    elif extension is None or not extension.adam_step(*arguments):  # True where small.c ran it
        _beyond_small("adam_step")(*arguments)


def sgd_momentum_step(p, grad, buffer, lr, momentum, dampening, weight_decay, nesterov):
    arguments = (p, grad, buffer, lr, momentum, dampening, weight_decay, nesterov)
    if extension is None or not extension.sgd_momentum_step(*arguments):
        _beyond_small("sgd_momentum_step")(*arguments)


SERVED = (
    "sum_all", "sum_dims", "max_all", "min_all", "small_product", "class_targets",
    "relu", "adam_step", "sgd_momentum_step",
)  # fmt: skip
