/*
 * Direct convolution of depthwise layers (one input and one output channel
 * per group, groups >= 2) with channels in the vector lanes
 * (kernels/depthwise). It sums each output exactly as the plane kernels of
 * conv-direct.c do, so it is the same algorithm, SC_CONV_DIRECT, taken
 * where it measured faster; elsewhere its create declines and the plane
 * kernels serve the layer.
 *
 * Work items are (image, block of vlen channels, block of output rows),
 * disjoint in their outputs.
 */
#include <omp.h>
#include <string.h>

#include "conv.h"

typedef struct sc_depthwise_state {
    const sc_depthwise_kernel *kernel;
    float *wpack;      /* per channel block: kh*kw vectors of vlen floats */
    int64_t rows;      /* output rows per work item */
} sc_depthwise_state;

/* Scratch per thread: the window rows an item reads, as channel vectors,
   kept near half of a 512 KiB L2. */
#define SC_DEPTHWISE_SCRATCH_BYTES (192 * 1024)
#define SC_DEPTHWISE_ITEMS_PER_THREAD 4

/* Where channels in lanes beat the plane kernels (README, "How
   SC_CONV_AUTO chooses"): everywhere but wide stride-1 3x3 rows, where the
   plane kernels' 3x3 loop keeps its weights in registers over whole
   vectors and the route's two transposes are pure overhead (AVX2, 1 thread:
   112x112 1.22x the plane kernel's time, 56x56 0.93-1.00x, 28x28 0.90x;
   14x14/2 0.63x, 5x5 and 7x7 0.61-0.79x). */
static const char *sc_depthwise_rule(const sc_conv_geom *g, int64_t vlen)
{
    if (g->groups < 2 || g->cin_g != 1 || g->cout_g != 1)
        return "channels-in-lanes route: not depthwise (one input and one output channel "
               "per group)";
    /* A guard, not a measurement: with so few channels most lanes idle. */
    if (g->cout < vlen / 2)
        return "channels-in-lanes route: fewer channels than half a vector";
    if (g->kh == 3 && g->kw == 3 && g->sw == 1 && g->wo >= 8 * vlen)
        return "channels-in-lanes route: 3x3 stride 1 with rows of 8 vectors or more";
    return NULL;
}

static sc_status sc_depthwise_create(struct sc_conv2d_plan *p, const float *weight,
                                     const char **why)
{
    const sc_depthwise_kernel *k = sc_pick_depthwise(p->active);
    if (!k) {
        *why = "channels-in-lanes route: no kernel for this ISA";
        return SC_UNSUPPORTED;
    }
    const sc_conv_geom *g = &p->g;
    const char *rule = sc_depthwise_rule(g, k->vlen);
    if (rule) {
        *why = rule;
        return SC_UNSUPPORTED;
    }
    const int64_t v = k->vlen, taps = g->kh * g->kw, blocks = (g->cout + v - 1) / v;
    int64_t count;
    const int64_t f[3] = {blocks, taps, v};
    if (!sc_prod_i64(&count, 3, f) || count > (int64_t)(SIZE_MAX / sizeof(float)))
        return sc_fail(SC_INVALID_ARGUMENT, "conv2d: weight size overflows");
    /* Rows per item: as many as the scratch budget holds. A single row's
       window is bounded by the padded plane, whose size validation checked;
       layers whose one-row window overflows the budget 4x are left to the
       plane kernels, which need no scratch. */
    int64_t one;
    const int64_t fw[3] = {(g->kh - 1) * g->dh + 1, SC_DEPTHWISE_WQ_V(g, v), v};
    if (!sc_prod_i64(&one, 3, fw) ||
        one > 4 * SC_DEPTHWISE_SCRATCH_BYTES / (int64_t)sizeof(float)) {
        *why = "channels-in-lanes route: window rows over 768 KiB";
        return SC_UNSUPPORTED;
    }
    int64_t rows = 1;
    while (rows < g->ho &&
           (size_t)SC_DEPTHWISE_SCRATCH(g, v, rows + 1) * sizeof(float) <=
               SC_DEPTHWISE_SCRATCH_BYTES)
        rows++;

    sc_depthwise_state *s = sc_calloc(sizeof *s);
    if (!s)
        return sc_fail(SC_OUT_OF_MEMORY, "conv2d: out of memory for the depthwise plan");
    s->wpack = sc_calloc((size_t)count * sizeof(float));
    if (!s->wpack) {
        sc_free(s);
        return sc_fail(SC_OUT_OF_MEMORY, "conv2d: out of memory for %lld packed weights",
                       (long long)count);
    }
    for (int64_t c = 0; c < g->cout; c++)
        for (int64_t t = 0; t < taps; t++)
            s->wpack[((c / v) * taps + t) * v + c % v] = weight[c * taps + t];
    s->kernel = k;
    s->rows = rows;
    p->state = s;
    p->isa = k->isa;
    strncpy(p->name, k->name, sizeof p->name - 1);
    p->name[sizeof p->name - 1] = '\0';
    p->workspace_per_thread =
        ((size_t)SC_DEPTHWISE_SCRATCH(g, v, rows) * sizeof(float) + 63) / 64 * 64;
    /* The plan's thread rule counts flops, but these layers are bound by
       moving their planes (about 0.5 ns per element in and out on one Zen 3
       core, ~9 us per 16K elements): 576 channels 3x3/2 on 14x14, 0.5
       MFLOP, run 82 us on one thread. One thread per 16K elements. */
    const double elems = (double)g->n * (double)g->cout * (double)(g->h * g->w + g->ho * g->wo);
    const int64_t by_bytes =
        elems >= 16384.0 * INT32_MAX ? INT32_MAX : (int64_t)(elems / 16384) + 1;
    if (by_bytes > p->useful_threads)
        p->useful_threads = by_bytes;
    return SC_OK;
}

