"""The AVX-512 products (lamina/native/products.c) against NumPy's matmul.

Shapes cover every block size and remainder of the C code: rows in blocks of 6, 4, 2, 1 and
columns in vectors of 16 (the last one masked), depths below and above 16, stacks of matrices,
strided views like Winograd's staggered planes, and accumulation. Where the library was not
built or the CPU has no AVX-512, the functions must decline (return False), never compute.
"""

import platform
import shutil

import numpy as np
import pytest

from lamina import native
from lamina.backend.kernels import products

needs_library = pytest.mark.skipif(not products.available(), reason="products.c not built or no AVX-512 on this CPU")

SHAPES = [(1, 1, 1), (6, 64, 16), (7, 33, 5), (13, 70, 17), (16, 192, 16), (64, 56, 64), (3, 129, 150), (150, 1000, 16)]


def _arrays(rng, planes, m, n, k):
    a = rng.standard_normal((planes, m, k)).astype(np.float32)
    b = rng.standard_normal((planes, k, n)).astype(np.float32)
    return a, b


def _close(actual, expected, depth):
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5 * max(depth, 1) ** 0.5)


@needs_library
@pytest.mark.parametrize("m,n,k", SHAPES)
@pytest.mark.parametrize("planes", [1, 3])
def test_product_matches_numpy(m, n, k, planes):
    rng = np.random.default_rng(m * 1000 + n + k)
    a, b = _arrays(rng, planes, m, n, k)
    out = np.full((planes, m, n), np.nan, dtype=np.float32)
    assert products.matmul_into(a, b, out)
    _close(out, a @ b, k)
    previous = rng.standard_normal(out.shape).astype(np.float32)
    out[...] = previous
    assert products.matmul_into(a, b, out, accumulate=True)
    _close(out, previous + a @ b, k)


@needs_library
@pytest.mark.parametrize("m,n,k", [(4, 4, 96), (7, 5, 100), (16, 16, 192), (33, 9, 130), (1, 1, 97)])
def test_product_with_transposed_right_operand_matches_numpy(m, n, k):
    rng = np.random.default_rng(m + n + k)
    a = rng.standard_normal((2, m, k)).astype(np.float32)
    b = rng.standard_normal((2, n, k)).astype(np.float32)
    out = np.zeros((2, m, n), dtype=np.float32)
    assert products.matmul_nt_into(a, b, out)
    _close(out, a @ b.transpose(0, 2, 1), k)
    assert products.matmul_nt_into(a, b, out, accumulate=True)
    _close(out, 2 * (a @ b.transpose(0, 2, 1)), k)


@needs_library
def test_strided_views_and_two_dimensional_operands():
    rng = np.random.default_rng(5)
    # planes that do not start a matrix apart, rows longer than the matrix: as Winograd's staggered buffers
    full = rng.standard_normal((36, 16 * 200 + 16)).astype(np.float32)
    v = full[:, : 16 * 200].reshape(36, 16, 200)[:, :, :150]
    u = rng.standard_normal((36, 8, 16)).astype(np.float32)
    out_full = np.zeros((36, 8 * 200 + 16), dtype=np.float32)
    out = out_full[:, : 8 * 200].reshape(36, 8, 200)[:, :, :150]
    assert products.matmul_into(u, v, out)
    _close(out, u @ v, 16)
    a, b = rng.standard_normal((9, 20)).astype(np.float32), rng.standard_normal((20, 31)).astype(np.float32)
    out2 = np.empty((9, 31), dtype=np.float32)
    assert products.matmul_into(a, b, out2)
    _close(out2, a @ b, 20)


def test_declines_what_it_cannot_do():
    rng = np.random.default_rng(6)
    a, b = _arrays(rng, 2, 4, 8, 5)
    out = np.zeros((2, 4, 8), dtype=np.float32)
    before = out.copy()
    assert not products.matmul_into(a.astype(np.float64), b.astype(np.float64), out.astype(np.float64))
    assert not products.matmul_into(a, b, np.zeros((2, 4, 9), dtype=np.float32))  # shapes disagree
    assert not products.matmul_into(a, b[:, :4], out)  # inner sizes disagree
    assert not products.matmul_into(a, b.transpose(0, 2, 1).copy().transpose(0, 2, 1), out)  # columns strided
    square = rng.standard_normal((1, 4, 4)).astype(np.float32)
    assert not products.matmul_into(square, square, square)  # the output overlaps an input
    assert not products.matmul_nt_into(a, b.transpose(0, 2, 1).copy(), out)  # too shallow for the C code (k < 96)
    np.testing.assert_array_equal(out, before)


def _cpu_has_avx512():
    try:
        with open("/proc/cpuinfo") as info:
            return any(line.startswith("flags") and " avx512f" in line for line in info)
    except OSError:
        return False


@pytest.mark.skipif(
    platform.machine() != "x86_64" or shutil.which("cc") is None or not _cpu_has_avx512(),
    reason="needs an x86-64 CPU with AVX-512 and a C compiler, where the install builds products.c",
)
def test_products_were_built_where_they_can_run():
    """The extension is optional at install, so a failed build would only show as skipped tests above."""
    if not native.enabled():
        pytest.skip("turned off by LAMINA_NATIVE=0")
    assert products.available(), "products.c was not built at install (see the pip install output) or did not load"
