/*
 * Strided layers, and stride-1 layers with 5x5-like kernels, as 3x3 Winograd
 * problems over the input's stride phases (a polyphase decomposition).
 *
 * Per dimension, with stride s, kernel k and an output phase factor f (1 or
 * 2): output o = f*u + a (a < f) reads padded input s*o + t = S*u + s*a + t,
 * t < k, S = s*f. Writing s*a + t = S*q + b (b < S) makes that padded row
 * S*(u + q) + b: row u + q of the input's phase b (its every S-th row from
 * b). So the outputs of phase a are a stride-1 convolution, summed over the
 * S input phases taken as extra input channels, with the kernel
 *     w'[a][b][q] = w[S*q + b - s*a]   (zero outside 0..k-1),
 * q < ceil((s*(f-1) + k) / S). The route applies where that is 3 in both
 * dimensions for the smaller of f = 1, 2:
 *   - f = 1: ceil(k/s) == 3, e.g. AlexNet's 11x11 stride 4 (48 phase
 *     channels of 3x3 from 3 input channels, 19% zero taps), 5x5 stride 2;
 *   - f = 2: 5x5 or 6x6 at stride 1, 7x7 or 8x8 at stride 2; the f*f output
 *     phases become extra output channels (36 taps per 4 outputs for a 5x5
 *     kernel's 100: 44% zero taps, which Winograd's 4x fewer multiplies
 *     still repay on wide layers).
 * One inner Winograd plan runs the result: cin*S_h*S_w input channels
 * (channel c's phases consecutive, so groups stay contiguous), cout*f_h*f_w
 * output channels (output channel o's phases consecutive), no padding. A run
 * splits an image's padded input into its phase images (through the padding
 * maps, so every padding mode holds), runs the inner plan, and with f > 1
 * interleaves the output phases back. With f = 1 the inner plan writes the
 * output in place.
 *
 * The phase images (and with f > 1 the phase outputs) live in the
 * workspace, one batch image at a time, like the dilated route's.
 */
#include <string.h>

#include "conv.h"

struct sc_wino_poly {
    sc_conv2d_plan *inner;
    int64_t fh, fw;                /* output phase factors */
    int64_t qh, qw;                /* input phase strides: sh*fh, sw*fw */
    int64_t hq, wq;                /* phase image: (hoq + 2) x (woq + 2) */
    int64_t hoq, woq;              /* phase output: ceil(ho/fh) x ceil(wo/fw) */
    int64_t in_floats, out_floats; /* one image: cin*qh*qw*hq*wq; cout*fh*fw*hoq*woq or 0 */
    size_t inner_ws;               /* bytes of the inner plan's workspace, 64-byte multiple */
};

/* The phase factor for kernel k at stride s: the smaller f whose phase
   kernels are 3 wide, or 0. */
static int64_t sc_poly_factor(int64_t k, int64_t s)
{
    for (int64_t f = 1; f <= 2; f++)
        if ((s * (f - 1) + k + s * f - 1) / (s * f) == 3)
            return f;
    return 0;
}

int sc_wino_poly_factors(const sc_conv_geom *g, int64_t *fh, int64_t *fw)
{
    if (g->dh != 1 || g->dw != 1)
        return 0;
    *fh = sc_poly_factor(g->kh, g->sh);
    *fw = sc_poly_factor(g->kw, g->sw);
    return *fh && *fw;
}

/* The inner plan's weight, [cout][fh][fw][cin_g][qh][qw][3][3] in PyTorch's
   layout for cout*fh*fw output and cin*qh*qw input channels. */
