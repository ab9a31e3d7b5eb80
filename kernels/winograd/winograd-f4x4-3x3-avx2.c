/* Winograd F(4x4, 3x3) transforms, avx2 build of winograd-impl.h. */
#include "simd/avx2.h"

#define SC_WINO_M 4
#define SC_WINO_INPUT_FN sc_winograd_f4x4_3x3_input_avx2
#define SC_WINO_OUTPUT_FN sc_winograd_f4x4_3x3_output_avx2

/* Eight tiles four columns apart: x[j] lane l = src[4l + j]. 128-bit halves
   pair tile l with tile l + 4, so one in-lane 4x4 transpose yields columns
   0-3 in tile order; columns 4 and 5 are columns 0 and 1 of the next tile. */
#define SC_WINO_ROW_IO 1
#define SC_WINO_ROW_READ 36
static inline __m256 sc_wino_pair(const float *src, int k)
{
    return _mm256_loadu2_m128(src + 16 + 4 * k, src + 4 * k);
}
static inline void sc_wino_load_row(const float *src, __m256 x[6])
{
    const __m256 r0 = sc_wino_pair(src, 0), r1 = sc_wino_pair(src, 1);
    const __m256 r2 = sc_wino_pair(src, 2), r3 = sc_wino_pair(src, 3);
    const __m256 r4 = sc_wino_pair(src, 4);
    const __m256 u0 = _mm256_unpacklo_ps(r0, r1), u1 = _mm256_unpackhi_ps(r0, r1);
    const __m256 u2 = _mm256_unpacklo_ps(r2, r3), u3 = _mm256_unpackhi_ps(r2, r3);
    x[0] = _mm256_shuffle_ps(u0, u2, 0x44);
    x[1] = _mm256_shuffle_ps(u0, u2, 0xEE);
    x[2] = _mm256_shuffle_ps(u1, u3, 0x44);
    x[3] = _mm256_shuffle_ps(u1, u3, 0xEE);
    const __m256 v0 = _mm256_unpacklo_ps(r1, r2), v2 = _mm256_unpacklo_ps(r3, r4);
    x[4] = _mm256_shuffle_ps(v0, v2, 0x44);
    x[5] = _mm256_shuffle_ps(v0, v2, 0xEE);
}
/* The inverse: dst[4l + q] = y[q] lane l. */
static inline void sc_wino_store_row(float *dst, const __m256 y[4])
{
    const __m256 u0 = _mm256_unpacklo_ps(y[0], y[1]), u1 = _mm256_unpackhi_ps(y[0], y[1]);
    const __m256 u2 = _mm256_unpacklo_ps(y[2], y[3]), u3 = _mm256_unpackhi_ps(y[2], y[3]);
    const __m256 t0 = _mm256_shuffle_ps(u0, u2, 0x44), t1 = _mm256_shuffle_ps(u0, u2, 0xEE);
    const __m256 t2 = _mm256_shuffle_ps(u1, u3, 0x44), t3 = _mm256_shuffle_ps(u1, u3, 0xEE);
    /* t_k holds tile k in its low half and tile k + 4 in its high half */
    _mm256_storeu_ps(dst + 0, _mm256_permute2f128_ps(t0, t1, 0x20));
    _mm256_storeu_ps(dst + 8, _mm256_permute2f128_ps(t2, t3, 0x20));
    _mm256_storeu_ps(dst + 16, _mm256_permute2f128_ps(t0, t1, 0x31));
    _mm256_storeu_ps(dst + 24, _mm256_permute2f128_ps(t2, t3, 0x31));
}

#include "winograd/winograd-impl.h"
