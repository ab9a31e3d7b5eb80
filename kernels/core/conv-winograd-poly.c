/*
 * Strided layers, and stride-1 layers with 5x5- or 7x7-like kernels, as 3x3
 * or 4x4 Winograd problems over the input's stride phases (a polyphase
 * decomposition).
 *
 * Per dimension, with stride s, kernel k and an output phase factor f (1 or
 * 2): output o = f*u + a (a < f) reads padded input s*o + t = S*u + s*a + t,
 * t < k, S = s*f. Writing s*a + t = S*q + b (b < S) makes that padded row
 * S*(u + q) + b: row u + q of the input's phase b (its every S-th row from
 * b). So the outputs of phase a are a stride-1 convolution, summed over the
 * S input phases taken as extra input channels, with the kernel
 *     w'[a][b][q] = w[S*q + b - s*a]   (zero outside 0..k-1),
 * q < r = ceil((s*(f-1) + k) / S). The route applies where, for f = 1 or
 * 2 per dimension, r is 3 in both dimensions (F(4x4, 3x3) or F(2x2, 3x3))
 * or 4 in both (F(3x3, 4x4)), and takes the choice with the fewest
 * transform-domain multiplies per output, S_h S_w alpha^2 / m^2:
 *   - r = 3, f = 1: ceil(k/s) == 3, e.g. AlexNet's 11x11 stride 4 (48 phase
 *     channels of 3x3 from 3 input channels: 144 taps for the kernel's 121),
 *     5x5 stride 2;
 *   - r = 3, f = 2: 5x5 at stride 1, 9x9 at stride 2; the f*f output phases
 *     become extra output channels (a 5x5 kernel's 2x2 outputs take 4 x 36
 *     taps for 4 x 25, 1.44x, which Winograd's 4x fewer multiplies still
 *     repay on wide layers);
 *   - r = 4, f = 1: 7x7 or 8x8 at stride 2 (the ResNet stem: 4 phases of
 *     4x4, 64 taps for 49, where the 3x3 form with f = 2 takes 144);
 *   - r = 4, f = 2: 7x7 at stride 1 (4 phases, 4 output phases, 4x4).
 * One inner Winograd plan runs the result: cin*S_h*S_w input channels
 * (channel c's phases consecutive, [cin][S_h][S_w][hq][wq], so groups stay
 * contiguous) and cout*f_h*f_w output channels (output channel o's phases
 * consecutive), no padding; conv-winograd-phases.c splits the input, runs
 * it, and with f > 1 interleaves the output phases back. With f = 1 the
 * inner plan writes the output in place.
 */
#include <string.h>

#include "conv.h"

/* The phase factor for kernel k at stride s: the smaller f whose phase
   kernels are r wide, or 0. */
static int64_t sc_poly_factor(int64_t k, int64_t s, int64_t r)
{
    for (int64_t f = 1; f <= 2; f++)
        if ((s * (f - 1) + k + s * f - 1) / (s * f) == r)
            return f;
    return 0;
}

int sc_wino_poly_factors(const sc_conv_geom *g, int tile, int64_t *fh, int64_t *fw, int64_t *r)
{
    if (g->dh != 1 || g->dw != 1)
        return 0;
    double best = 0.0;
    for (int64_t q = 3; q <= 4; q++) {
        /* a forced tile names its kernel size: 3 is F(3x3, 4x4) */
        if (tile && (tile == 3) != (q == 4))
            continue;
        const int64_t ah = sc_poly_factor(g->kh, g->sh, q), aw = sc_poly_factor(g->kw, g->sw, q);
        /* multiplies per output: S_h S_w alpha^2 / m^2, alpha = 6, m = 4 or 3 */
        const double cost = (double)(ah * g->sh * aw * g->sw) * (q == 3 ? 36.0 / 16 : 36.0 / 9);
        if (ah && aw && (best == 0.0 || cost < best)) {
            best = cost;
            *fh = ah;
            *fw = aw;
            *r = q;
        }
    }
    return best > 0.0;
}

/* The inner plan's weight, [cout][fh][fw][cin_g][qh][qw][r][r] in PyTorch's
   layout for cout*fh*fw output and cin*qh*qw input channels. */
static void sc_poly_weights(const sc_conv_geom *g, const sc_wino_phases *pl, int64_t rk,
                            const float *w, float *wq)
{
    const int64_t qh = pl->qh, qw = pl->qw;
    for (int64_t o = 0; o < g->cout; o++)
        for (int64_t a = 0; a < pl->fh; a++)
            for (int64_t b = 0; b < pl->fw; b++)
                for (int64_t c = 0; c < g->cin_g; c++)
                    for (int64_t ph = 0; ph < qh; ph++)
                        for (int64_t pw = 0; pw < qw; pw++)
                            for (int64_t q = 0; q < rk; q++)
                                for (int64_t r = 0; r < rk; r++) {
                                    const int64_t i = qh * q + ph - g->sh * a;
                                    const int64_t j = qw * r + pw - g->sw * b;
                                    const int inside = i >= 0 && i < g->kh && j >= 0 && j < g->kw;
                                    *wq++ = inside ? w[((o * g->cin_g + c) * g->kh + i) * g->kw + j]
                                                   : 0.0f;
                                }
}

