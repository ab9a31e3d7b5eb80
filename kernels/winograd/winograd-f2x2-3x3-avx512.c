/* Winograd F(2x2, 3x3) transforms, avx512 build of winograd-impl.h. */
#include "simd/avx512.h"

#define SC_WINO_M 2
#define SC_WINO_INPUT_FN sc_winograd_f2x2_3x3_input_avx512
#define SC_WINO_OUTPUT_FN sc_winograd_f2x2_3x3_output_avx512

/* Sixteen tiles two columns apart: x[j] lane l = src[2l + j], the even and
   odd elements of 32 floats from src (j = 0, 1) and from src + 2 (j = 2, 3),
   one two-source permute each (the generic lane loads are gathers). */
#define SC_WINO_ROW_IO 1
#define SC_WINO_ROW_READ 34
static inline void sc_wino_load_row(const float *src, __m512 x[4])
{
    const __m512i even =
        _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
    for (int h = 0; h < 2; h++) {
        const __m512 a = _mm512_loadu_ps(src + 2 * h), b = _mm512_loadu_ps(src + 2 * h + 16);
        x[2 * h] = _mm512_permutex2var_ps(a, even, b);
        x[2 * h + 1] = _mm512_permutex2var_ps(a, odd, b);
    }
}
/* The inverse: dst[2l + q] = y[q] lane l. */
static inline void sc_wino_store_row(float *dst, const __m512 y[2])
{
    const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i hi = _mm512_add_epi32(lo, _mm512_set1_epi32(8));
    _mm512_storeu_ps(dst, _mm512_permutex2var_ps(y[0], lo, y[1]));
    _mm512_storeu_ps(dst + 16, _mm512_permutex2var_ps(y[0], hi, y[1]));
}

#include "winograd/winograd-impl.h"
