/* Winograd F(3x3, 4x4) transforms, avx512 build of winograd-impl.h. */
#include "simd/avx512.h"

#define SC_WINO_M 3
#define SC_WINO_R 4
#define SC_WINO_INPUT_FN sc_winograd_f3x3_4x4_input_avx512
#define SC_WINO_OUTPUT_FN sc_winograd_f3x3_4x4_output_avx512

/* Sixteen tiles three columns apart: x[j] lane l = src[3l + j]. Columns
   0-2 span three source vectors: a two-source permute fills the lanes whose
   value lies in the first 32 floats, a merge-masked one-source permute of
   the third vector the rest (it reads an index's low four bits, so one index
   vector serves both). Columns 3-5 are columns 0-2 moved down one lane, the
   last lane from src[48 + j]. */
#define SC_WINO_ROW_IO 1
#define SC_WINO_ROW_READ 51
static inline __m512i sc_wino_idx3(int j)
{
    return _mm512_add_epi32(
        _mm512_setr_epi32(0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36, 39, 42, 45),
        _mm512_set1_epi32(j));
}
static inline void sc_wino_load_row(const float *src, __m512 x[6])
{
    const __m512 r0 = _mm512_loadu_ps(src), r1 = _mm512_loadu_ps(src + 16);
    const __m512 r2 = _mm512_loadu_ps(src + 32);
    /* lanes whose column-j value is at 32 or beyond: l >= 11, 11, 10 */
    const __mmask16 third[3] = {0xF800, 0xF800, 0xFC00};
    const __m512 tail = _mm512_maskz_loadu_ps(0x7, src + 48);
    for (int j = 0; j < 3; j++) {
        const __m512i idx = sc_wino_idx3(j);
        x[j] = _mm512_mask_permutexvar_ps(_mm512_permutex2var_ps(r0, idx, r1), third[j], idx, r2);
        const __m512i next = _mm512_setr_epi32(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                                               16 + j);
        x[j + 3] = _mm512_permutex2var_ps(x[j], next, tail);
    }
}
/* The inverse: dst[3l + q] = y[q] lane l. Output vector k holds flat
   positions 16k .. 16k + 15; position f takes lane f / 3 of y[f % 3]: a
   two-source permute of y0 and y1, then y2's lanes merged in by mask. */
static inline void sc_wino_store_row(float *dst, const __m512 y[3])
{
    /* idx lane = f / 3 + 16 (f % 3 == 1), f / 3 otherwise */
    const __m512i i0 = _mm512_setr_epi32(0, 16, 0, 1, 17, 1, 2, 18, 2, 3, 19, 3, 4, 20, 4, 5);
    const __m512i i1 = _mm512_setr_epi32(21, 5, 6, 22, 6, 7, 23, 7, 8, 24, 8, 9, 25, 9, 10, 26);
    const __m512i i2 = _mm512_setr_epi32(10, 11, 27, 11, 12, 28, 12, 13, 29, 13, 14, 30, 14, 15,
                                         31, 15);
    /* lanes with f % 3 == 2 */
    const __mmask16 m0 = 0x4924, m1 = 0x2492, m2 = 0x9249;
    _mm512_storeu_ps(dst, _mm512_mask_permutexvar_ps(_mm512_permutex2var_ps(y[0], i0, y[1]), m0,
                                                     i0, y[2]));
    _mm512_storeu_ps(dst + 16, _mm512_mask_permutexvar_ps(_mm512_permutex2var_ps(y[0], i1, y[1]),
                                                          m1, i1, y[2]));
    _mm512_storeu_ps(dst + 32, _mm512_mask_permutexvar_ps(_mm512_permutex2var_ps(y[0], i2, y[1]),
                                                          m2, i2, y[2]));
}

#include "winograd/winograd-impl.h"
