/* Winograd F(3x3, 4x4) transforms, avx2 build of winograd-impl.h. */
#include "simd/avx2.h"

#define SC_WINO_M 3
#define SC_WINO_R 4
#define SC_WINO_INPUT_FN sc_winograd_f3x3_4x4_input_avx2
#define SC_WINO_OUTPUT_FN sc_winograd_f3x3_4x4_output_avx2

/* Eight tiles three columns apart: x[j] lane l = src[3l + j]. A stride-3
   deinterleave of 24 values is two blends and one lane permutation per
   output; columns 3-5 are the same deinterleave started three values on. */
#define SC_WINO_ROW_IO 1
#define SC_WINO_ROW_READ 27
static inline void sc_wino_deinterleave3(const float *src, __m256 x[3])
{
    const __m256 a = _mm256_loadu_ps(src), b = _mm256_loadu_ps(src + 8);
    const __m256 c = _mm256_loadu_ps(src + 16);
    /* t0 holds values 0 9 18 3 12 21 6 15, t1 16 1 10 19 4 13 22 7,
       t2 8 17 2 11 20 5 14 23 */
    const __m256 t0 = _mm256_blend_ps(_mm256_blend_ps(a, b, 0x92), c, 0x24);
    const __m256 t1 = _mm256_blend_ps(_mm256_blend_ps(a, b, 0x24), c, 0x49);
    const __m256 t2 = _mm256_blend_ps(_mm256_blend_ps(a, b, 0x49), c, 0x92);
    x[0] = _mm256_permutevar8x32_ps(t0, _mm256_setr_epi32(0, 3, 6, 1, 4, 7, 2, 5));
    x[1] = _mm256_permutevar8x32_ps(t1, _mm256_setr_epi32(1, 4, 7, 2, 5, 0, 3, 6));
    x[2] = _mm256_permutevar8x32_ps(t2, _mm256_setr_epi32(2, 5, 0, 3, 6, 1, 4, 7));
}
static inline void sc_wino_load_row(const float *src, __m256 x[6])
{
    sc_wino_deinterleave3(src, x);
    sc_wino_deinterleave3(src + 3, x + 3);
}
/* The inverse: each y[q] permuted so its lanes sit where the three output
   vectors want them, then blended. */
static inline void sc_wino_store_row(float *dst, const __m256 y[3])
{
    const __m256 p0 = _mm256_permutevar8x32_ps(y[0], _mm256_setr_epi32(0, 3, 6, 1, 4, 7, 2, 5));
    const __m256 p1 = _mm256_permutevar8x32_ps(y[1], _mm256_setr_epi32(5, 0, 3, 6, 1, 4, 7, 2));
    const __m256 p2 = _mm256_permutevar8x32_ps(y[2], _mm256_setr_epi32(2, 5, 0, 3, 6, 1, 4, 7));
    _mm256_storeu_ps(dst, _mm256_blend_ps(_mm256_blend_ps(p0, p1, 0x92), p2, 0x24));
    _mm256_storeu_ps(dst + 8, _mm256_blend_ps(_mm256_blend_ps(p2, p0, 0x92), p1, 0x24));
    _mm256_storeu_ps(dst + 16, _mm256_blend_ps(_mm256_blend_ps(p1, p2, 0x92), p0, 0x24));
}

#include "winograd/winograd-impl.h"
