/*
 * Direct convolution in portable C, for every shape the plan accepts: any
 * kernel size, stride, dilation, groups and padding mode.
 *
 * Each output row is accumulated in place, one kernel row (ic, kh) at a time
 * across the whole output row. Every output element therefore sees the same
 * sequence of additions, in the order (ic, kh, kw), whatever block of rows
 * or channels the executor hands over. The row-wide inner loops have fixed
 * weights and a fixed input stride, so the compiler can vectorise them.
 *
 * Padding is never materialised: rows and columns go through g->row_src and
 * g->col_src. A padded zero still contributes w * 0, as it would in PyTorch
 * (so a non-finite weight over zero padding gives NaN, not a silent skip).
 */
#include "internal.h"

/* Adds the taps of one kernel row, weights wk[0..kw), over input row `src`
   (NULL for a zero row) into out[ow] for ow in [0, wo). Tap j of output ow
   reads padded column ow*sw + j*dw. The taps of one output are added in
   ascending j, one rounding each, whichever loop order is used below. */
static void sc_direct_row(const sc_conv_geom *g, const float *src, const float *wk, float *out)
{
    const int64_t wo = g->wo, sw = g->sw, dw = g->dw, kw = g->kw;
    if (!src) {
        for (int64_t j = 0; j < kw; j++)
            for (int64_t ow = 0; ow < wo; ow++)
                out[ow] += wk[j] * 0.0f;
        return;
    }
    const int64_t lo = g->ow_lo, hi = g->ow_hi > g->ow_lo ? g->ow_hi : g->ow_lo;
    /* Border columns: through the map. */
    for (int64_t ow = 0; ow < lo; ow++)
        for (int64_t j = 0; j < kw; j++) {
            const int64_t c = g->col_src[ow * sw + j * dw];
            out[ow] += wk[j] * (c < 0 ? 0.0f : src[c]);
        }
    for (int64_t ow = hi; ow < wo; ow++)
        for (int64_t j = 0; j < kw; j++) {
            const int64_t c = g->col_src[ow * sw + j * dw];
            out[ow] += wk[j] * (c < 0 ? 0.0f : src[c]);
        }
    /* Interior: padded column ow*sw + j*dw is input column
       ow*sw + j*dw - pad_left, inside the row by construction. */
    const int64_t shift = -g->pad_left;
    if (kw == 3) {
        /* The common case, spelled out so the ow loop vectorises and each
           output is loaded and stored once per kernel row. */
        const float w0 = wk[0], w1 = wk[1], w2 = wk[2];
        const int64_t d1 = shift + dw, d2 = shift + 2 * dw;
        if (sw == 1) {
            for (int64_t ow = lo; ow < hi; ow++) {
                float acc = out[ow];
                acc += w0 * src[ow + shift];
                acc += w1 * src[ow + d1];
                acc += w2 * src[ow + d2];
                out[ow] = acc;
            }
        } else {
            for (int64_t ow = lo; ow < hi; ow++) {
                float acc = out[ow];
                acc += w0 * src[ow * sw + shift];
                acc += w1 * src[ow * sw + d1];
                acc += w2 * src[ow * sw + d2];
                out[ow] = acc;
            }
        }
        return;
    }
    for (int64_t j = 0; j < kw; j++) {
        const float w = wk[j];
        const int64_t off = shift + j * dw;
        if (sw == 1) {
            for (int64_t ow = lo; ow < hi; ow++)
                out[ow] += w * src[ow + off];
        } else {
            for (int64_t ow = lo; ow < hi; ow++)
                out[ow] += w * src[ow * sw + off];
        }
    }
}

void sc_direct_scalar(const sc_conv_geom *g, const float *in, const float *weight,
                      const float *bias, const int64_t *tap_off, float *out, int64_t oc0,
                      int64_t oc1, int64_t oh0, int64_t oh1, float *scratch)
{
    (void)scratch; /* the row loops read through the padding maps */
    (void)tap_off;
    const int64_t cin_g = g->cin_g, kh = g->kh, kw = g->kw;
    const int64_t h = g->h, w = g->w, wo = g->wo, ho = g->ho;
    const int64_t plane_out = ho * wo;
    const int64_t ksize = cin_g * kh * kw;

    for (int64_t oc = oc0; oc < oc1; oc++) {
        const int64_t grp = oc / g->cout_g;
        const float *in_g = in + grp * cin_g * h * w;
        const float *w_oc = weight + oc * ksize;
        const float b = bias ? bias[oc] : 0.0f;
        for (int64_t oh = oh0; oh < oh1; oh++) {
            float *orow = out + oc * plane_out + oh * wo;
            for (int64_t ow = 0; ow < wo; ow++)
                orow[ow] = b;
            for (int64_t ic = 0; ic < cin_g; ic++) {
                const float *plane = in_g + ic * h * w;
                for (int64_t i = 0; i < kh; i++) {
                    const int64_t r = g->row_src[oh * g->sh + i * g->dh];
                    const float *src = r < 0 ? NULL : plane + r * w;
                    sc_direct_row(g, src, w_oc + (ic * kh + i) * kw, orow);
                }
            }
        }
    }
}
