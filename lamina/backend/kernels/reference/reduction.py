"""Reference reductions and the class-label check of the losses."""

from lamina.backend.kernels import namespace


def sum_all(x, keepdim):
    """The sum of all of x's elements (keepdim: shaped (1, 1, ...)). Reductions over some dims stay in the ops."""
    return x.sum(keepdims=keepdim)


def sum_dims(x, dims, keepdim):
    """The sum over `dims` (a sorted tuple of distinct non-negative dims)."""
    return x.sum(axis=dims, keepdims=keepdim)


def max_all(x, keepdim):
    """The largest of x's elements (x has some); NaN if any is NaN, as in PyTorch."""
    return x.max(keepdims=keepdim)


def min_all(x, keepdim):
    """The smallest of x's elements (x has some); NaN if any is NaN, as in PyTorch."""
    return x.min(keepdims=keepdim)


def class_targets(labels, classes, ignore_index):
    """A classification loss's labels: (how many are not ignore_index, the flat index of the first that is
    neither ignore_index nor in [0, classes), or -1). Both are computed without reading the labels back
    (0-d arrays on a device), so a check of them can wait for the next host read (backend/deferred.py)."""
    xp = namespace.of(labels)
    kept = labels != ignore_index
    bad = (kept & ((labels < 0) | (labels >= classes))).reshape(-1)
    first_bad = xp.where(bad.any(), bad.argmax(), -1) if bad.size else xp.asarray(-1)
    return kept.sum(), first_bad
