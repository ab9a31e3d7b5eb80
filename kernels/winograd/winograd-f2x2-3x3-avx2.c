/* Winograd F(2x2, 3x3) transforms, avx2 build of winograd-impl.h. */
#include "simd/avx2.h"

#define SC_WINO_M 2
#define SC_WINO_INPUT_FN sc_winograd_f2x2_3x3_input_avx2
#define SC_WINO_OUTPUT_FN sc_winograd_f2x2_3x3_output_avx2

/* Eight tiles two columns apart: x[j] lane l = src[2l + j], the even and odd
   elements of 16 floats from src (j = 0, 1) and from src + 2 (j = 2, 3). */
#define SC_WINO_ROW_IO 1
#define SC_WINO_ROW_READ 18
static inline void sc_wino_split(const float *src, __m256 *even, __m256 *odd)
{
    const __m256 a = _mm256_loadu_ps(src), b = _mm256_loadu_ps(src + 8);
    /* in-lane picks leave 64-bit pairs in the order 0 2 1 3 */
    *even = _mm256_castpd_ps(
        _mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xD8));
    *odd = _mm256_castpd_ps(
        _mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xDD)), 0xD8));
}
static inline void sc_wino_load_row(const float *src, __m256 x[4])
{
    sc_wino_split(src, &x[0], &x[1]);
    sc_wino_split(src + 2, &x[2], &x[3]);
}
/* The inverse: dst[2l + q] = y[q] lane l. */
static inline void sc_wino_store_row(float *dst, const __m256 y[2])
{
    const __m256 lo = _mm256_unpacklo_ps(y[0], y[1]), hi = _mm256_unpackhi_ps(y[0], y[1]);
    _mm256_storeu_ps(dst, _mm256_permute2f128_ps(lo, hi, 0x20));
    _mm256_storeu_ps(dst + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
}

#include "winograd/winograd-impl.h"
