/*
 * Winograd F(4x4, 3x3) tile transforms in portable C (Lavin & Gray, points
 * 0, 1, -1, 2, -2 and infinity):
 *
 *   B^T = | 4  0 -5  0  1  0 |     A^T = | 1  1  1  1  1  0 |
 *         | 0 -4 -4  1  1  0 |           | 0  1 -1  2 -2  0 |
 *         | 0  4 -4 -1  1  0 |           | 0  1  1  4  4  0 |
 *         | 0 -2 -1  2  1  0 |           | 0  1 -1  8 -8  1 |
 *         | 0  2 -1 -2  1  0 |
 *         | 0  4  0 -5  0  1 |
 *
 * The rows are evaluated through shared sums and differences (x4 - 4 x2,
 * x3 - 4 x1, ...) so that each stage costs 12 additions instead of 16; no
 * term passes through more roundings than its row has non-zero entries,
 * which is what the error bound in tests/test-winograd.c counts.
 */
#include "winograd/winograd-gather.h"

#define ALPHA 6


/* y = B^T x for one column (or row) of six values. */
static inline void sc_wino4_bt(const float x[ALPHA], float y[ALPHA])
{
    const float a = x[4] - 4.0f * x[2];
    const float b = x[3] - 4.0f * x[1];
    const float c = x[4] - x[2];
    const float d = 2.0f * (x[3] - x[1]);
    y[0] = (4.0f * x[0] - 5.0f * x[2]) + x[4];
    y[1] = a + b;
    y[2] = a - b;
    y[3] = c + d;
    y[4] = c - d;
    y[5] = (4.0f * x[1] - 5.0f * x[3]) + x[5];
}

void sc_winograd_f4x4_3x3_input_scalar(const sc_conv_geom *g, const float *plane, int64_t r0,
                                       int64_t c0, float *v, int64_t v_stride)
{
    float d[ALPHA][ALPHA], t[ALPHA][ALPHA];
    sc_wino_gather(g, plane, r0, c0, ALPHA, &d[0][0]);
    for (int j = 0; j < ALPHA; j++) {
        float col[ALPHA], out[ALPHA];
        for (int i = 0; i < ALPHA; i++)
            col[i] = d[i][j];
        sc_wino4_bt(col, out);
        for (int i = 0; i < ALPHA; i++)
            t[i][j] = out[i];
    }
    for (int i = 0; i < ALPHA; i++) {
        float out[ALPHA];
        sc_wino4_bt(t[i], out);
        float *row = v + (int64_t)i * ALPHA * v_stride;
        for (int j = 0; j < ALPHA; j++)
            row[j * v_stride] = out[j];
    }
}

/* y = A^T x for one column (or row) of six values. */
static inline void sc_wino4_at(const float x[ALPHA], float y[4])
{
    const float s12 = x[1] + x[2], d12 = x[1] - x[2];
    const float s34 = x[3] + x[4], d34 = x[3] - x[4];
    y[0] = (x[0] + s12) + s34;
    y[1] = d12 + 2.0f * d34;
    y[2] = s12 + 4.0f * s34;
    y[3] = (d12 + 8.0f * d34) + x[5];
}

void sc_winograd_f4x4_3x3_output_scalar(const float *m_in, int64_t m_stride, float *y,
                                        int64_t ldy, int64_t rows, int64_t cols)
{
    float t[4][ALPHA];
    for (int j = 0; j < ALPHA; j++) {
        float col[ALPHA], out[4];
        for (int i = 0; i < ALPHA; i++)
            col[i] = m_in[(int64_t)(i * ALPHA + j) * m_stride];
        sc_wino4_at(col, out);
        for (int i = 0; i < 4; i++)
            t[i][j] = out[i];
    }
    const int64_t nr = rows < 4 ? rows : 4, nc = cols < 4 ? cols : 4;
    for (int64_t i = 0; i < nr; i++) {
        float out[4];
        sc_wino4_at(t[i], out);
        for (int64_t j = 0; j < nc; j++)
            y[i * ldy + j] = out[j];
    }
}
