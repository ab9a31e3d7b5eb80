/* FMA throughput with 512-bit AVX-512F FMA; compiled with -mavx512f only. */
#if !defined(__AVX512F__)
#error "peak-avx512.c must be compiled with -mavx512f"
#endif
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <immintrin.h>

#include "peak.h"

#define SCB_VEC __m512
#define SCB_LANES 16
#define SCB_SET1(x) _mm512_set1_ps(x)
#define SCB_MADD(a, b, c) _mm512_fmadd_ps(a, b, c)
#define SCB_SUM(v) _mm512_reduce_add_ps(v)
#include "peak-loop.h"

double scb_peak_gflops_avx512(int threads) { return scb_peak_run(threads); }
