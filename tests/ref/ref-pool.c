#include "ref-pool.h"

#include <math.h>

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

/* pooling_output_shape in PyTorch's Pool.h. */
static int64_t axis_out(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, int ceil_mode)
{
    int64_t o = floor_div(in + 2 * p - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0), s) + 1;
    if (ceil_mode && (o - 1) * s >= in + p)
        o = o - 1;
    return o;
}

/* Does some tap of the window of output o land inside [0, in)? */
static int axis_hits(int64_t o, int64_t in, int64_t k, int64_t s, int64_t p, int64_t d)
{
    for (int64_t t = 0; t < k; t++) {
        int64_t x = o * s - p + t * d;
        if (x >= 0 && x < in)
            return 1;
    }
    return 0;
}

int ref_pool_out_size(const ref_pool *p, int64_t *ho, int64_t *wo)
{
    int64_t a = axis_out(p->h, p->kh, p->sh, p->ph, p->dh, p->ceil_mode);
    int64_t b = axis_out(p->w, p->kw, p->sw, p->pw, p->dw, p->ceil_mode);
    if (a < 1 || b < 1)
        return 0;
    for (int64_t o = 0; o < a; o++)
        if (!axis_hits(o, p->h, p->kh, p->sh, p->ph, p->dh))
            return 0;
    for (int64_t o = 0; o < b; o++)
        if (!axis_hits(o, p->w, p->kw, p->sw, p->pw, p->dw))
            return 0;
    *ho = a;
    *wo = b;
    return 1;
}

void ref_maxpool(const ref_pool *p, const float *in, float *out, int64_t *idx)
{
    int64_t ho, wo;
    if (!ref_pool_out_size(p, &ho, &wo))
        return;
    for (int64_t pl = 0; pl < p->n * p->c; pl++) {
        const float *x = in + pl * p->h * p->w;
        for (int64_t oy = 0; oy < ho; oy++) {
            for (int64_t ox = 0; ox < wo; ox++) {
                /* Padding taps are -inf, which never wins a '>' and is not
                   NaN: they are simply skipped. The index starts at the
                   first real tap. */
                double best = -INFINITY;
                float best_f = -INFINITY;
                int64_t best_i = -1;
                for (int64_t i = 0; i < p->kh; i++) {
                    int64_t y = oy * p->sh - p->ph + i * p->dh;
                    if (y < 0 || y >= p->h)
                        continue;
                    for (int64_t j = 0; j < p->kw; j++) {
                        int64_t xx = ox * p->sw - p->pw + j * p->dw;
                        if (xx < 0 || xx >= p->w)
                            continue;
                        float f = x[y * p->w + xx];
                        double v = (double)f;
                        if (best_i < 0)
                            best_i = y * p->w + xx;
                        if (v > best || isnan(v)) {
                            best = v;
                            best_f = f;
                            best_i = y * p->w + xx;
                        }
                    }
                }
                out[(pl * ho + oy) * wo + ox] = best_f;
                if (idx)
                    idx[(pl * ho + oy) * wo + ox] = best_i;
            }
        }
    }
}

void ref_avgpool(const ref_pool *p, const float *in, double *out, double *abs_sum,
                 int64_t *terms, double *divisor)
{
    int64_t ho, wo;
    if (!ref_pool_out_size(p, &ho, &wo))
        return;
    for (int64_t pl = 0; pl < p->n * p->c; pl++) {
        const float *x = in + pl * p->h * p->w;
        for (int64_t oy = 0; oy < ho; oy++) {
            for (int64_t ox = 0; ox < wo; ox++) {
                /* The window in padded coordinates stops at the far padding
                   edge: ceil_mode's extra reach past it is not counted. */
                int64_t y0 = oy * p->sh - p->ph, x0 = ox * p->sw - p->pw;
                int64_t y1 = y0 + p->kh, x1 = x0 + p->kw;
                if (y1 > p->h + p->ph)
                    y1 = p->h + p->ph;
                if (x1 > p->w + p->pw)
                    x1 = p->w + p->pw;
                int64_t padded_area = (y1 - y0) * (x1 - x0);
                double s = 0, a = 0;
                int64_t n = 0;
                for (int64_t y = y0; y < y1; y++) {
                    for (int64_t xx = x0; xx < x1; xx++) {
                        if (y < 0 || y >= p->h || xx < 0 || xx >= p->w)
                            continue;
                        double v = x[y * p->w + xx];
                        s += v;
                        a += fabs(v);
                        n++;
                    }
                }
                double dv;
                if (p->divisor_override != 0)
                    dv = (double)p->divisor_override;
                else if (p->count_include_pad)
                    dv = (double)padded_area;
                else
                    dv = (double)n;
                int64_t at = (pl * ho + oy) * wo + ox;
                out[at] = s / dv;
                if (abs_sum)
                    abs_sum[at] = a;
                if (terms)
                    terms[at] = n;
                if (divisor)
                    divisor[at] = dv;
            }
        }
    }
}
