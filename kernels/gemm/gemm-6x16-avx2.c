/*
 * 6x16 GEMM micro-kernel for AVX2+FMA.
 *
 * 12 ymm accumulators (6 rows x two 8-float halves), two B loads and six
 * A broadcasts per k: 8 loads feed 12 FMAs, so Zen 3 / Haswell run it at the
 * FMA ports' rate (2 per cycle) with one load port to spare. 15 of the 16 ymm
 * registers are live in the loop, none spilled.
 *
 * Ragged corners (m < 6 or n < 16) go through a 6x16 buffer on the stack,
 * so the loop itself has no edge logic and C outside the corner is never
 * touched.
 */
#include "simd/avx2.h"

#include <string.h>

#include "internal.h"

#define MR 6
#define NR 16

/* R rows (a compile-time constant once inlined) of the tile at t, row
   stride ldt; rows past R are neither computed nor stored. Named
   accumulators, not arrays: GCC keeps these in registers. */
#define SC_ROW_INIT(i, x0, x1)                                                                  \
    if (R > i) {                                                                               \
        if (accumulate) {                                                                      \
            x0 = _mm256_loadu_ps(t + i * ldt);                                                 \
            x1 = _mm256_loadu_ps(t + i * ldt + 8);                                             \
        } else {                                                                               \
            x0 = x1 = bias ? _mm256_set1_ps(bias[i]) : _mm256_setzero_ps();                    \
        }                                                                                      \
    }
#define SC_ROW_FMA(i, x0, x1)                                                                   \
    if (R > i) {                                                                               \
        const __m256 x = _mm256_broadcast_ss(a + i);                                           \
        x0 = _mm256_fmadd_ps(x, b0, x0);                                                       \
        x1 = _mm256_fmadd_ps(x, b1, x1);                                                       \
    }
#define SC_ROW_STORE(i, x0, x1)                                                                 \
    if (R > i) {                                                                               \
        _mm256_storeu_ps(t + i * ldt, x0);                                                     \
        _mm256_storeu_ps(t + i * ldt + 8, x1);                                                 \
    }

static inline __attribute__((always_inline)) void
sc_gemm_6x16_rows(const int R, int64_t kc, const float *a, const float *b, int64_t ldb, float *t,
                  int64_t ldt, int accumulate, const float *bias)
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
        const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
        SC_ROW_FMA(0, c00, c01)
        SC_ROW_FMA(1, c10, c11)
        SC_ROW_FMA(2, c20, c21)
        SC_ROW_FMA(3, c30, c31)
        SC_ROW_FMA(4, c40, c41)
        SC_ROW_FMA(5, c50, c51)
        a += MR;
        b += ldb;
    }
    SC_ROW_STORE(0, c00, c01)
    SC_ROW_STORE(1, c10, c11)
    SC_ROW_STORE(2, c20, c21)
    SC_ROW_STORE(3, c30, c31)
    SC_ROW_STORE(4, c40, c41)
    SC_ROW_STORE(5, c50, c51)
}

void sc_gemm_6x16_avx2(int64_t kc, const float *a, const float *b, int64_t ldb, float *c,
                       int64_t ldc, int64_t m, int64_t n, int accumulate,
                       const float *bias)
{
    const int full = m == MR && n == NR;
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

    /* The loop for exactly m rows: a short panel (cout not a multiple of 6)
       skips the FMAs of its missing rows. Each output still sums its k
       terms in the same order, so the bits do not depend on m. */
    switch (m) {
    case 1: sc_gemm_6x16_rows(1, kc, a, b, ldb, t, ldt, accumulate, bias); break;
    case 2: sc_gemm_6x16_rows(2, kc, a, b, ldb, t, ldt, accumulate, bias); break;
    case 3: sc_gemm_6x16_rows(3, kc, a, b, ldb, t, ldt, accumulate, bias); break;
    case 4: sc_gemm_6x16_rows(4, kc, a, b, ldb, t, ldt, accumulate, bias); break;
    case 5: sc_gemm_6x16_rows(5, kc, a, b, ldb, t, ldt, accumulate, bias); break;
    default: sc_gemm_6x16_rows(6, kc, a, b, ldb, t, ldt, accumulate, bias); break;
    }
    if (!full)
        for (int64_t i = 0; i < m; i++)
            memcpy(c + i * ldc, tile + i * NR, (size_t)n * sizeof(float));
}