static void sc_poly_weights(const sc_conv_geom *g, const struct sc_wino_poly *pl,
                            const float *w, float *wq)
{
    const int64_t qh = pl->qh, qw = pl->qw;
    for (int64_t o = 0; o < g->cout; o++)
        for (int64_t a = 0; a < pl->fh; a++)
            for (int64_t b = 0; b < pl->fw; b++)
                for (int64_t c = 0; c < g->cin_g; c++)
                    for (int64_t ph = 0; ph < qh; ph++)
                        for (int64_t pw = 0; pw < qw; pw++)
                            for (int64_t q = 0; q < 3; q++)
                                for (int64_t r = 0; r < 3; r++) {
                                    const int64_t i = qh * q + ph - g->sh * a;
                                    const int64_t j = qw * r + pw - g->sw * b;
                                    const int inside = i >= 0 && i < g->kh && j >= 0 && j < g->kw;
                                    *wq++ = inside ? w[((o * g->cin_g + c) * g->kh + i) * g->kw + j]
                                                   : 0.0f;
                                }
}

sc_status sc_wino_poly_create(sc_conv2d_plan *p, const float *weight, struct sc_wino_poly **out,
                              const char **why)
{
    const sc_conv_geom *g = &p->g;
    int64_t fh, fw;
    if (!sc_wino_poly_factors(g, &fh, &fw)) {
        *why = "needs a 3x3 kernel at stride 1 (dilation allowed), or a kernel and stride "
               "whose phases are 3x3: ceil(k/stride) == 3, or 5x5-like at stride 1";
        return SC_UNSUPPORTED;
    }
    struct sc_wino_poly pl;
    memset(&pl, 0, sizeof pl);
    pl.fh = fh;
    pl.fw = fw;
    pl.qh = g->sh * fh;
    pl.qw = g->sw * fw;
    pl.hoq = (g->ho + fh - 1) / fh;
    pl.woq = (g->wo + fw - 1) / fw;
    pl.hq = pl.hoq + 2;
    pl.wq = pl.woq + 2;

    /* Every size below stays within int64 bytes, like every tensor. */
    int64_t cin_q, cout_q, w_n, in_f, out_f = 0;
    const int64_t fc[] = {g->cin, pl.qh, pl.qw}, fo[] = {g->cout, fh, fw};
    const int64_t fwq[] = {g->cout, fh, fw, g->cin_g, pl.qh, pl.qw, 9, 4};
    const int64_t fi[] = {g->cin, pl.qh, pl.qw, pl.hq, pl.wq};
    const int64_t fy[] = {g->cout, fh, fw, pl.hoq, pl.woq};
    if (!sc_prod_i64(&cin_q, 3, fc) || !sc_prod_i64(&cout_q, 3, fo) ||
        !sc_prod_i64(&w_n, 8, fwq) || !sc_prod_i64(&in_f, 5, fi) ||
        (fh * fw > 1 && !sc_prod_i64(&out_f, 5, fy)) || in_f > INT64_MAX / 8 - out_f ||
        (uint64_t)w_n > SIZE_MAX)
        return sc_fail(SC_INVALID_ARGUMENT,
                       "conv2d: Winograd phase images or weights exceed int64 bytes "
                       "(kernel %lldx%lld, stride %lldx%lld)",
                       (long long)g->kh, (long long)g->kw, (long long)g->sh, (long long)g->sw);
    pl.in_floats = in_f;
    pl.out_floats = out_f;

    float *wq = sc_calloc((size_t)w_n);
    float *bq = p->has_bias ? sc_calloc((size_t)cout_q * sizeof(float)) : NULL;
    struct sc_wino_poly *res = sc_calloc(sizeof *res);
    if (!wq || (p->has_bias && !bq) || !res) {
        sc_free(wq);
        sc_free(bq);
        sc_free(res);
        return sc_fail(SC_OUT_OF_MEMORY,
                       "conv2d: out of memory for %lld bytes of Winograd phase weights",
                       (long long)w_n);
    }
    sc_poly_weights(g, &pl, weight, wq);
    for (int64_t o = 0; bq && o < cout_q; o++)
        bq[o] = p->bias[o / (fh * fw)];

    sc_conv2d_desc d;
    sc_conv2d_desc_init(&d, 1, cin_q, pl.hq, pl.wq, cout_q, 3, 3);
    d.groups = g->groups;
    d.activation = g->act;
    sc_conv2d_options o;
    memset(&o, 0, sizeof o);
    o.algo = SC_CONV_WINOGRAD;
    o.num_threads = p->nthreads;
    o.winograd_tile = p->winograd_tile;
    const sc_status s = sc_conv2d_plan_create(&d, wq, bq, &o, &pl.inner);
    sc_free(wq);
    sc_free(bq);
    if (s != SC_OK) {
        sc_free(res);
        if (s == SC_UNSUPPORTED)
            *why = "no Winograd kernel for the phase images";
        return s;
    }
    pl.inner_ws = sc_conv2d_workspace_size(pl.inner);
    *res = pl;
    const uint64_t total = (uint64_t)pl.inner_ws + (uint64_t)(in_f + out_f) * sizeof(float);
    p->workspace_per_thread = (size_t)((total / (uint64_t)p->nthreads + 64) / 64 * 64);
    p->isa = pl.inner->isa;
    memcpy(p->name, pl.inner->name, sizeof p->name);
    *out = res;
    return SC_OK;
}

