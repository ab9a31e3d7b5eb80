/*
 * 4x8 GEMM micro-kernel in portable C: the fallback tile for every CPU and
 * the one Winograd's batched GEMMs use when nothing wider is available.
 *
 * The 32 accumulators are separate locals rather than an array so that the
 * compiler keeps them in registers without having to prove the array never
 * escapes. When accumulating, they start from C itself, so an element's
 * value is the single left-to-right sum c + a0*b0 + a1*b1 + ... no matter
 * how a caller cuts the reduction into kc blocks.
 *
 * sc_igemm_4x8_scalar reads B row k at bt[k] + boff instead (indirect B,
 * straight from the im2col slab).
 */
#include "internal.h"

static inline __attribute__((always_inline)) void
sc_gemm_4x8_body(int64_t kc, const float *a, const float *b, int64_t ldb, const float *const *bt,
                 int64_t boff, float *c, int64_t ldc, int64_t m, int64_t n, int accumulate,
                 const float *bias)
{
    /* Callers guarantee 1 <= m <= 4, 1 <= n <= 8; the clamp only keeps a
       broken caller from writing past t. */
    m = m < 4 ? m : 4;
    n = n < 8 ? n : 8;
    float t[4][8] = {{0.0f}};
    if (accumulate)
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < n; j++)
                t[i][j] = c[i * ldc + j];
    else if (bias)
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < 8; j++)
                t[i][j] = bias[i];

    float c00 = t[0][0], c01 = t[0][1], c02 = t[0][2], c03 = t[0][3];
    float c04 = t[0][4], c05 = t[0][5], c06 = t[0][6], c07 = t[0][7];
    float c10 = t[1][0], c11 = t[1][1], c12 = t[1][2], c13 = t[1][3];
    float c14 = t[1][4], c15 = t[1][5], c16 = t[1][6], c17 = t[1][7];
    float c20 = t[2][0], c21 = t[2][1], c22 = t[2][2], c23 = t[2][3];
    float c24 = t[2][4], c25 = t[2][5], c26 = t[2][6], c27 = t[2][7];
    float c30 = t[3][0], c31 = t[3][1], c32 = t[3][2], c33 = t[3][3];
    float c34 = t[3][4], c35 = t[3][5], c36 = t[3][6], c37 = t[3][7];

    for (int64_t k = 0; k < kc; k++) {
        const float a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
        const float *bk = bt ? bt[k] + boff : b;
        const float b0 = bk[0], b1 = bk[1], b2 = bk[2], b3 = bk[3];
        const float b4 = bk[4], b5 = bk[5], b6 = bk[6], b7 = bk[7];
        a += 4;
        if (!bt)
            b += ldb;

        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c04 += a0 * b4; c05 += a0 * b5; c06 += a0 * b6; c07 += a0 * b7;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c14 += a1 * b4; c15 += a1 * b5; c16 += a1 * b6; c17 += a1 * b7;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c24 += a2 * b4; c25 += a2 * b5; c26 += a2 * b6; c27 += a2 * b7;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
        c34 += a3 * b4; c35 += a3 * b5; c36 += a3 * b6; c37 += a3 * b7;
    }

    t[0][0] = c00; t[0][1] = c01; t[0][2] = c02; t[0][3] = c03;
    t[0][4] = c04; t[0][5] = c05; t[0][6] = c06; t[0][7] = c07;
    t[1][0] = c10; t[1][1] = c11; t[1][2] = c12; t[1][3] = c13;
    t[1][4] = c14; t[1][5] = c15; t[1][6] = c16; t[1][7] = c17;
    t[2][0] = c20; t[2][1] = c21; t[2][2] = c22; t[2][3] = c23;
    t[2][4] = c24; t[2][5] = c25; t[2][6] = c26; t[2][7] = c27;
    t[3][0] = c30; t[3][1] = c31; t[3][2] = c32; t[3][3] = c33;
    t[3][4] = c34; t[3][5] = c35; t[3][6] = c36; t[3][7] = c37;

    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++)
            c[i * ldc + j] = t[i][j];
}

SC_DEFINE_GEMM(4x8, scalar)
