/*
 * 6x16 GEMM micro-kernel for AVX2+FMA.
 *
 * 12 ymm accumulators (6 rows x two 8-float halves), two B loads and six
 * A broadcasts per k: 8 loads feed 12 FMAs, so Zen 3 / Haswell run it at the
 * FMA ports' rate (2 per cycle) with one load port to spare. 15 of the 16 ymm
 * registers are live in the loop, none spilled.
 *
 * Edges: rows past m are neither computed nor stored, and a tile of at most
 * 8 columns runs one vector. Column counts other than 8 and 16 go through a
 * 6x16 buffer on the stack, so the loop itself has no edge logic and C
 * outside the corner is never touched.
 *
 * sc_igemm_6x16_avx2 is the same tile with an indirect B: row k is read at
 * bt[k] + boff, straight from the im2col slab, so convolutions whose output
 * rows hold whole tiles need no packed B panel at all.
 */
#include "simd/avx2.h"

#include <string.h>

#include "internal.h"

#define MR 6
#define NR 16

/* R rows and V vectors (compile-time constants once inlined) of the tile at
   t, row stride ldt; rows past R and a second vector when V is 1 are
   neither computed nor stored. Named accumulators, not arrays: GCC keeps
   these in registers. */
#define SC_ROW_INIT(i, x0, x1)                                                                  \
    if (R > i) {                                                                               \
        if (accumulate) {                                                                      \
            x0 = _mm256_loadu_ps(t + i * ldt);                                                 \
            if (V > 1)                                                                         \
                x1 = _mm256_loadu_ps(t + i * ldt + 8);                                         \
        } else {                                                                               \
            x0 = x1 = bias ? _mm256_set1_ps(bias[i]) : _mm256_setzero_ps();                    \
        }                                                                                      \
    }
#define SC_ROW_FMA(i, x0, x1)                                                                   \
    if (R > i) {                                                                               \
        const __m256 x = _mm256_broadcast_ss(a + i);                                           \
        x0 = _mm256_fmadd_ps(x, b0, x0);                                                       \
        if (V > 1)                                                                             \
            x1 = _mm256_fmadd_ps(x, b1, x1);                                                   \
    }
#define SC_ROW_STORE(i, x0, x1)                                                                 \
    if (R > i) {                                                                               \
        _mm256_storeu_ps(t + i * ldt, x0);                                                     \
        if (V > 1)                                                                             \
            _mm256_storeu_ps(t + i * ldt + 8, x1);                                             \
    }

static inline __attribute__((always_inline)) void
sc_gemm_6x16_rows(const int R, const int V, int64_t kc, const float *a, const float *b, int64_t ldb,
                  const float *const *bt, int64_t boff, float *t, int64_t ldt, int accumulate,
                  const float *bias)
{
    __m256 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    c00 = c01 = c10 = c11 = c20 = c21 = _mm256_setzero_ps();
    c30 = c31 = c40 = c41 = c50 = c51 = _mm256_setzero_ps();
    SC_ROW_INIT(0, c00, c01)
    SC_ROW_INIT(1, c10, c11)
    SC_ROW_INIT(2, c20, c21)
    SC_ROW_INIT(3, c30, c31)
    SC_ROW_INIT(4, c40, c41)
    SC_ROW_INIT(5, c50, c51)
    for (int64_t k = 0; k < kc; k++) {
        const float *bk = bt ? bt[k] + boff : b;
        const __m256 b0 = _mm256_loadu_ps(bk);
        const __m256 b1 = V > 1 ? _mm256_loadu_ps(bk + 8) : b0;
        SC_ROW_FMA(0, c00, c01)
        SC_ROW_FMA(1, c10, c11)
        SC_ROW_FMA(2, c20, c21)
        SC_ROW_FMA(3, c30, c31)
        SC_ROW_FMA(4, c40, c41)
        SC_ROW_FMA(5, c50, c51)
        a += MR;
        if (!bt)
            b += ldb;
    }
    SC_ROW_STORE(0, c00, c01)
    SC_ROW_STORE(1, c10, c11)
    SC_ROW_STORE(2, c20, c21)
    SC_ROW_STORE(3, c30, c31)
    SC_ROW_STORE(4, c40, c41)
    SC_ROW_STORE(5, c50, c51)
}

/* The loop for exactly m rows: a short panel (cout not a multiple of 6)
   skips the FMAs of its missing rows, and a tile of at most 8 columns (the
   end of an output row, for the indirect form) those of its second vector.
   Each output still sums its k terms in the same order, so the bits depend
   on neither. */
static inline __attribute__((always_inline)) void
sc_gemm_6x16_rows_m(const int V, int64_t kc, const float *a, const float *b, int64_t ldb,
                    const float *const *bt, int64_t boff, float *t, int64_t ldt, int64_t m,
                    int accumulate, const float *bias)
{
#define SC_ROWS(R) sc_gemm_6x16_rows(R, V, kc, a, b, ldb, bt, boff, t, ldt, accumulate, bias)
    SC_GEMM_FOR_ROWS_6(m, SC_ROWS)
#undef SC_ROWS
}

/* B row k at b + k*ldb (bt NULL) or at bt[k] + boff: both calls inline the
   rows loop with the other form compiled away. */
static inline __attribute__((always_inline)) void
sc_gemm_6x16_body(int64_t kc, const float *a, const float *b, int64_t ldb, const float *const *bt,
                  int64_t boff, float *c, int64_t ldc, int64_t m, int64_t n, int accumulate,
                  const float *bias)
{
    /* Rows past m are skipped, not stored: only a column count that is not
       whole vectors goes through the buffer. */
    const int full = n == NR || n == 8;
    float tile[MR * NR];
    float *t = c;
    int64_t ldt = ldc;
    if (!full) {
        t = tile;
        ldt = NR;
        memset(tile, 0, sizeof tile);
        if (accumulate)
            for (int64_t i = 0; i < m; i++)
                memcpy(tile + i * NR, c + i * ldc, (size_t)n * sizeof(float));
    }

    if (n > 8)
        sc_gemm_6x16_rows_m(2, kc, a, b, ldb, bt, boff, t, ldt, m, accumulate, bias);
    else
        sc_gemm_6x16_rows_m(1, kc, a, b, ldb, bt, boff, t, ldt, m, accumulate, bias);
    if (!full)
        for (int64_t i = 0; i < m; i++)
            memcpy(c + i * ldc, tile + i * NR, (size_t)n * sizeof(float));
}

SC_DEFINE_GEMM(6x16, avx2)
