/*
 * 8x32 GEMM micro-kernel for AVX-512: 8 rows of C (output channels) by two
 * zmm vectors of 16 columns, 16 zmm accumulators.
 *
 * Per k: two full loads of the B row, then for each of the 8 rows one
 * broadcast of A (vbroadcastss zmm, m32: a pure load uop) feeding the two
 * FMAs of that row. That is 10 loads per 16 FMAs; the embedded-broadcast
 * form (vfmadd231ps zmm, zmm, m32{1to16}) would reload each A value for its
 * second FMA, 18 loads per 16 FMAs, more than two load ports can serve in
 * the 8 cycles the FMAs take. Registers: 16 accumulators + 2 B + the
 * broadcasts, well inside 32.
 *
 * Edges: columns through __mmask16 masked loads/stores of C (masked-off lanes
 * are never accessed); rows past m are neither loaded nor stored. B rows are
 * always read whole (the contract makes all 32 floats readable), A rows are
 * the panel's 8 floats, and no row past kc is read.
 *
 * When accumulating, the accumulators start from C, so each element is the
 * single left-to-right sum c + a0*b0 + a1*b1 + ... (one FMA per step) however
 * callers cut the reduction into kc blocks.
 *
 * sc_igemm_8x32_avx512 reads B row k at bt[k] + boff instead (indirect B,
 * straight from the im2col slab).
 */
#include "internal.h"
#include "simd/avx512.h"

/* One row of the tile: the masked C loads and stores of its two halves. The
   high half is skipped entirely when n <= 16, so no address past the corner
   is even formed. */
static inline void sc_gemm_8x32_load_row(const float *p, __mmask16 k0, __mmask16 k1, int64_t n,
                                         __m512 *lo, __m512 *hi)
{
    *lo = _mm512_maskz_loadu_ps(k0, p);
    *hi = n > 16 ? _mm512_maskz_loadu_ps(k1, p + 16) : _mm512_setzero_ps();
}

static inline void sc_gemm_8x32_store_row(float *p, __mmask16 k0, __mmask16 k1, int64_t n,
                                          __m512 lo, __m512 hi)
{
    _mm512_mask_storeu_ps(p, k0, lo);
    if (n > 16)
        _mm512_mask_storeu_ps(p + 16, k1, hi);
}

/* One k step: B row at bp (32 floats), A row at ap (8 floats). */
#define SC_GEMM_8X32_STEP(ap, bp)                                                              \
    do {                                                                                       \
        const __m512 b0 = _mm512_loadu_ps(bp);                                                 \
        const __m512 b1 = _mm512_loadu_ps((bp) + 16);                                          \
        __m512 av;                                                                             \
        av = _mm512_set1_ps((ap)[0]);                                                          \
        c00 = _mm512_fmadd_ps(av, b0, c00);                                                    \
        c01 = _mm512_fmadd_ps(av, b1, c01);                                                    \
        av = _mm512_set1_ps((ap)[1]);                                                          \
        c10 = _mm512_fmadd_ps(av, b0, c10);                                                    \
        c11 = _mm512_fmadd_ps(av, b1, c11);                                                    \
        av = _mm512_set1_ps((ap)[2]);                                                          \
        c20 = _mm512_fmadd_ps(av, b0, c20);                                                    \
        c21 = _mm512_fmadd_ps(av, b1, c21);                                                    \
        av = _mm512_set1_ps((ap)[3]);                                                          \
        c30 = _mm512_fmadd_ps(av, b0, c30);                                                    \
        c31 = _mm512_fmadd_ps(av, b1, c31);                                                    \
        av = _mm512_set1_ps((ap)[4]);                                                          \
        c40 = _mm512_fmadd_ps(av, b0, c40);                                                    \
        c41 = _mm512_fmadd_ps(av, b1, c41);                                                    \
        av = _mm512_set1_ps((ap)[5]);                                                          \
        c50 = _mm512_fmadd_ps(av, b0, c50);                                                    \
        c51 = _mm512_fmadd_ps(av, b1, c51);                                                    \
        av = _mm512_set1_ps((ap)[6]);                                                          \
        c60 = _mm512_fmadd_ps(av, b0, c60);                                                    \
        c61 = _mm512_fmadd_ps(av, b1, c61);                                                    \
        av = _mm512_set1_ps((ap)[7]);                                                          \
        c70 = _mm512_fmadd_ps(av, b0, c70);                                                    \
        c71 = _mm512_fmadd_ps(av, b1, c71);                                                    \
    } while (0)

