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
 * Edges: rows past m are neither loaded nor stored; a row of C narrower than
 * 16 goes through a 16-float stack buffer so that only its n floats are
 * touched. B rows are always read whole (the contract makes all 16 floats
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

static inline void sc_gemm_6x16_load_row(const float *p, int64_t n, float32x4_t *v0,
                                         float32x4_t *v1, float32x4_t *v2, float32x4_t *v3)
{
    if (n == 16) {
        *v0 = vld1q_f32(p);
        *v1 = vld1q_f32(p + 4);
        *v2 = vld1q_f32(p + 8);
        *v3 = vld1q_f32(p + 12);
        return;
    }
    float t[16] = {0.0f};
    for (int64_t j = 0; j < n; j++)
        t[j] = p[j];
    *v0 = vld1q_f32(t);
    *v1 = vld1q_f32(t + 4);
    *v2 = vld1q_f32(t + 8);
    *v3 = vld1q_f32(t + 12);
}

static inline void sc_gemm_6x16_store_row(float *p, int64_t n, float32x4_t v0, float32x4_t v1,
                                          float32x4_t v2, float32x4_t v3)
{
    if (n == 16) {
        vst1q_f32(p, v0);
        vst1q_f32(p + 4, v1);
        vst1q_f32(p + 8, v2);
        vst1q_f32(p + 12, v3);
        return;
    }
    float t[16];
    vst1q_f32(t, v0);
    vst1q_f32(t + 4, v1);
    vst1q_f32(t + 8, v2);
    vst1q_f32(t + 12, v3);
    for (int64_t j = 0; j < n; j++)
        p[j] = t[j];
}

static inline __attribute__((always_inline)) void
sc_gemm_6x16_body(int64_t kc, const float *a, const float *b, int64_t ldb, const float *const *bt,
                  int64_t boff, float *c, int64_t ldc, int64_t m, int64_t n, int accumulate,
                  const float *bias)
{
    /* Callers guarantee 1 <= m <= 6, 1 <= n <= 16; the clamp only keeps a
       broken caller from writing past the tile. */
    m = m < 6 ? m : 6;
    n = n < 16 ? n : 16;

    const float32x4_t z = vdupq_n_f32(0.0f);
    float32x4_t c00 = z, c01 = z, c02 = z, c03 = z;
    float32x4_t c10 = z, c11 = z, c12 = z, c13 = z;
    float32x4_t c20 = z, c21 = z, c22 = z, c23 = z;
    float32x4_t c30 = z, c31 = z, c32 = z, c33 = z;
    float32x4_t c40 = z, c41 = z, c42 = z, c43 = z;
    float32x4_t c50 = z, c51 = z, c52 = z, c53 = z;
    if (accumulate) {
        sc_gemm_6x16_load_row(c, n, &c00, &c01, &c02, &c03);
        if (m > 1)
            sc_gemm_6x16_load_row(c + ldc, n, &c10, &c11, &c12, &c13);
        if (m > 2)
            sc_gemm_6x16_load_row(c + 2 * ldc, n, &c20, &c21, &c22, &c23);
        if (m > 3)
            sc_gemm_6x16_load_row(c + 3 * ldc, n, &c30, &c31, &c32, &c33);
        if (m > 4)
            sc_gemm_6x16_load_row(c + 4 * ldc, n, &c40, &c41, &c42, &c43);
        if (m > 5)
            sc_gemm_6x16_load_row(c + 5 * ldc, n, &c50, &c51, &c52, &c53);
    } else if (bias) {
        c00 = c01 = c02 = c03 = vdupq_n_f32(bias[0]);
        if (m > 1)
            c10 = c11 = c12 = c13 = vdupq_n_f32(bias[1]);
        if (m > 2)
            c20 = c21 = c22 = c23 = vdupq_n_f32(bias[2]);
        if (m > 3)
            c30 = c31 = c32 = c33 = vdupq_n_f32(bias[3]);
        if (m > 4)
            c40 = c41 = c42 = c43 = vdupq_n_f32(bias[4]);
        if (m > 5)
            c50 = c51 = c52 = c53 = vdupq_n_f32(bias[5]);
    }

    for (int64_t k = 0; k < kc; k++) {
        const float32x4_t a03 = vld1q_f32(a);
        const float32x2_t a45 = vld1_f32(a + 4);
        const float *bk = bt ? bt[k] + boff : b;
        const float32x4_t b0 = vld1q_f32(bk);
        const float32x4_t b1 = vld1q_f32(bk + 4);
        const float32x4_t b2 = vld1q_f32(bk + 8);
        const float32x4_t b3 = vld1q_f32(bk + 12);
        a += 6;
        if (!bt)
            b += ldb;

        c00 = vfmaq_laneq_f32(c00, b0, a03, 0);
        c01 = vfmaq_laneq_f32(c01, b1, a03, 0);
        c02 = vfmaq_laneq_f32(c02, b2, a03, 0);
        c03 = vfmaq_laneq_f32(c03, b3, a03, 0);
        c10 = vfmaq_laneq_f32(c10, b0, a03, 1);
        c11 = vfmaq_laneq_f32(c11, b1, a03, 1);
        c12 = vfmaq_laneq_f32(c12, b2, a03, 1);
        c13 = vfmaq_laneq_f32(c13, b3, a03, 1);
        c20 = vfmaq_laneq_f32(c20, b0, a03, 2);
        c21 = vfmaq_laneq_f32(c21, b1, a03, 2);
        c22 = vfmaq_laneq_f32(c22, b2, a03, 2);
        c23 = vfmaq_laneq_f32(c23, b3, a03, 2);
        c30 = vfmaq_laneq_f32(c30, b0, a03, 3);
        c31 = vfmaq_laneq_f32(c31, b1, a03, 3);
        c32 = vfmaq_laneq_f32(c32, b2, a03, 3);
        c33 = vfmaq_laneq_f32(c33, b3, a03, 3);
        c40 = vfmaq_lane_f32(c40, b0, a45, 0);
        c41 = vfmaq_lane_f32(c41, b1, a45, 0);
        c42 = vfmaq_lane_f32(c42, b2, a45, 0);
        c43 = vfmaq_lane_f32(c43, b3, a45, 0);
        c50 = vfmaq_lane_f32(c50, b0, a45, 1);
        c51 = vfmaq_lane_f32(c51, b1, a45, 1);
        c52 = vfmaq_lane_f32(c52, b2, a45, 1);
        c53 = vfmaq_lane_f32(c53, b3, a45, 1);
    }

    sc_gemm_6x16_store_row(c, n, c00, c01, c02, c03);
    if (m > 1)
        sc_gemm_6x16_store_row(c + ldc, n, c10, c11, c12, c13);
    if (m > 2)
        sc_gemm_6x16_store_row(c + 2 * ldc, n, c20, c21, c22, c23);
    if (m > 3)
        sc_gemm_6x16_store_row(c + 3 * ldc, n, c30, c31, c32, c33);
    if (m > 4)
        sc_gemm_6x16_store_row(c + 4 * ldc, n, c40, c41, c42, c43);
    if (m > 5)
        sc_gemm_6x16_store_row(c + 5 * ldc, n, c50, c51, c52, c53);
}

SC_DEFINE_GEMM(6x16, neon)
