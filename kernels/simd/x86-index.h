/* sc_vstore_index's eight-lane body for avx2.h and avx512.h (included by
   them, after their intrinsics headers): offsets in float lanes, exact below
   2^24, to int64 indices base + l*step + off_l, lanes l < n (1 <= n <= 8). */
#ifndef SC_SIMD_X86_INDEX_H
#define SC_SIMD_X86_INDEX_H

#include <stdint.h>

static inline void sc_x86_store_index8(int64_t *dst, __m256 off, int64_t base, int64_t step,
                                       int64_t n)
{
    const __m256i o = _mm256_cvttps_epi32(off);
    const __m256i b0 = _mm256_set_epi64x(base + 3 * step, base + 2 * step, base + step, base);
    const __m256i b1 = _mm256_add_epi64(b0, _mm256_set1_epi64x(4 * step));
    const __m256i lo = _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(o)), b0);
    const __m256i hi = _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_extracti128_si256(o, 1)), b1);
    if (n == 8) {
        _mm256_storeu_si256((__m256i *)dst, lo);
        _mm256_storeu_si256((__m256i *)(dst + 4), hi);
        return;
    }
    int64_t t[8];
    _mm256_storeu_si256((__m256i *)t, lo);
    _mm256_storeu_si256((__m256i *)(t + 4), hi);
    for (int64_t l = 0; l < n; l++)
        dst[l] = t[l];
}

#endif
