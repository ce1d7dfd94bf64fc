"""Kernels for small arrays, served without numba: whole-array sums and max/min, sums over dims, small
matrix products and the class-target check of the losses.

On small arrays NumPy's call costs more than the work (setting up a reduction, wrapping its scalar), so
small.c's loops answer them where it was built (benchmarks/README.md has the measurements); beyond the
sizes and dtypes small.c takes, and where it is absent or switched off (LAMINA_NATIVE=0), the NumPy
reference does. Kept apart from compiled.py so that `x.sum()` on a small tensor never imports numba.
"""

from lamina.backend import native
from lamina.backend.kernels import reference

try:
    from lamina.backend.kernels import _small as extension

    if not native.enabled("small"):  # LAMINA_NATIVE=0: NumPy's paths, the ones small.c is tested against
        extension = None
except ImportError:  # small.c is an optional extension (setup.py): unbuilt, NumPy
    extension = None

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


SERVED = ("sum_all", "sum_dims", "max_all", "min_all", "small_product", "class_targets")
