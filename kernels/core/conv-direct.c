/*
 * Direct convolution executor: serves every shape, so it is the algorithm
 * AUTO falls back to and the one that handles depthwise and odd geometries.
 *
 * Work items are (image, group, block of output channels, block of output
 * rows). Each item writes a disjoint set of outputs and the kernel sums every
 * output in a fixed order, so the result does not depend on the thread count.
 */
#include <omp.h>
#include <string.h>

#include "conv.h"

typedef struct sc_direct_state {
    const sc_direct_kernel *kernel;
    int scratch;   /* kernels get a per-thread buffer for padded input rows */
    float *weight; /* private copy, PyTorch layout */
    int64_t *tap_off; /* phase-split scratch rows (stride >= 3): see SC_DIRECT_PHASES */
} sc_direct_state;

/* Output channels per work item: enough to amortise the per-item overhead
   without starving threads on layers with few channels. */
#define SC_DIRECT_OC_BLOCK 8
/* Largest padded-row buffer per thread, in floats (256 KiB: half of a Zen 3
   L2, next to the planes it is copied from). */
#define SC_DIRECT_SCRATCH_MAX (64 * 1024)
/* Aim for this many work items per thread so dynamic scheduling can even
   out the costlier border rows. */
#define SC_DIRECT_ITEMS_PER_THREAD 4

static sc_status sc_direct_create(struct sc_conv2d_plan *p, const float *weight, const char **why)
{
    const sc_direct_kernel *k = sc_pick_direct(p->active);
    if (!k) {
        *why = "no direct kernel for this ISA";
        return SC_UNSUPPORTED;
    }
    const sc_conv_geom *g = &p->g;
    int64_t count;
    const int64_t f[4] = {g->cout, g->cin_g, g->kh, g->kw};
    if (!sc_prod_i64(&count, 4, f) || count > (int64_t)(SIZE_MAX / sizeof(float)))
        return sc_fail(SC_INVALID_ARGUMENT, "conv2d: weight size overflows");

    sc_direct_state *s = sc_calloc(sizeof *s);
    if (!s)
        return sc_fail(SC_OUT_OF_MEMORY, "conv2d: out of memory for the direct plan");
    s->weight = sc_malloc((size_t)count * sizeof(float));
    if (!s->weight) {
        sc_free(s);
        return sc_fail(SC_OUT_OF_MEMORY, "conv2d: out of memory for %lld weights",
                       (long long)count);
    }
    memcpy(s->weight, weight, (size_t)count * sizeof(float));
    s->kernel = k;

    p->state = s;
    p->isa = k->isa;
    strncpy(p->name, k->name, sizeof p->name - 1);
    p->name[sizeof p->name - 1] = '\0';
    /* Padded input rows for the kernels that want them, while they stay
       cache-sized; beyond that the kernels read through the padding maps.
       1x1 stride-1 unpadded layers read the planes as they are: no
       workspace to allocate per run. */
    p->workspace_per_thread = 0;
    s->scratch = 0;
    int64_t pad_floats;
    const int64_t fp[3] = {g->cin_g, g->hp, g->wp};
    if (!sc_conv_pointwise(g) && sc_prod_i64(&pad_floats, 3, fp) &&
        pad_floats <= SC_DIRECT_SCRATCH_MAX && g->sw <= g->wp) {
        s->scratch = 1;
        p->workspace_per_thread = ((size_t)SC_DIRECT_SCRATCH(g) * sizeof(float) + 63) / 64 * 64;
    }
    if (s->scratch && SC_DIRECT_PHASES(g) > 1) {
        /* tap j of output column ow: padded column ow*sw + j*dw, in phase
           (j*dw) % sw at ow + (j*dw) / sw */
        const int64_t nph = SC_DIRECT_PHASES(g), wq = SC_DIRECT_WQ(g);
        s->tap_off = sc_malloc((size_t)g->kw * sizeof(int64_t));
        if (!s->tap_off)
            return sc_fail(SC_OUT_OF_MEMORY, "conv2d: out of memory for the direct tap table");
        for (int64_t j = 0; j < g->kw; j++)
            s->tap_off[j] = (j * g->dw) % nph * wq + (j * g->dw) / nph;
    }
    return SC_OK;
}

static void sc_direct_run(const struct sc_conv2d_plan *p, const float *in, float *out, void *ws,
                          int nthreads)
{
    const sc_direct_state *s = p->state;
    const sc_conv_geom *g = &p->g;
    const int64_t cout_g = g->cout_g, ho = g->ho, wo = g->wo;
    const int64_t in_image = g->cin * g->h * g->w;
    const int64_t out_image = g->cout * ho * wo;

    const int64_t ocb = cout_g < SC_DIRECT_OC_BLOCK ? cout_g : SC_DIRECT_OC_BLOCK;
    const int64_t n_ocb = (cout_g + ocb - 1) / ocb;
    const int64_t outer = g->n * g->groups * n_ocb;
    /* Split rows only when images x groups x channel blocks leave threads idle. */
    const int64_t rows = sc_band_rows(
        ho, outer, ho, nthreads > 1 ? (int64_t)nthreads * SC_DIRECT_ITEMS_PER_THREAD : 0);
    const int64_t n_ohb = (ho + rows - 1) / rows;
    const int64_t items = outer * n_ohb;

#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1) if (nthreads > 1)
    for (int64_t it = 0; it < items; it++) {
        const int64_t ohb = it % n_ohb;
        const int64_t rest = it / n_ohb;
        const int64_t cb = rest % n_ocb;
        const int64_t grp = (rest / n_ocb) % g->groups;
        const int64_t b = rest / (n_ocb * g->groups);

        const int64_t oc0 = grp * cout_g + cb * ocb;
        const int64_t oc1 = oc0 + ocb < (grp + 1) * cout_g ? oc0 + ocb : (grp + 1) * cout_g;
        const int64_t oh0 = ohb * rows;
        const int64_t oh1 = oh0 + rows < ho ? oh0 + rows : ho;

        const float *img = in + b * in_image;
        float *oimg = out + b * out_image;
        float *scratch = s->scratch ? (float *)((char *)ws + (size_t)omp_get_thread_num() *
                                                              p->workspace_per_thread)
                                    : NULL;
        s->kernel->fn(g, img, s->weight, p->has_bias ? p->bias : NULL, s->tap_off, oimg, oc0, oc1,
                      oh0, oh1, scratch);
        /* The sums started from the bias; the rows just written are still
           in cache for the activation. */
        for (int64_t oc = oc0; oc < oc1; oc++)
            sc_conv_activation(p, oimg + (oc * ho + oh0) * wo, (oh1 - oh0) * wo);
    }
}

static void sc_direct_destroy(struct sc_conv2d_plan *p)
{
    sc_direct_state *s = p->state;
    if (s) {
        sc_free(s->weight);
        sc_free(s->tap_off);
        sc_free(s);
    }
    p->state = NULL;
}

const sc_conv_algo_impl sc_conv_direct_impl = {
    SC_CONV_DIRECT,
    sc_direct_create,
    sc_direct_run,
    sc_direct_destroy,
};
