"""index_add over rows: an embedding's backward."""

import numpy as np

from lamina.backend.kernels import reference
from lamina.backend.kernels.compiled.common import floats, jit


@jit
def _index_add_rows(target, rows, values):
    for k in range(rows.size):
        target[rows[k]] += values[k]


def index_add_rows(target, rows, values):
    if (
        not floats(target, values)
        or target.ndim != 2
        or rows.dtype.kind not in "iu"
        or values.shape != rows.shape + target.shape[1:]
        or not target.flags.c_contiguous
    ):
        return reference.index_add_rows(target, rows, values)
    flat_rows = np.ascontiguousarray(rows).reshape(-1)
    _index_add_rows(target, flat_rows, np.ascontiguousarray(values).reshape(flat_rows.size, target.shape[1]))