sc_status sc_wino_poly_create(sc_conv2d_plan *p, const float *weight, sc_wino_phases **out,
                              const char **why)
{
    const sc_conv_geom *g = &p->g;
    int64_t fh, fw, r;
    if (!sc_wino_poly_factors(g, p->winograd_tile, &fh, &fw, &r)) {
        *why = "needs a 3x3 or 4x4 kernel at stride 1 (dilation allowed), or a kernel and "
               "stride whose phases are 3x3 or 4x4 (ceil(k/stride) == 3 or 4, 5x5- or "
               "7x7-like at stride 1), matching the winograd_tile asked for";
        return SC_UNSUPPORTED;
    }
    sc_wino_phases ph = {0};
    ph.fh = fh;
    ph.fw = fw;
    ph.qh = g->sh * fh;
    ph.qw = g->sw * fw;
    ph.hoq = (g->ho + fh - 1) / fh;
    ph.woq = (g->wo + fw - 1) / fw;
    /* With output phases the inner plan writes to the workspace, so its
       outputs can be whole tiles: the phase images then hold every tile's
       window, and the inner input transform reads each in place rather than
       copying the windows that overhang the edge (Inception's 5x5, 14x14
       phase outputs on F(4x4): every window overhung). The rows and columns
       added are zeros, as the copies would read, not further input: the
       outputs keep their bits. */
    ph.hq_in = ph.hoq + r - 1;
    ph.wq_in = ph.woq + r - 1;
    int tile = p->winograd_tile;
    if (fh * fw > 1) {
        tile = sc_wino_tile_m(p, r, 1, ph.hoq, ph.woq, g->cin_g * g->sh * fh * g->sw * fw,
                              g->cout_g * fh * fw);
        ph.hoq = (ph.hoq + tile - 1) / tile * tile;
        ph.woq = (ph.woq + tile - 1) / tile * tile;
    }
    ph.hq = ph.hoq + r - 1;
    ph.wq = ph.woq + r - 1;
    ph.in_p = ph.hq * ph.wq;
    ph.in_c = ph.qh * ph.qw * ph.in_p;
    ph.out_p = ph.hoq * ph.woq;
    ph.out_c = fh * fw * ph.out_p;

    /* Sizes stay within int64 bytes, like every tensor. */
    int64_t cin_q, cout_q, w_bytes;
    const int64_t fc[] = {g->cin, ph.qh, ph.qw}, fo[] = {g->cout, fh, fw};
    const int64_t fwq[] = {g->cout, fh,    fw,    g->cin_g,
                           ph.qh,   ph.qw, r * r, (int64_t)sizeof(float)};
    if (!sc_prod_i64(&cin_q, 3, fc) || !sc_prod_i64(&cout_q, 3, fo) ||
        !sc_prod_i64(&w_bytes, 8, fwq) || (uint64_t)w_bytes > SIZE_MAX)
        return sc_fail(SC_INVALID_ARGUMENT,
                       "conv2d: Winograd phase weights exceed int64 bytes "
                       "(kernel %lldx%lld, stride %lldx%lld)",
                       (long long)g->kh, (long long)g->kw, (long long)g->sh, (long long)g->sw);
    float *wq = sc_calloc((size_t)w_bytes);
    float *bq = p->has_bias ? sc_calloc((size_t)cout_q * sizeof(float)) : NULL;
    if (!wq || (p->has_bias && !bq)) {
        sc_free(wq);
        sc_free(bq);
        return sc_fail(SC_OUT_OF_MEMORY,
                       "conv2d: out of memory for %lld bytes of Winograd phase weights",
                       (long long)w_bytes);
    }
    sc_poly_weights(g, &ph, r, weight, wq);
    for (int64_t o = 0; bq && o < cout_q; o++)
        bq[o] = p->bias[o / (fh * fw)];

    sc_conv2d_desc d;
    sc_conv2d_desc_init(&d, 1, cin_q, ph.hq, ph.wq, cout_q, r, r);
    d.groups = g->groups;
    d.activation = g->act;
    const sc_status s = sc_wino_phases_inner(p, &ph, &d, wq, bq, tile, why);
    sc_free(wq);
    sc_free(bq);
    if (s != SC_OK)
        return s;
    return sc_wino_phases_finish(p, &ph, out);
}
