/*
 * Winograd F(2x2, 3x3) tile transforms in portable C (Lavin & Gray, points
 * 0, 1, -1 and infinity):
 *
 *   B^T = | 1  0 -1  0 |     A^T = | 1  1  1  0 |
 *         | 0  1  1  0 |           | 0  1 -1 -1 |
 *         | 0 -1  1  0 |
 *         | 0  1  0 -1 |
 *
 * Every coefficient is +-1, so each transform stage is exact up to its
 * additions; this tile is the accurate choice for small or shallow layers.
 */
#include "winograd/winograd-gather.h"

#define ALPHA 4


void sc_winograd_f2x2_3x3_input_scalar(const sc_conv_geom *g, const float *plane, int64_t r0,
                                       int64_t c0, float *v, int64_t v_stride)
{
    float d[ALPHA][ALPHA], t[ALPHA][ALPHA];
    sc_wino_gather(g, plane, r0, c0, ALPHA, &d[0][0]);
    for (int j = 0; j < ALPHA; j++) {
        t[0][j] = d[0][j] - d[2][j];
        t[1][j] = d[1][j] + d[2][j];
        t[2][j] = d[2][j] - d[1][j];
        t[3][j] = d[1][j] - d[3][j];
    }
    for (int i = 0; i < ALPHA; i++) {
        float *row = v + (int64_t)i * ALPHA * v_stride;
        row[0 * v_stride] = t[i][0] - t[i][2];
        row[1 * v_stride] = t[i][1] + t[i][2];
        row[2 * v_stride] = t[i][2] - t[i][1];
        row[3 * v_stride] = t[i][1] - t[i][3];
    }
}

void sc_winograd_f2x2_3x3_output_scalar(const float *m_in, int64_t m_stride, float *y,
                                        int64_t ldy, int64_t rows, int64_t cols)
{
    float t[2][ALPHA];
    for (int j = 0; j < ALPHA; j++) {
        const float m0 = m_in[(0 * ALPHA + j) * m_stride], m1 = m_in[(1 * ALPHA + j) * m_stride];
        const float m2 = m_in[(2 * ALPHA + j) * m_stride], m3 = m_in[(3 * ALPHA + j) * m_stride];
        t[0][j] = m0 + m1 + m2;
        t[1][j] = m1 - m2 - m3;
    }
    for (int64_t i = 0; i < rows && i < 2; i++) {
        const float o0 = t[i][0] + t[i][1] + t[i][2];
        const float o1 = t[i][1] - t[i][2] - t[i][3];
        y[i * ldy] = o0;
        if (cols > 1)
            y[i * ldy + 1] = o1;
    }
}
