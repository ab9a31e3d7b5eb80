/*
 * 12x32 GEMM micro-kernel for AVX-512: 12 rows of C (output channels) by two
 * zmm vectors of 16 columns, 24 zmm accumulators.
 *
 * Per k: two full loads of the B row, then for each of the 12 rows one
 * broadcast of A (vbroadcastss zmm, m32: a pure load uop) feeding the two
 * FMAs of that row: 14 loads per 24 FMAs. The embedded-broadcast form
 * (vfmadd231ps zmm, zmm, m32{1to16}) would reload each A value for its
 * second FMA. Registers: 24 accumulators + 2 B + the broadcasts, inside 32.
 *
 * Why 12 rows, not 8: measured on a 2-core Xeon (Golden Cove class) as the
 * best of 4 alternations of a standalone loop at kc = 256, an 8x32 tile (16
 * accumulators) peaks at 220 GFLOP/s against 234 for 12x32, 8x48, 6x64 and
 * 14x32, with a measured FMA peak of 236; in the benchmark harness 8x32 read
 * 81% of that peak. Of the 24-accumulator tiles, 12x32 keeps the 32-pixel
 * columns the im2col paths block by, and 12 rows split 24/48/96/192/384
 * channels whole (64 runs as 12,12,12,12,8,8: see sc_panel_row).
 *
 * Edges: columns through __mmask16 masked loads/stores of C (masked-off lanes
 * are never accessed); rows past m are neither computed nor loaded nor
 * stored, and a tile of at most 16 columns runs one vector. B rows are read
 * a whole vector at a time (the contract makes all 32 floats readable), A
 * rows are the panel's 12 floats, and no row past kc is read.
 *
 * When accumulating, the accumulators start from C, so each element is the
 * single left-to-right sum c + a0*b0 + a1*b1 + ... (one FMA per step) however
 * callers cut the reduction into kc blocks.
 *
 * sc_igemm_12x32_avx512 reads B row k at bt[k] + boff instead (indirect B,
 * straight from the im2col slab).
 */
#include "internal.h"
#include "simd/avx512.h"

#define MR 12

/* R rows and V vectors (compile-time constants once inlined) of the tile;
   rows past R, and the high half when V is 1, are neither computed nor
   loaded nor stored, so no address past the corner is even formed. Named
   accumulators, not arrays: GCC keeps these in registers. */
#define SC_ROW_INIT(i, x0, x1)                                                                  \
    if (R > i) {                                                                               \
        if (accumulate) {                                                                      \
            x0 = _mm512_maskz_loadu_ps(k0, c + i * ldc);                                       \
            if (V > 1)                                                                         \
                x1 = _mm512_maskz_loadu_ps(k1, c + i * ldc + 16);                              \
        } else if (bias) {                                                                     \
            x0 = x1 = _mm512_set1_ps(bias[i]);                                                 \
        }                                                                                      \
    }
#define SC_ROW_FMA(i, x0, x1)                                                                   \
    if (R > i) {                                                                               \
        const __m512 x = _mm512_set1_ps(ap_[i]);                                               \
        x0 = _mm512_fmadd_ps(x, b0, x0);                                                       \
        if (V > 1)                                                                             \
            x1 = _mm512_fmadd_ps(x, b1, x1);                                                   \
    }
#define SC_ROW_STORE(i, x0, x1)                                                                 \
    if (R > i) {                                                                               \
        _mm512_mask_storeu_ps(c + i * ldc, k0, x0);                                            \
        if (V > 1)                                                                             \
            _mm512_mask_storeu_ps(c + i * ldc + 16, k1, x1);                                   \
    }

/* One k step: B row at bk, A row at ak. */
#define SC_GEMM_12X32_STEP(ak, bk)                                                              \
    do {                                                                                       \
        const float *ap_ = (ak);                                                               \
        const __m512 b0 = _mm512_loadu_ps(bk);                                                \
        const __m512 b1 = V > 1 ? _mm512_loadu_ps((bk) + 16) : b0;                             \
        SC_ROW_FMA(0, c00, c01)                                                                \
        SC_ROW_FMA(1, c10, c11)                                                                \
        SC_ROW_FMA(2, c20, c21)                                                                \
        SC_ROW_FMA(3, c30, c31)                                                                \
        SC_ROW_FMA(4, c40, c41)                                                                \
        SC_ROW_FMA(5, c50, c51)                                                                \
        SC_ROW_FMA(6, c60, c61)                                                                \
        SC_ROW_FMA(7, c70, c71)                                                                \
        SC_ROW_FMA(8, c80, c81)                                                                \
        SC_ROW_FMA(9, c90, c91)                                                                \
        SC_ROW_FMA(10, ca0, ca1)                                                               \
        SC_ROW_FMA(11, cb0, cb1)                                                               \
    } while (0)