static inline __attribute__((always_inline)) void
sc_gemm_8x32_body(int64_t kc, const float *a, const float *b, int64_t ldb, const float *const *bt,
                  int64_t boff, float *c, int64_t ldc, int64_t m, int64_t n, int accumulate,
                  const float *bias)
{
    /* Callers guarantee 1 <= m <= 8, 1 <= n <= 32; the clamp only keeps a
       broken caller from writing past the tile. */
    m = m < 8 ? m : 8;
    n = n < 32 ? n : 32;
    const __mmask16 k0 = sc_avx512_tail_mask(n);
    const __mmask16 k1 = sc_avx512_tail_mask(n - 16);

    __m512 c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps();
    __m512 c10 = _mm512_setzero_ps(), c11 = _mm512_setzero_ps();
    __m512 c20 = _mm512_setzero_ps(), c21 = _mm512_setzero_ps();
    __m512 c30 = _mm512_setzero_ps(), c31 = _mm512_setzero_ps();
    __m512 c40 = _mm512_setzero_ps(), c41 = _mm512_setzero_ps();
    __m512 c50 = _mm512_setzero_ps(), c51 = _mm512_setzero_ps();
    __m512 c60 = _mm512_setzero_ps(), c61 = _mm512_setzero_ps();
    __m512 c70 = _mm512_setzero_ps(), c71 = _mm512_setzero_ps();
    if (accumulate) {
        sc_gemm_8x32_load_row(c, k0, k1, n, &c00, &c01);
        if (m > 1)
            sc_gemm_8x32_load_row(c + ldc, k0, k1, n, &c10, &c11);
        if (m > 2)
            sc_gemm_8x32_load_row(c + 2 * ldc, k0, k1, n, &c20, &c21);
        if (m > 3)
            sc_gemm_8x32_load_row(c + 3 * ldc, k0, k1, n, &c30, &c31);
        if (m > 4)
            sc_gemm_8x32_load_row(c + 4 * ldc, k0, k1, n, &c40, &c41);
        if (m > 5)
            sc_gemm_8x32_load_row(c + 5 * ldc, k0, k1, n, &c50, &c51);
        if (m > 6)
            sc_gemm_8x32_load_row(c + 6 * ldc, k0, k1, n, &c60, &c61);
        if (m > 7)
            sc_gemm_8x32_load_row(c + 7 * ldc, k0, k1, n, &c70, &c71);
    } else if (bias) {
        c00 = c01 = _mm512_set1_ps(bias[0]);
        if (m > 1)
            c10 = c11 = _mm512_set1_ps(bias[1]);
        if (m > 2)
            c20 = c21 = _mm512_set1_ps(bias[2]);
        if (m > 3)
            c30 = c31 = _mm512_set1_ps(bias[3]);
        if (m > 4)
            c40 = c41 = _mm512_set1_ps(bias[4]);
        if (m > 5)
            c50 = c51 = _mm512_set1_ps(bias[5]);
        if (m > 6)
            c60 = c61 = _mm512_set1_ps(bias[6]);
        if (m > 7)
            c70 = c71 = _mm512_set1_ps(bias[7]);
    }

    /* Unrolled by 2 to spread the loop overhead (by 4, gcc 12 shuffles
       accumulators through extra register moves); the remainder runs one k
       at a time. Either way each accumulator sees its products in k order. */
    int64_t k = 0;
    for (; k + 2 <= kc; k += 2) {
        SC_GEMM_8X32_STEP(a, bt ? bt[k] + boff : b);
        SC_GEMM_8X32_STEP(a + 8, bt ? bt[k + 1] + boff : b + ldb);
        a += 16;
        if (!bt)
            b += 2 * ldb;
    }
    for (; k < kc; k++) {
        SC_GEMM_8X32_STEP(a, bt ? bt[k] + boff : b);
        a += 8;
        if (!bt)
            b += ldb;
    }

    sc_gemm_8x32_store_row(c, k0, k1, n, c00, c01);
    if (m > 1)
        sc_gemm_8x32_store_row(c + ldc, k0, k1, n, c10, c11);
    if (m > 2)
        sc_gemm_8x32_store_row(c + 2 * ldc, k0, k1, n, c20, c21);
    if (m > 3)
        sc_gemm_8x32_store_row(c + 3 * ldc, k0, k1, n, c30, c31);
    if (m > 4)
        sc_gemm_8x32_store_row(c + 4 * ldc, k0, k1, n, c40, c41);
    if (m > 5)
        sc_gemm_8x32_store_row(c + 5 * ldc, k0, k1, n, c50, c51);
    if (m > 6)
        sc_gemm_8x32_store_row(c + 6 * ldc, k0, k1, n, c60, c61);
    if (m > 7)
        sc_gemm_8x32_store_row(c + 7 * ldc, k0, k1, n, c70, c71);
}

#undef SC_GEMM_8X32_STEP

SC_DEFINE_GEMM(8x32, avx512)
