"""The matrix product while lamina's kernel threads are busy."""

import numpy as np

from lamina.backend.kernels import threads

# A product this large (multiply-adds) is split over lamina's threads while they are in use: from
# here on one hand-off costs less than the half of the product it moves (benchmarks/README.md).
SPLIT_PRODUCT_MIN = 16_000_000


def matmul(a, b):
    """a @ b on one BLAS thread per product, big ones split over lamina's threads.

    The backend calls this only while lamina's kernel threads are busy (NumpyBackend.matmul; outside
    that, an MLP or a transformer, BLAS threads the product itself). See threads.py.
    """
    with threads.single_threaded_blas():
        rows = a.shape[0]
        if a.ndim != 2 or b.ndim != 2 or rows * a.shape[1] * b.shape[1] < SPLIT_PRODUCT_MIN or rows < 64:
            return a @ b
        out = np.empty((rows, b.shape[1]), np.result_type(a, b))
        threads.run_split(lambda start, stop: np.matmul(a[start:stop], b, out=out[start:stop]), rows)
        return out
