/* Winograd F(4x4, 3x3) transforms, avx512 build of winograd-impl.h. */
#include "simd/avx512.h"

#define SC_WINO_M 4
#define SC_WINO_INPUT_FN sc_winograd_f4x4_3x3_input_avx512
#define SC_WINO_OUTPUT_FN sc_winograd_f4x4_3x3_output_avx512

/* Sixteen tiles four columns apart: x[j] lane l = src[4l + j]. Per pair of
   source vectors (eight tiles) one permute gathers columns 0 and 1, one
   columns 2 and 3, each in a half; two more join the halves of tiles 0-7
   and 8-15. Columns 4 and 5 are columns 0 and 1 moved
   down one lane, the last lane from src[64] and src[65]. Ten shuffles per
   row where the generic lane loads would run six 16-element gathers. */
#define SC_WINO_ROW_IO 1
#define SC_WINO_ROW_READ 66
/* Lanes 0-7 (lo) or 8-15 (hi) of the first source, then of the second. */
static inline __m512 sc_wino_join(__m512 a, __m512 b, int hi)
{
    const __m512i lo = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
    return _mm512_permutex2var_ps(a, hi ? _mm512_add_epi32(lo, _mm512_set1_epi32(8)) : lo, b);
}
static inline void sc_wino_load_row(const float *src, __m512 x[6])
{
    const __m512i c01 = _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
    const __m512i c23 = _mm512_add_epi32(c01, _mm512_set1_epi32(2));
    /* lanes 1-15 of the first source, then lane 0 (or 1) of the second */
    const __m512i next0 = _mm512_setr_epi32(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
    const __m512i next1 = _mm512_setr_epi32(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17);
    const __m512 r0 = _mm512_loadu_ps(src), r1 = _mm512_loadu_ps(src + 16);
    const __m512 r2 = _mm512_loadu_ps(src + 32), r3 = _mm512_loadu_ps(src + 48);
    const __m512 a = _mm512_permutex2var_ps(r0, c01, r1), b = _mm512_permutex2var_ps(r0, c23, r1);
    const __m512 c = _mm512_permutex2var_ps(r2, c01, r3), d = _mm512_permutex2var_ps(r2, c23, r3);
    x[0] = sc_wino_join(a, c, 0);
    x[1] = sc_wino_join(a, c, 1);
    x[2] = sc_wino_join(b, d, 0);
    x[3] = sc_wino_join(b, d, 1);
    const __m512 tail = _mm512_maskz_loadu_ps(0x3, src + 64);
    x[4] = _mm512_permutex2var_ps(x[0], next0, tail);
    x[5] = _mm512_permutex2var_ps(x[1], next1, tail);
}
/* The inverse: dst[4l + q] = y[q] lane l. Tiles 0-7 (or 8-15) of y0 and y1
   are joined in one vector, p, and of y2 and y3 in another, q; one permute
   per output vector then interleaves four tiles' columns. */
static inline void sc_wino_store_half(float *dst, __m512 p, __m512 q)
{
    const __m512i t03 = _mm512_setr_epi32(0, 8, 16, 24, 1, 9, 17, 25, 2, 10, 18, 26, 3, 11, 19, 27);
    const __m512i t47 = _mm512_add_epi32(t03, _mm512_set1_epi32(4));
    _mm512_storeu_ps(dst, _mm512_permutex2var_ps(p, t03, q));
    _mm512_storeu_ps(dst + 16, _mm512_permutex2var_ps(p, t47, q));
}
static inline void sc_wino_store_row(float *dst, const __m512 y[4])
{
    for (int h = 0; h < 2; h++)
        sc_wino_store_half(dst + 32 * h, sc_wino_join(y[0], y[1], h), sc_wino_join(y[2], y[3], h));
}

#include "winograd/winograd-impl.h"
