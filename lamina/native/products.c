/* Batched float32 matrix products with AVX-512, for the convolutions' many small products.
 *
 * Why: this machine has full-width AVX-512, but its environment pins OpenBLAS to the Haswell (AVX2)
 * kernels (OPENBLAS_CORETYPE, which lamina leaves alone), and Winograd's 36 products per chunk are
 * small (16-64 rows), so each BLAS call also pays its own overhead: on resnet20's shapes these run in
 * about half OpenBLAS's time (benchmarks/README.md).
 *
 * Part of the native layer (module.c exports its address); products.py calls it from numba and falls
 * back to NumPy's matmul when the layer is missing or the CPU has no AVX-512.
 * lamina_batched_product returns 0 when it ran, -1 when this CPU cannot run it.
 *
 * Layout: each matrix is row-major with a row stride (ld*) and a plane stride (s*), in floats.
 */
#include "native.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,fma")))
#define UNROLL _Pragma("GCC unroll 8")

/* --- C (+)= A B: A (m, k), B (k, n) ---
 * A block of ROWS rows and VECS vectors of 16 columns keeps its ROWS * VECS sums in registers
 * (6 x 4 = 24 of the 32 zmm registers); per step of k it loads VECS vectors of B's row once and
 * does ROWS * VECS multiply-adds. The last vector of columns is masked, so any n works. */
#define NN_BLOCK(ROWS, VECS)                                                                                   \
    static AVX512 __attribute__((noinline)) void nn_block_##ROWS##x##VECS(                                   \
        const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc, ptrdiff_t k,   \
        __mmask16 last, int accumulate) {                                                                     \
        __m512 sums[ROWS][VECS];                                                                              \
        UNROLL for (int i = 0; i < ROWS; i++) UNROLL for (int v = 0; v < VECS; v++) sums[i][v] =              \
            _mm512_setzero_ps();                                                                              \
        for (ptrdiff_t p = 0; p < k; p++) {                                                                   \
            __m512 row[VECS];                                                                                 \
            UNROLL for (int v = 0; v < VECS; v++) row[v] =                                                    \
                _mm512_maskz_loadu_ps(v == VECS - 1 ? last : (__mmask16)0xFFFF, b + p * ldb + 16 * v);        \
            UNROLL for (int i = 0; i < ROWS; i++) {                                                           \
                __m512 scale = _mm512_set1_ps(a[i * lda + p]);                                                \
                UNROLL for (int v = 0; v < VECS; v++) sums[i][v] = _mm512_fmadd_ps(scale, row[v], sums[i][v]); \
            }                                                                                                 \
        }                                                                                                     \
        UNROLL for (int i = 0; i < ROWS; i++) UNROLL for (int v = 0; v < VECS; v++) {                         \
            __mmask16 mask = v == VECS - 1 ? last : (__mmask16)0xFFFF;                                        \
            float *out = c + i * ldc + 16 * v;                                                                \
            __m512 value = sums[i][v];                                                                        \
            if (accumulate) value = _mm512_add_ps(value, _mm512_maskz_loadu_ps(mask, out));                   \
            _mm512_mask_storeu_ps(out, mask, value);                                                          \
        }                                                                                                     \
    }
#define NN_BLOCKS(ROWS) NN_BLOCK(ROWS, 1) NN_BLOCK(ROWS, 2) NN_BLOCK(ROWS, 3) NN_BLOCK(ROWS, 4)
NN_BLOCKS(6)
NN_BLOCKS(4)
NN_BLOCKS(2)
NN_BLOCKS(1)

typedef void (*nn_block_fn)(const float *, ptrdiff_t, const float *, ptrdiff_t, float *, ptrdiff_t, ptrdiff_t,
                            __mmask16, int);
static const int NN_ROWS[4] = {6, 4, 2, 1}; /* row blocks, largest first; the rows left over take smaller ones */
static nn_block_fn const NN_BLOCKS_BY_SIZE[4][4] = {
    {nn_block_6x1, nn_block_6x2, nn_block_6x3, nn_block_6x4},
    {nn_block_4x1, nn_block_4x2, nn_block_4x3, nn_block_4x4},
    {nn_block_2x1, nn_block_2x2, nn_block_2x3, nn_block_2x4},
    {nn_block_1x1, nn_block_1x2, nn_block_1x3, nn_block_1x4},
};

