/* FMA throughput with 256-bit AVX2 FMA; compiled with -mavx2 -mfma only. */
#if !defined(__AVX2__) || !defined(__FMA__)
#error "peak-avx2.c must be compiled with -mavx2 -mfma"
#endif
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <immintrin.h>

#include "peak.h"

static inline float scb_sum256(__m256 v)
{
    float t[8];
    _mm256_storeu_ps(t, v);
    return t[0] + t[1] + t[2] + t[3] + t[4] + t[5] + t[6] + t[7];
}

#define SCB_VEC __m256
#define SCB_LANES 8
#define SCB_SET1(x) _mm256_set1_ps(x)
#define SCB_MADD(a, b, c) _mm256_fmadd_ps(a, b, c)
#define SCB_SUM(v) scb_sum256(v)
#include "peak-loop.h"

double scb_peak_gflops_avx2(int threads) { return scb_peak_run(threads); }