static void sc_depthwise_run(const struct sc_conv2d_plan *p, const float *in, float *out,
                             void *ws, int nthreads)
{
    const sc_depthwise_state *s = p->state;
    const sc_conv_geom *g = &p->g;
    const int64_t v = s->kernel->vlen, taps = g->kh * g->kw, ho = g->ho, wo = g->wo;
    const int64_t blocks = (g->cout + v - 1) / v;
    const int64_t in_image = g->cin * g->h * g->w, out_image = g->cout * ho * wo;
    const int64_t outer = g->n * blocks;
    /* Bands as the scratch allows; more (shorter) ones only when images x
       channel blocks leave threads idle. */
    const int64_t rows = sc_band_rows(
        ho, outer, s->rows, nthreads > 1 ? (int64_t)nthreads * SC_DEPTHWISE_ITEMS_PER_THREAD : 0);
    const int64_t n_band = (ho + rows - 1) / rows;
    const int64_t items = outer * n_band;

    /* Static, as conv-im2col.c: each thread keeps its bands' rows in its
       caches run after run (96 channels 3x3/2 at 112x112 on 2 threads 0.160
       -> 0.140 ms, 192 at 28x28 0.0300 -> 0.0285). */
#pragma omp parallel for num_threads(nthreads) schedule(static) if (nthreads > 1)
    for (int64_t it = 0; it < items; it++) {
        const int64_t band = it % n_band, cb = (it / n_band) % blocks, b = it / (n_band * blocks);
        const int64_t oh0 = band * rows, oh1 = oh0 + rows < ho ? oh0 + rows : ho;
        const int64_t c0 = cb * v, c1 = c0 + v < g->cout ? c0 + v : g->cout;
        float *oimg = out + b * out_image;
        float *scratch =
            (float *)((char *)ws + (size_t)omp_get_thread_num() * p->workspace_per_thread);
        s->kernel->fn(g, in + b * in_image, s->wpack + cb * taps * v,
                      p->has_bias ? p->bias : NULL, oimg, c0, oh0, oh1, scratch);
        for (int64_t c = c0; c < c1; c++)
            sc_conv_activation(p, oimg + (c * ho + oh0) * wo, (oh1 - oh0) * wo);
    }
}

static void sc_depthwise_destroy(struct sc_conv2d_plan *p)
{
    sc_depthwise_state *s = p->state;
    if (s) {
        sc_free(s->wpack);
        sc_free(s);
    }
    p->state = NULL;
}

const sc_conv_algo_impl sc_conv_depthwise_impl = {
    SC_CONV_DIRECT,
    sc_depthwise_create,
    sc_depthwise_run,
    sc_depthwise_destroy,
};
