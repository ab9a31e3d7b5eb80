/*
 * 6x16 GEMM micro-kernel for AArch64 Advanced SIMD: 6 rows of C (output
 * channels) by four q vectors of 4 columns, 24 accumulators.
 *
 * Per k: four q loads of the B row and the A row's 6 floats in two loads, a
 * 4-float vld1q and a 2-float vld1 (a second 4-float load would read 2
 * floats past the panel on its last row), then 24 FMAs that take their A
 * factor straight from a lane (fmla v.4s, v.4s, v.s[i]), so there is no
 * broadcast. Registers: 24 accumulators + 4 B + 2 A = 30 of 32.
 *
 * Edges: rows past m are neither computed nor loaded nor stored, and a tile
 * of n columns runs only its ceil(n / 4) vectors. Whole vectors of C are
 * loaded and stored in place; a column count that is not a multiple of 4
 * goes through a stack tile so that only its n floats are touched. B rows
 * are read a whole vector at a time (the contract makes all 16 floats
 * readable); no row past kc is read.
 *
 * When accumulating, the accumulators start from C, so each element is the
 * single left-to-right sum c + a0*b0 + a1*b1 + ... (one FMA per step) however
 * callers cut the reduction into kc blocks.
 *
 * sc_igemm_6x16_neon reads B row k at bt[k] + boff instead (indirect B,
 * straight from the im2col slab).
 */
#include "internal.h"
#include "simd/neon.h"

#define MR 6

/* R rows and V q vectors (compile-time constants once inlined) of the tile
   at t, row stride ldt; rows past R and vectors past V are neither computed
   nor loaded nor stored. Named accumulators, not arrays: GCC keeps these in
   registers. */
#define SC_ROW_INIT(i, x0, x1, x2, x3)                                                          \
    if (R > i) {                                                                               \
        if (accumulate) {                                                                      \
            x0 = vld1q_f32(t + i * ldt);                                                       \
            if (V > 1)                                                                         \
                x1 = vld1q_f32(t + i * ldt + 4);                                               \
            if (V > 2)                                                                         \
                x2 = vld1q_f32(t + i * ldt + 8);                                               \
            if (V > 3)                                                                         \
                x3 = vld1q_f32(t + i * ldt + 12);                                              \
        } else if (bias) {                                                                     \
            x0 = x1 = x2 = x3 = vdupq_n_f32(bias[i]);                                          \
        }                                                                                      \
    }
/* FMA with the A factor taken from a lane (fmla v.4s, v.4s, v.s[l]): rows
   0-3 from the 4-float A load, rows 4-5 from the 2-float one. */
#define SC_ROW_FMA(i, LANEFN, av, l, x0, x1, x2, x3)                                            \
    if (R > i) {                                                                               \
        x0 = LANEFN(x0, b0, av, l);                                                            \
        if (V > 1)                                                                             \
            x1 = LANEFN(x1, b1, av, l);                                                        \
        if (V > 2)                                                                             \
            x2 = LANEFN(x2, b2, av, l);                                                        \
        if (V > 3)                                                                             \
            x3 = LANEFN(x3, b3, av, l);                                                        \
    }
#define SC_ROW_STORE(i, x0, x1, x2, x3)                                                         \
    if (R > i) {                                                                               \
        vst1q_f32(t + i * ldt, x0);                                                            \
        if (V > 1)                                                                             \
            vst1q_f32(t + i * ldt + 4, x1);                                                    \
        if (V > 2)                                                                             \
            vst1q_f32(t + i * ldt + 8, x2);                                                    \
        if (V > 3)                                                                             \
            vst1q_f32(t + i * ldt + 12, x3);                                                   \
    }

