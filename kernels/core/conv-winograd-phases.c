/*
 * What the dilated route (conv-winograd-dilated.c) and the stride-phase
 * route (conv-winograd-poly.c) share: a run splits one image's padded input
 * into phase images (every qh-th padded row and qw-th column, through the
 * padding maps, so every padding mode holds), runs one inner 3x3 or 4x4 Winograd
 * plan on them, and interleaves its outputs back into output phases
 * (oh mod fh, ow mod fw), or lets it write the output in place when there is
 * one phase. The routes differ only in how the phases are laid out for the
 * inner plan (as images of a batch, or as channels), which the strides in
 * sc_wino_phases say.
 *
 * The phase images and outputs live in the workspace, one batch image at a
 * time: its size grows with the image, unlike im2col's.
 */
#include <string.h>

#include "conv.h"

sc_status sc_wino_phases_finish(sc_conv2d_plan *p, sc_wino_phases *ph, sc_wino_phases **out)
{
    const sc_conv_geom *g = &p->g;
    int64_t in_f, out_f = 0;
    const int64_t fi[] = {g->cin, ph->qh, ph->qw, ph->hq, ph->wq};
    const int64_t fo[] = {g->cout, ph->fh, ph->fw, ph->hoq, ph->woq};
    sc_wino_phases *res = NULL;
    sc_status s = SC_OK;
    if (!sc_prod_i64(&in_f, 5, fi) || (ph->fh * ph->fw > 1 && !sc_prod_i64(&out_f, 5, fo)) ||
        in_f > INT64_MAX / 8 - out_f)
        s = sc_fail(SC_INVALID_ARGUMENT,
                    "conv2d: Winograd phase images exceed int64 bytes (phases %lldx%lld)",
                    (long long)ph->qh, (long long)ph->qw);
    else if (!(res = sc_calloc(sizeof *res)))
        s = sc_fail(SC_OUT_OF_MEMORY, "conv2d: out of memory for the Winograd phase plan");
    if (s != SC_OK) {
        sc_conv2d_plan_destroy(ph->inner);
        return s;
    }
    ph->in_floats = in_f;
    ph->out_floats = out_f;
    ph->inner_ws = sc_conv2d_workspace_size(ph->inner);
    const uint64_t total = (uint64_t)ph->inner_ws + (uint64_t)(in_f + out_f) * sizeof(float);
    p->workspace_per_thread = (size_t)((total / (uint64_t)p->nthreads + 64) / 64 * 64);
    p->isa = ph->inner->isa;
    memcpy(p->name, ph->inner->name, sizeof p->name);
    *res = *ph;
    *out = res;
    return SC_OK;
}

sc_status sc_wino_phases_inner(const sc_conv2d_plan *p, sc_wino_phases *ph,
                               const sc_conv2d_desc *d, const float *weight, const float *bias,
                               int tile, const char **why)
{
    sc_conv2d_options o;
    memset(&o, 0, sizeof o);
    o.algo = SC_CONV_WINOGRAD;
    o.num_threads = p->nthreads;
    o.winograd_tile = tile;
    const sc_status s = sc_conv2d_plan_create(d, weight, bias, &o, &ph->inner);
    if (s == SC_UNSUPPORTED)
        *why = "no Winograd kernel for the phase images";
    return s;
}

void sc_wino_phases_destroy(sc_wino_phases *ph)
{
    if (ph) {
        sc_conv2d_plan_destroy(ph->inner);
        sc_free(ph);
    }
}

/* The phase images of one row index u of input channel plane xc: padded row
   a + sh*u (a < sh), every sw-th padded column from b (b < sw), n values,
   then zeros to wq, into dst + (a*sw + b)*pstride; zeros throughout unless
   from_input. Rows past the padded extent are zeros. */
static void sc_phase_split_rows(const sc_conv_geom *g, const float *xc, int64_t u, int64_t sh,
                                int64_t sw, int64_t n, int from_input, int64_t wq, float *dst,
                                int64_t pstride)
{
    for (int64_t a = 0; a < sh; a++) {
        const int64_t r = a + sh * u;
        const int64_t rs = r < g->hp && from_input ? g->row_src[r] : -1;
        const float *src = rs < 0 ? NULL : xc + rs * g->w;
        for (int64_t b = 0; b < sw; b++) {
            float *d = dst + (a * sw + b) * pstride;
            sc_padded_row(g, src, b, sw, n, d);
            if (wq > n)
                memset(d + n, 0, (size_t)(wq - n) * sizeof(float));
        }
    }
}

/* One output row from its fw phase rows, phase b at src + b*next. */
static void sc_interleave_row(float *row, int64_t wo, const float *src, int64_t fw, int64_t next)
{
    if (fw == 1) {
        memcpy(row, src, (size_t)wo * sizeof(float));
    } else if (fw == 2) { /* an interleave the compiler vectorises */
        const float *s1 = src + next;
        int64_t v = 0;
        for (; 2 * v + 1 < wo; v++) {
            row[2 * v] = src[v];
            row[2 * v + 1] = s1[v];
        }
        if (2 * v < wo)
            row[2 * v] = src[v];
    } else {
        for (int64_t b = 0; b < fw; b++, src += next)
            for (int64_t v = 0; b + fw * v < wo; v++)
                row[b + fw * v] = src[v];
    }
}

void sc_wino_phases_run(const sc_conv2d_plan *p, const sc_wino_phases *ph, const float *in,
                        float *out, void *ws, int nthreads)
{
    const sc_conv_geom *g = &p->g;
    const int64_t hq = ph->hq, wq = ph->wq, fh = ph->fh, fw = ph->fw;
    void *inner_ws = ws;
    float *xq = (float *)((char *)ws + ph->inner_ws);
    float *yq = xq + ph->in_floats;

    for (int64_t img = 0; img < g->n; img++) {
        const float *x = in + img * g->cin * g->h * g->w;
        float *y = out + img * g->cout * g->ho * g->wo;
#pragma omp parallel for num_threads(nthreads) schedule(static) if (nthreads > 1)
        for (int64_t cu = 0; cu < g->cin * hq; cu++) {
            const int64_t c = cu / hq, u = cu % hq;
            sc_phase_split_rows(g, x + c * g->h * g->w, u, ph->qh, ph->qw, ph->wq_in,
                                u < ph->hq_in, wq, xq + c * ph->in_c + u * wq, ph->in_p);
        }
        if (fh * fw == 1) {
            ph->inner->impl->run(ph->inner, xq, y, inner_ws, nthreads);
            continue;
        }
        ph->inner->impl->run(ph->inner, xq, yq, inner_ws, nthreads);
#pragma omp parallel for num_threads(nthreads) schedule(static) if (nthreads > 1)
        for (int64_t oc_oh = 0; oc_oh < g->cout * g->ho; oc_oh++) {
            const int64_t oc = oc_oh / g->ho, oh = oc_oh % g->ho;
            const float *src =
                yq + oc * ph->out_c + (oh % fh) * fw * ph->out_p + (oh / fh) * ph->woq;
            sc_interleave_row(y + oc_oh * g->wo, g->wo, src, fw, ph->out_p);
        }
    }
}
