"""Reference matrix products: NumPy's (the definition; kernel sets with faster small products say so)."""


def matmul(a, b):
    """a @ b (NumPy's matmul; its BLAS chooses its own threads)."""
    return a @ b


def small_product(a, b):
    """a @ b for 2-D arrays where a kernel set has a faster way for small ones, or None: the caller's NumPy
    product (ops/linalg.py), which is the definition. The compiled set's is small.c's."""
    return None