static inline __attribute__((always_inline)) void
sc_gemm_12x32_rows(const int R, const int V, int64_t kc, const float *a, const float *b,
                   int64_t ldb, const float *const *bt, int64_t boff, float *c, int64_t ldc,
                   __mmask16 k0, __mmask16 k1, int accumulate, const float *bias)
{
    __m512 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    __m512 c60, c61, c70, c71, c80, c81, c90, c91, ca0, ca1, cb0, cb1;
    c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = _mm512_setzero_ps();
    c40 = c41 = c50 = c51 = c60 = c61 = c70 = c71 = _mm512_setzero_ps();
    c80 = c81 = c90 = c91 = ca0 = ca1 = cb0 = cb1 = _mm512_setzero_ps();
    SC_ROW_INIT(0, c00, c01)
    SC_ROW_INIT(1, c10, c11)
    SC_ROW_INIT(2, c20, c21)
    SC_ROW_INIT(3, c30, c31)
    SC_ROW_INIT(4, c40, c41)
    SC_ROW_INIT(5, c50, c51)
    SC_ROW_INIT(6, c60, c61)
    SC_ROW_INIT(7, c70, c71)
    SC_ROW_INIT(8, c80, c81)
    SC_ROW_INIT(9, c90, c91)
    SC_ROW_INIT(10, ca0, ca1)
    SC_ROW_INIT(11, cb0, cb1)

    /* Unrolled by 2 to spread the loop overhead (by 4, gcc 12 shuffles
       accumulators through extra register moves). Each accumulator sees its
       products in k order either way. */
#pragma GCC unroll 2
    for (int64_t k = 0; k < kc; k++) {
        const float *bk = bt ? bt[k] + boff : b;
        SC_GEMM_12X32_STEP(a, bk);
        a += MR;
        if (!bt)
            b += ldb;
    }

    SC_ROW_STORE(0, c00, c01)
    SC_ROW_STORE(1, c10, c11)
    SC_ROW_STORE(2, c20, c21)
    SC_ROW_STORE(3, c30, c31)
    SC_ROW_STORE(4, c40, c41)
    SC_ROW_STORE(5, c50, c51)
    SC_ROW_STORE(6, c60, c61)
    SC_ROW_STORE(7, c70, c71)
    SC_ROW_STORE(8, c80, c81)
    SC_ROW_STORE(9, c90, c91)
    SC_ROW_STORE(10, ca0, ca1)
    SC_ROW_STORE(11, cb0, cb1)
}

/* The loop for exactly m rows and V vectors: a short panel (cout not a
   multiple of 12) skips the FMAs of its missing rows, and a tile of at most
   16 columns (the end of an output row, for the indirect form) those of its
   high half. Each output still sums its k terms in the same order, so the
   bits depend on neither. */
static inline __attribute__((always_inline)) void
sc_gemm_12x32_rows_m(const int V, int64_t kc, const float *a, const float *b, int64_t ldb,
                     const float *const *bt, int64_t boff, float *c, int64_t ldc, int64_t m,
                     __mmask16 k0, __mmask16 k1, int accumulate, const float *bias)
{
#define SC_ROWS(R)                                                                              \
    sc_gemm_12x32_rows(R, V, kc, a, b, ldb, bt, boff, c, ldc, k0, k1, accumulate, bias)
    SC_GEMM_FOR_ROWS_12(m, SC_ROWS)
#undef SC_ROWS
}

static inline __attribute__((always_inline)) void
sc_gemm_12x32_body(int64_t kc, const float *a, const float *b, int64_t ldb,
                   const float *const *bt, int64_t boff, float *c, int64_t ldc, int64_t m,
                   int64_t n, int accumulate, const float *bias)
{
    /* Callers guarantee 1 <= n <= 32; the clamp only keeps a broken caller
       from writing past the tile. */
    n = n < 32 ? n : 32;
    const __mmask16 k0 = sc_avx512_tail_mask(n);
    const __mmask16 k1 = sc_avx512_tail_mask(n - 16);
    if (n > 16)
        sc_gemm_12x32_rows_m(2, kc, a, b, ldb, bt, boff, c, ldc, m, k0, k1, accumulate, bias);
    else
        sc_gemm_12x32_rows_m(1, kc, a, b, ldb, bt, boff, c, ldc, m, k0, k1, accumulate, bias);
}

#undef SC_GEMM_12X32_STEP
#undef SC_ROW_INIT
#undef SC_ROW_FMA
#undef SC_ROW_STORE

SC_DEFINE_GEMM(12x32, avx512)