void sc_wino_poly_destroy(struct sc_wino_poly *pl)
{
    if (pl) {
        sc_conv2d_plan_destroy(pl->inner);
        sc_free(pl);
    }
}

void sc_wino_poly_run(const sc_conv2d_plan *p, const struct sc_wino_poly *pl, const float *in,
                      float *out, void *ws, int nthreads)
{
    const sc_conv_geom *g = &p->g;
    const int64_t qh = pl->qh, qw = pl->qw, hq = pl->hq, wq = pl->wq;
    const int64_t fh = pl->fh, fw = pl->fw, hoq = pl->hoq, woq = pl->woq;
    void *inner_ws = ws;
    float *xq = (float *)((char *)ws + pl->inner_ws); /* [cin][qh][qw][hq][wq] */
    float *yq = xq + pl->in_floats;                   /* [cout][fh][fw][hoq][woq] */

    for (int64_t img = 0; img < g->n; img++) {
        const float *x = in + img * g->cin * g->h * g->w;
        float *y = out + img * g->cout * g->ho * g->wo;
#pragma omp parallel for num_threads(nthreads) schedule(static) if (nthreads > 1)
        for (int64_t cu = 0; cu < g->cin * hq; cu++) {
            const int64_t c = cu / hq, u = cu % hq;
            sc_phase_split_rows(g, x + c * g->h * g->w, u, qh, qw, wq,
                                xq + (c * qh * qw * hq + u) * wq, hq * wq);
        }
        if (fh * fw == 1) {
            pl->inner->impl->run(pl->inner, xq, y, inner_ws, nthreads);
            continue;
        }
        pl->inner->impl->run(pl->inner, xq, yq, inner_ws, nthreads);
#pragma omp parallel for num_threads(nthreads) schedule(static) if (nthreads > 1)
        for (int64_t oc_oh = 0; oc_oh < g->cout * g->ho; oc_oh++) {
            const int64_t oc = oc_oh / g->ho, oh = oc_oh % g->ho;
            const int64_t a = oh % fh, u = oh / fh;
            float *row = y + oc_oh * g->wo;
            const float *s0 = yq + ((oc * fh + a) * fw * hoq + u) * woq;
            if (fw == 1) {
                memcpy(row, s0, (size_t)g->wo * sizeof(float));
                continue;
            }
            const float *s1 = s0 + hoq * woq; /* output phase b = 1 */
            int64_t v = 0;
            for (; 2 * v + 1 < g->wo; v++) {
                row[2 * v] = s0[v];
                row[2 * v + 1] = s1[v];
            }
            if (2 * v < g->wo)
                row[2 * v] = s0[v];
        }
    }
}
