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

    __m256 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    if (accumulate) {
        c00 = _mm256_loadu_ps(t + 0 * ldt), c01 = _mm256_loadu_ps(t + 0 * ldt + 8);
        c10 = _mm256_loadu_ps(t + 1 * ldt), c11 = _mm256_loadu_ps(t + 1 * ldt + 8);
        c20 = _mm256_loadu_ps(t + 2 * ldt), c21 = _mm256_loadu_ps(t + 2 * ldt + 8);
        c30 = _mm256_loadu_ps(t + 3 * ldt), c31 = _mm256_loadu_ps(t + 3 * ldt + 8);
        c40 = _mm256_loadu_ps(t + 4 * ldt), c41 = _mm256_loadu_ps(t + 4 * ldt + 8);
        c50 = _mm256_loadu_ps(t + 5 * ldt), c51 = _mm256_loadu_ps(t + 5 * ldt + 8);
    } else {
        c00 = c01 = c10 = c11 = c20 = c21 = _mm256_setzero_ps();
        c30 = c31 = c40 = c41 = c50 = c51 = _mm256_setzero_ps();
        if (bias) {
            c00 = c01 = _mm256_set1_ps(bias[0]);
            if (m > 1)
                c10 = c11 = _mm256_set1_ps(bias[1]);
            if (m > 2)
                c20 = c21 = _mm256_set1_ps(bias[2]);
            if (m > 3)
                c30 = c31 = _mm256_set1_ps(bias[3]);
            if (m > 4)
                c40 = c41 = _mm256_set1_ps(bias[4]);
            if (m > 5)
                c50 = c51 = _mm256_set1_ps(bias[5]);
        }
    }

    for (int64_t k = 0; k < kc; k++) {
        const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
        __m256 x;
        x = _mm256_broadcast_ss(a + 0);
        c00 = _mm256_fmadd_ps(x, b0, c00);
        c01 = _mm256_fmadd_ps(x, b1, c01);
        x = _mm256_broadcast_ss(a + 1);
        c10 = _mm256_fmadd_ps(x, b0, c10);
        c11 = _mm256_fmadd_ps(x, b1, c11);
        x = _mm256_broadcast_ss(a + 2);
        c20 = _mm256_fmadd_ps(x, b0, c20);
        c21 = _mm256_fmadd_ps(x, b1, c21);
        x = _mm256_broadcast_ss(a + 3);
        c30 = _mm256_fmadd_ps(x, b0, c30);
        c31 = _mm256_fmadd_ps(x, b1, c31);
        x = _mm256_broadcast_ss(a + 4);
        c40 = _mm256_fmadd_ps(x, b0, c40);
        c41 = _mm256_fmadd_ps(x, b1, c41);
        x = _mm256_broadcast_ss(a + 5);
        c50 = _mm256_fmadd_ps(x, b0, c50);
        c51 = _mm256_fmadd_ps(x, b1, c51);
        a += MR;
        b += ldb;
    }

    _mm256_storeu_ps(t + 0 * ldt, c00), _mm256_storeu_ps(t + 0 * ldt + 8, c01);
    _mm256_storeu_ps(t + 1 * ldt, c10), _mm256_storeu_ps(t + 1 * ldt + 8, c11);
    _mm256_storeu_ps(t + 2 * ldt, c20), _mm256_storeu_ps(t + 2 * ldt + 8, c21);
    _mm256_storeu_ps(t + 3 * ldt, c30), _mm256_storeu_ps(t + 3 * ldt + 8, c31);
    _mm256_storeu_ps(t + 4 * ldt, c40), _mm256_storeu_ps(t + 4 * ldt + 8, c41);
    _mm256_storeu_ps(t + 5 * ldt, c50), _mm256_storeu_ps(t + 5 * ldt + 8, c51);
    if (!full)
        for (int64_t i = 0; i < m; i++)
            memcpy(c + i * ldc, tile + i * NR, (size_t)n * sizeof(float));
}
