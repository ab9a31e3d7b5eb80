/*
 * Dilated 3x3 convolutions (stride 1, dilation dh x dw, not both 1) as
 * Winograd problems.
 *
 * Output (oh, ow) reads padded input (oh + i*dh, ow + j*dw). With
 * oh = a + dh*u and ow = b + dw*v (a < dh, b < dw) that is padded
 * (a + dh*(u+i), b + dw*(v+j)): the outputs of phase (a, b) are a plain 3x3
 * convolution (dilation 1, no padding) of the padded input's phase (a, b),
 * its every dh-th row from a and every dw-th column from b. A run therefore
 * splits the padded input into its dh*dw phase images (through the padding
 * maps, so every padding mode holds), runs one inner Winograd plan over them
 * as a batch of dh*dw images, and interleaves the phase outputs back. The
 * split and the interleave are one pass each over an image's input and
 * output; everything else runs at the Winograd cost of an undilated layer.
 *
 * The phase images and outputs live in the workspace, one batch image at a
 * time: its size grows with the image, unlike im2col's.
 */
#include <omp.h>
#include <string.h>

#include "conv.h"

struct sc_wino_dilated {
    sc_conv2d_plan *inner;
    int64_t hq, wq;                /* phase image: ceil(hp/dh) x ceil(wp/dw) */
    int64_t hoq, woq;              /* its output: (hq - 2) x (wq - 2) */
    int64_t in_floats, out_floats; /* one image's phases: dh*dw*cin*hq*wq, dh*dw*cout*hoq*woq */
    size_t inner_ws;               /* bytes of the inner plan's workspace, 64-byte multiple */
};

sc_status sc_wino_dilated_create(sc_conv2d_plan *p, const float *weight,
                                 struct sc_wino_dilated **out, const char **why)
{
    const sc_conv_geom *g = &p->g;
    const int64_t phases = g->dh * g->dw;
    const int64_t hq = (g->hp + g->dh - 1) / g->dh, wq = (g->wp + g->dw - 1) / g->dw;

    int64_t in_f, out_f;
    const int64_t fi[] = {g->dh, g->dw, g->cin, hq, wq};
    const int64_t fo[] = {g->dh, g->dw, g->cout, hq - 2, wq - 2};
    if (!sc_prod_i64(&in_f, 5, fi) || !sc_prod_i64(&out_f, 5, fo) ||
        in_f > INT64_MAX / 8 - out_f)
        return sc_fail(SC_INVALID_ARGUMENT,
                       "conv2d: dilated Winograd phase images exceed int64 bytes "
                       "(dilation %lldx%lld)",
                       (long long)g->dh, (long long)g->dw);

    sc_conv2d_desc d;
    sc_conv2d_desc_init(&d, phases, g->cin, hq, wq, g->cout, 3, 3);
    d.groups = g->groups;
    d.activation = g->act;
    sc_conv2d_options o;
    memset(&o, 0, sizeof o);
    o.algo = SC_CONV_WINOGRAD;
    o.num_threads = p->nthreads;
    o.winograd_tile = p->winograd_tile;

    struct sc_wino_dilated *dl = sc_calloc(sizeof *dl);
    if (!dl)
        return sc_fail(SC_OUT_OF_MEMORY, "conv2d: out of memory for the dilated Winograd plan");
    const sc_status s =
        sc_conv2d_plan_create(&d, weight, p->has_bias ? p->bias : NULL, &o, &dl->inner);
    if (s != SC_OK) {
        sc_free(dl);
        if (s == SC_UNSUPPORTED)
            *why = "no Winograd kernel for the phase images";
        return s;
    }
    dl->hq = hq;
    dl->wq = wq;
    dl->hoq = hq - 2;
    dl->woq = wq - 2;
    dl->in_floats = in_f;
    dl->out_floats = out_f;
    dl->inner_ws = sc_conv2d_workspace_size(dl->inner);
    const uint64_t total = (uint64_t)dl->inner_ws + (uint64_t)(in_f + out_f) * sizeof(float);
    p->workspace_per_thread = (size_t)((total / (uint64_t)p->nthreads + 64) / 64 * 64);
    p->isa = dl->inner->isa;
    memcpy(p->name, dl->inner->name, sizeof p->name);
    *out = dl;
    return SC_OK;
}

void sc_wino_dilated_destroy(struct sc_wino_dilated *dl)
{
    if (dl) {
        sc_conv2d_plan_destroy(dl->inner);
        sc_free(dl);
    }
}

void sc_wino_dilated_run(const sc_conv2d_plan *p, const struct sc_wino_dilated *dl,
                         const float *in, float *out, void *ws, int nthreads)
{
    const sc_conv_geom *g = &p->g;
    const int64_t dh = g->dh, dw = g->dw, hq = dl->hq, wq = dl->wq;
    const int64_t hoq = dl->hoq, woq = dl->woq;
    void *inner_ws = ws;
    float *xq = (float *)((char *)ws + dl->inner_ws); /* [a][b][cin][hq][wq] */
    float *yq = xq + dl->in_floats;                   /* [a][b][cout][hoq][woq] */

    for (int64_t img = 0; img < g->n; img++) {
        const float *x = in + img * g->cin * g->h * g->w;
        float *y = out + img * g->cout * g->ho * g->wo;
#pragma omp parallel for num_threads(nthreads) schedule(static) if (nthreads > 1)
        for (int64_t cu = 0; cu < g->cin * hq; cu++) {
            const int64_t c = cu / hq, u = cu % hq;
            sc_phase_split_rows(g, x + c * g->h * g->w, u, dh, dw, wq,
                                xq + (c * hq + u) * wq, g->cin * hq * wq);
        }
        dl->inner->impl->run(dl->inner, xq, yq, inner_ws, nthreads);
#pragma omp parallel for num_threads(nthreads) schedule(static) if (nthreads > 1)
        for (int64_t oc_oh = 0; oc_oh < g->cout * g->ho; oc_oh++) {
            const int64_t oc = oc_oh / g->ho, oh = oc_oh % g->ho;
            const int64_t a = oh % dh, u = oh / dh;
            float *row = y + oc_oh * g->wo;
            const float *src = yq + ((a * dw * g->cout + oc) * hoq + u) * woq;
            const int64_t next = g->cout * hoq * woq; /* phase b to b + 1 */
            if (dw == 1) {
                memcpy(row, src, (size_t)g->wo * sizeof(float));
            } else if (dw == 2) { /* an interleave the compiler vectorises */
                const float *s1 = src + next;
                int64_t v = 0;
                for (; 2 * v + 1 < g->wo; v++) {
                    row[2 * v] = src[v];
                    row[2 * v + 1] = s1[v];
                }
                if (2 * v < g->wo)
                    row[2 * v] = src[v];
            } else {
                for (int64_t b = 0; b < dw; b++, src += next)
                    for (int64_t v = 0; b + dw * v < g->wo; v++)
                        row[b + dw * v] = src[v];
            }
        }
    }
}