static inline __attribute__((always_inline)) void
sc_gemm_6x16_rows(const int R, const int V, int64_t kc, const float *a, const float *b,
                  int64_t ldb, const float *const *bt, int64_t boff, float *t, int64_t ldt,
                  int accumulate, const float *bias)
{
    const float32x4_t z = vdupq_n_f32(0.0f);
    float32x4_t c00 = z, c01 = z, c02 = z, c03 = z;
    float32x4_t c10 = z, c11 = z, c12 = z, c13 = z;
    float32x4_t c20 = z, c21 = z, c22 = z, c23 = z;
    float32x4_t c30 = z, c31 = z, c32 = z, c33 = z;
    float32x4_t c40 = z, c41 = z, c42 = z, c43 = z;
    float32x4_t c50 = z, c51 = z, c52 = z, c53 = z;
    SC_ROW_INIT(0, c00, c01, c02, c03)
    SC_ROW_INIT(1, c10, c11, c12, c13)
    SC_ROW_INIT(2, c20, c21, c22, c23)
    SC_ROW_INIT(3, c30, c31, c32, c33)
    SC_ROW_INIT(4, c40, c41, c42, c43)
    SC_ROW_INIT(5, c50, c51, c52, c53)

    for (int64_t k = 0; k < kc; k++) {
        const float32x4_t a03 = vld1q_f32(a);
        const float32x2_t a45 = vld1_f32(a + 4);
        const float *bk = bt ? bt[k] + boff : b;
        const float32x4_t b0 = vld1q_f32(bk);
        const float32x4_t b1 = V > 1 ? vld1q_f32(bk + 4) : z;
        const float32x4_t b2 = V > 2 ? vld1q_f32(bk + 8) : z;
        const float32x4_t b3 = V > 3 ? vld1q_f32(bk + 12) : z;
        a += MR;
        if (!bt)
            b += ldb;

        SC_ROW_FMA(0, vfmaq_laneq_f32, a03, 0, c00, c01, c02, c03)
        SC_ROW_FMA(1, vfmaq_laneq_f32, a03, 1, c10, c11, c12, c13)
        SC_ROW_FMA(2, vfmaq_laneq_f32, a03, 2, c20, c21, c22, c23)
        SC_ROW_FMA(3, vfmaq_laneq_f32, a03, 3, c30, c31, c32, c33)
        SC_ROW_FMA(4, vfmaq_lane_f32, a45, 0, c40, c41, c42, c43)
        SC_ROW_FMA(5, vfmaq_lane_f32, a45, 1, c50, c51, c52, c53)
    }

    SC_ROW_STORE(0, c00, c01, c02, c03)
    SC_ROW_STORE(1, c10, c11, c12, c13)
    SC_ROW_STORE(2, c20, c21, c22, c23)
    SC_ROW_STORE(3, c30, c31, c32, c33)
    SC_ROW_STORE(4, c40, c41, c42, c43)
    SC_ROW_STORE(5, c50, c51, c52, c53)
}

/* The loop for exactly m rows and V vectors: a short panel (cout not a
   multiple of 6) skips the FMAs of its missing rows, and a tile of at most
   4 (8, 12) columns those of its unused vectors. Each output still sums its
   k terms in the same order, so the bits depend on neither. */
static inline __attribute__((always_inline)) void
sc_gemm_6x16_rows_m(const int V, int64_t kc, const float *a, const float *b, int64_t ldb,
                    const float *const *bt, int64_t boff, float *t, int64_t ldt, int64_t m,
                    int accumulate, const float *bias)
{
#define SC_ROWS(R) sc_gemm_6x16_rows(R, V, kc, a, b, ldb, bt, boff, t, ldt, accumulate, bias)
    SC_GEMM_FOR_ROWS_6(m, SC_ROWS)
#undef SC_ROWS
}

static inline __attribute__((always_inline)) void
sc_gemm_6x16_body(int64_t kc, const float *a, const float *b, int64_t ldb, const float *const *bt,
                  int64_t boff, float *c, int64_t ldc, int64_t m, int64_t n, int accumulate,
                  const float *bias)
{
    /* Callers guarantee 1 <= m <= 6, 1 <= n <= 16; the clamp only keeps a
       broken caller from writing past the tile. */
    m = m < MR ? m : MR;
    n = n < 16 ? n : 16;
    /* Whole vectors are loaded and stored in place; a column count that is
       not a multiple of 4 goes through a stack tile. */
    const int full = n % 4 == 0;
    float tile[MR * 16];
    float *t = c;
    int64_t ldt = ldc;
    if (!full) {
        t = tile;
        ldt = 16;
        if (accumulate)
            for (int64_t i = 0; i < m; i++)
                for (int64_t j = 0; j < 16; j++)
                    tile[i * 16 + j] = j < n ? c[i * ldc + j] : 0.0f;
    }
    if (n > 12)
        sc_gemm_6x16_rows_m(4, kc, a, b, ldb, bt, boff, t, ldt, m, accumulate, bias);
    else if (n > 8)
        sc_gemm_6x16_rows_m(3, kc, a, b, ldb, bt, boff, t, ldt, m, accumulate, bias);
    else if (n > 4)
        sc_gemm_6x16_rows_m(2, kc, a, b, ldb, bt, boff, t, ldt, m, accumulate, bias);
    else
        sc_gemm_6x16_rows_m(1, kc, a, b, ldb, bt, boff, t, ldt, m, accumulate, bias);
    if (!full)
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < n; j++)
                c[i * ldc + j] = tile[i * 16 + j];
}

#undef SC_ROW_INIT
#undef SC_ROW_FMA
#undef SC_ROW_STORE

SC_DEFINE_GEMM(6x16, neon)