static AVX512 void nn_plane(const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc,
                            ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, int accumulate) {
    for (ptrdiff_t first = 0; first < n; first += 64) { /* 64 columns of B: k x 256 bytes, in L1 for k <= 128 */
        ptrdiff_t width = n - first < 64 ? n - first : 64;
        int vectors = (int)((width + 15) / 16);
        int tail = (int)(width - 16 * (vectors - 1));
        __mmask16 last = (__mmask16)(tail == 16 ? 0xFFFFu : (1u << tail) - 1u);
        ptrdiff_t i = 0;
        for (int size = 0; size < 4; size++)
            for (; i + NN_ROWS[size] <= m; i += NN_ROWS[size])
                NN_BLOCKS_BY_SIZE[size][vectors - 1](a + i * lda, lda, b + first, ldb, c + i * ldc + first, ldc, k,
                                                     last, accumulate);
    }
}

/* --- C (+)= A B^T: A (m, k), B (n, k): dot products of rows, 16 lanes of k at a time ---
 * A block of ROWS x COLS outputs keeps one vector of partial sums each and reduces it at the end,
 * so a long k pays off the reductions; short ones (k < 96) are faster in OpenBLAS (products.py). */
#define NT_BLOCK(ROWS, COLS)                                                                                   \
    static AVX512 __attribute__((noinline)) void nt_block_##ROWS##x##COLS(                                   \
        const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc, ptrdiff_t k,   \
        int accumulate) {                                                                                     \
        __m512 sums[ROWS][COLS];                                                                              \
        UNROLL for (int i = 0; i < ROWS; i++) UNROLL for (int j = 0; j < COLS; j++) sums[i][j] =              \
            _mm512_setzero_ps();                                                                              \
        for (ptrdiff_t p = 0; p < k; p += 16) {                                                               \
            __mmask16 mask = k - p >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (k - p)) - 1u);             \
            __m512 x[ROWS], y[COLS];                                                                          \
            UNROLL for (int i = 0; i < ROWS; i++) x[i] = _mm512_maskz_loadu_ps(mask, a + i * lda + p);        \
            UNROLL for (int j = 0; j < COLS; j++) y[j] = _mm512_maskz_loadu_ps(mask, b + j * ldb + p);        \
            UNROLL for (int i = 0; i < ROWS; i++) UNROLL for (int j = 0; j < COLS; j++) sums[i][j] =          \
                _mm512_fmadd_ps(x[i], y[j], sums[i][j]);                                                      \
        }                                                                                                     \
        UNROLL for (int i = 0; i < ROWS; i++) UNROLL for (int j = 0; j < COLS; j++) {                         \
            float total = _mm512_reduce_add_ps(sums[i][j]);                                                   \
            c[i * ldc + j] = accumulate ? c[i * ldc + j] + total : total;                                     \
        }                                                                                                     \
    }
NT_BLOCK(4, 4)
NT_BLOCK(4, 1)
NT_BLOCK(1, 4)
NT_BLOCK(1, 1)

static AVX512 void nt_plane(const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc,
                            ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, int accumulate) {
    ptrdiff_t i = 0;
    for (; i + 4 <= m; i += 4) {
        ptrdiff_t j = 0;
        for (; j + 4 <= n; j += 4) nt_block_4x4(a + i * lda, lda, b + j * ldb, ldb, c + i * ldc + j, ldc, k, accumulate);
        for (; j < n; j++) nt_block_4x1(a + i * lda, lda, b + j * ldb, ldb, c + i * ldc + j, ldc, k, accumulate);
    }
    for (; i < m; i++) {
        ptrdiff_t j = 0;
        for (; j + 4 <= n; j += 4) nt_block_1x4(a + i * lda, lda, b + j * ldb, ldb, c + i * ldc + j, ldc, k, accumulate);
        for (; j < n; j++) nt_block_1x1(a + i * lda, lda, b + j * ldb, ldb, c + i * ldc + j, ldc, k, accumulate);
    }
}

static int has_avx512(void) { return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma"); }
#endif

int lamina_has_avx512(void) {
#if defined(__x86_64__) && defined(__GNUC__)
    return has_avx512();
#else
    return 0;
#endif
}

/* For each of `planes`: C = A B (B is (k, n)), or C = A B^T when `transposed_b` (B is (n, k)); C += instead
   of C = when `accumulate`. */
int lamina_batched_product(int transposed_b, ptrdiff_t planes, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a,
                           ptrdiff_t lda, ptrdiff_t sa, const float *b, ptrdiff_t ldb, ptrdiff_t sb, float *c,
                           ptrdiff_t ldc, ptrdiff_t sc, int accumulate) {
#if defined(__x86_64__) && defined(__GNUC__)
    if (!has_avx512()) return -1;
    for (ptrdiff_t p = 0; p < planes; p++)
        (transposed_b ? nt_plane : nn_plane)(a + p * sa, lda, b + p * sb, ldb, c + p * sc, ldc, m, n, k, accumulate);
    return 0;
#else
    return -1;
#endif
}
