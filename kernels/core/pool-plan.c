/*
 * Pooling plans (torch.nn.MaxPool2d / AvgPool2d): descriptor validation,
 * output size, kernel choice and the threaded executor.
 */
#include <stdio.h>
#include <string.h>

#include <omp.h>

#include "internal.h"

/* Planes are cut into blocks of output rows holding about this many window
   taps, so small planes are not split and big ones feed every thread. The
   split never changes a result: each output is computed by one call. */
#define SC_POOL_TAPS_PER_ITEM 32768

struct sc_pool2d_plan {
    sc_pool_geom g;
    int64_t planes;          /* batch * channels */
    int64_t rows_per_item;
    int64_t items_per_plane;
    int64_t planes_per_item; /* global pooling (kernel->global); 0 otherwise */
    int64_t divisor;         /* of global average pooling */
    int nthreads;            /* resolved at create */
    sc_isa active;           /* the active ISA when the plan was created */
    const sc_pool_kernel *kernel;
    char describe[32];
};

static const char *sc_pool_kind_name(sc_pool_kind k) { return k == SC_POOL_MAX ? "max" : "avg"; }

void sc_pool2d_desc_init(sc_pool2d_desc *d, sc_pool_kind kind, int64_t batch, int64_t channels,
                         int64_t in_height, int64_t in_width, int64_t kernel_h, int64_t kernel_w)
{
    if (!d)
        return;
    memset(d, 0, sizeof *d);
    d->kind = kind;
    d->batch = batch;
    d->channels = channels;
    d->in_height = in_height;
    d->in_width = in_width;
    d->kernel_h = kernel_h;
    d->kernel_w = kernel_w;
    d->stride_h = kernel_h;
    d->stride_w = kernel_w;
    d->pad_h = 0;
    d->pad_w = 0;
    d->dilation_h = 1;
    d->dilation_w = 1;
    d->ceil_mode = 0;
    d->count_include_pad = 1;
    d->divisor_override = 0;
}

static const char *sc_pool_dim(const char *axis) { return axis[0] == 'h' ? "height" : "width"; }

/*
 * One axis of PyTorch's pooling_output_shape, with every intermediate
 * overflow-checked (descriptor fields may be anything up to INT64_MAX).
 * axis is "h" or "w"; the caller has checked each field's own range.
 */
static sc_status sc_pool_axis(const char *axis, int64_t in, int64_t k, int64_t s, int64_t p,
                              int64_t d, int ceil_mode, int64_t *out)
{
    int64_t extent, span, num;
    if (!sc_mul_i64(d, k - 1, &extent) || !sc_add_i64(extent, 1, &extent))
        return sc_fail(SC_INVALID_ARGUMENT, "pool2d: dilation_%s=%lld * (kernel_%s=%lld - 1) overflows",
                       axis, (long long)d, axis, (long long)k);
    /* p <= k/2 was checked, so 2*p cannot overflow. */
    if (!sc_add_i64(in, 2 * p, &span))
        return sc_fail(SC_INVALID_ARGUMENT, "pool2d: in_%s=%lld + 2*pad_%s=%lld overflows",
                       sc_pool_dim(axis), (long long)in, axis, (long long)p);
    num = span - extent;
    if (ceil_mode && !sc_add_i64(num, s - 1, &num))
        return sc_fail(SC_INVALID_ARGUMENT, "pool2d: output %s size overflows (stride_%s=%lld)",
                       sc_pool_dim(axis), axis, (long long)s);
    /* A negative numerator means no window fits: a true floor gives < 1. */
    int64_t o = num < 0 ? 0 : num / s + 1;
    /* PyTorch drops a last window that would start inside the right padding. */
    if (ceil_mode && o >= 1 && (o - 1) * s >= in + p)
        o--;
    if (o < 1)
        return sc_fail(SC_INVALID_ARGUMENT,
                       "pool2d: output %s is %lld, must be >= 1 (in_%s=%lld kernel_%s=%lld "
                       "stride_%s=%lld pad_%s=%lld dilation_%s=%lld ceil_mode=%d)",
                       sc_pool_dim(axis), (long long)o,
                       sc_pool_dim(axis), (long long)in, axis, (long long)k,
                       axis, (long long)s, axis, (long long)p, axis, (long long)d, ceil_mode);

    /* With dilation a window can straddle the input without a tap landing
       in it. Only windows starting in the left padding can miss: every other
       one starts in [0, in) (the output size rule guarantees it). */
    for (int64_t i = 0; i < o; i++) {
        int64_t start = i * s - p;
        if (start >= 0 && start < in)
            break;
        int64_t first = start;
        if (first < 0)
            first += (-first + d - 1) / d * d;
        if (first >= in || first > start + (k - 1) * d)
            return sc_fail(SC_INVALID_ARGUMENT,
                           "pool2d: the window of output %s %lld holds no input element "
                           "(in_%s=%lld kernel_%s=%lld pad_%s=%lld dilation_%s=%lld)",
                           axis[0] == 'h' ? "row" : "column", (long long)i,
                           sc_pool_dim(axis), (long long)in, axis,
                           (long long)k, axis, (long long)p, axis, (long long)d);
    }
    *out = o;
    return SC_OK;
}

#define SC_POOL_AT_LEAST(field, min)                                                           \
    do {                                                                                       \
        if (d->field < (min))                                                                  \
            return sc_fail(SC_INVALID_ARGUMENT, "pool2d: " #field "=%lld must be >= %d",       \
                           (long long)d->field, (int)(min));                                   \
    } while (0)

/* Every descriptor check; fills g on success. */
static sc_status sc_pool_check(const sc_pool2d_desc *d, sc_pool_geom *g)
{
    if (!d)
        return sc_fail(SC_INVALID_ARGUMENT, "pool2d: desc is NULL");
    if ((int)d->kind != (int)SC_POOL_MAX && (int)d->kind != (int)SC_POOL_AVG)
        return sc_fail(SC_INVALID_ARGUMENT, "pool2d: kind=%d is not an sc_pool_kind",
                       (int)d->kind);
    SC_POOL_AT_LEAST(batch, 1);
    SC_POOL_AT_LEAST(channels, 1);
    SC_POOL_AT_LEAST(in_height, 1);
    SC_POOL_AT_LEAST(in_width, 1);
    SC_POOL_AT_LEAST(kernel_h, 1);
    SC_POOL_AT_LEAST(kernel_w, 1);
    SC_POOL_AT_LEAST(stride_h, 1);
    SC_POOL_AT_LEAST(stride_w, 1);
    SC_POOL_AT_LEAST(pad_h, 0);
    SC_POOL_AT_LEAST(pad_w, 0);
    SC_POOL_AT_LEAST(dilation_h, 1);
    SC_POOL_AT_LEAST(dilation_w, 1);
    if (d->pad_h > d->kernel_h / 2)
        return sc_fail(SC_INVALID_ARGUMENT, "pool2d: pad_h=%lld must be <= kernel_h/2 = %lld",
                       (long long)d->pad_h, (long long)(d->kernel_h / 2));
    if (d->pad_w > d->kernel_w / 2)
        return sc_fail(SC_INVALID_ARGUMENT, "pool2d: pad_w=%lld must be <= kernel_w/2 = %lld",
                       (long long)d->pad_w, (long long)(d->kernel_w / 2));
    if (d->ceil_mode != 0 && d->ceil_mode != 1)
        return sc_fail(SC_INVALID_ARGUMENT, "pool2d: ceil_mode=%d must be 0 or 1", d->ceil_mode);
    if (d->count_include_pad != 0 && d->count_include_pad != 1)
        return sc_fail(SC_INVALID_ARGUMENT, "pool2d: count_include_pad=%d must be 0 or 1",
                       d->count_include_pad);
    if (d->kind == SC_POOL_AVG) {
        if (d->dilation_h != 1)
            return sc_fail(SC_INVALID_ARGUMENT, "pool2d: dilation_h=%lld must be 1 for avg pooling",
                           (long long)d->dilation_h);
        if (d->dilation_w != 1)
            return sc_fail(SC_INVALID_ARGUMENT, "pool2d: dilation_w=%lld must be 1 for avg pooling",
                           (long long)d->dilation_w);
    } else if (d->divisor_override != 0) {
        /* count_include_pad is ignored for max (desc_init sets it to 1 for
           both kinds); a divisor cannot be. */
        return sc_fail(SC_INVALID_ARGUMENT,
                       "pool2d: divisor_override=%lld is for avg pooling only (kind=max)",
                       (long long)d->divisor_override);
    }

    int64_t ho, wo;
    sc_status s = sc_pool_axis("h", d->in_height, d->kernel_h, d->stride_h, d->pad_h,
                               d->dilation_h, d->ceil_mode, &ho);
    if (s != SC_OK)
        return s;
    s = sc_pool_axis("w", d->in_width, d->kernel_w, d->stride_w, d->pad_w, d->dilation_w,
                     d->ceil_mode, &wo);
    if (s != SC_OK)
        return s;

    /* The window area is a divisor and a tap count: it must be representable. */
    int64_t area;
    if (!sc_mul_i64(d->kernel_h, d->kernel_w, &area))
        return sc_fail(SC_INVALID_ARGUMENT, "pool2d: kernel_h=%lld * kernel_w=%lld overflows",
                       (long long)d->kernel_h, (long long)d->kernel_w);

    int64_t bytes;
    const int64_t in_f[5] = {d->batch, d->channels, d->in_height, d->in_width, 4};
    if (!sc_prod_i64(&bytes, 5, in_f))
        return sc_fail(SC_INVALID_ARGUMENT,
                       "pool2d: input of batch=%lld channels=%lld in_height=%lld in_width=%lld "
                       "floats exceeds INT64_MAX bytes",
                       (long long)d->batch, (long long)d->channels, (long long)d->in_height,
                       (long long)d->in_width);
    /* Indices are int64: checking them also covers the float output. */
    const int64_t out_f[5] = {d->batch, d->channels, ho, wo,
                              d->kind == SC_POOL_MAX ? (int64_t)sizeof(int64_t) : 4};
    if (!sc_prod_i64(&bytes, 5, out_f))
        return sc_fail(SC_INVALID_ARGUMENT,
                       "pool2d: output of batch=%lld channels=%lld %lldx%lld %s exceeds "
                       "INT64_MAX bytes",
                       (long long)d->batch, (long long)d->channels, (long long)ho, (long long)wo,
                       d->kind == SC_POOL_MAX ? "indices" : "floats");

    memset(g, 0, sizeof *g);
    g->kind = d->kind;
    g->h = d->in_height;
    g->w = d->in_width;
    g->ho = ho;
    g->wo = wo;
    g->kh = d->kernel_h;
    g->kw = d->kernel_w;
    g->sh = d->stride_h;
    g->sw = d->stride_w;
    g->ph = d->pad_h;
    g->pw = d->pad_w;
    g->dh = d->dilation_h;
    g->dw = d->dilation_w;
    g->count_include_pad = d->count_include_pad;
    g->divisor_override = d->divisor_override;
    return SC_OK;
}

sc_status sc_pool2d_output_size(const sc_pool2d_desc *d, int64_t *out_height, int64_t *out_width)
{
    sc_pool_geom g;
    sc_status s = sc_pool_check(d, &g);
    if (s != SC_OK)
        return s;
    if (!out_height || !out_width)
        return sc_fail(SC_INVALID_ARGUMENT, "pool2d_output_size: out_height/out_width is NULL");
    *out_height = g.ho;
    *out_width = g.wo;
    return SC_OK;
}

static void sc_pool_verbose(const sc_pool2d_desc *d, const sc_pool2d_plan *p, const char *rejected)
{
    char extra[96] = "";
    if (d->kind == SC_POOL_AVG)
        snprintf(extra, sizeof extra, " count_include_pad=%d divisor_override=%lld",
                 d->count_include_pad, (long long)d->divisor_override);
    fprintf(stderr,
            "simdconv: pool2d %s N=%lld C=%lld %lldx%lld k%lldx%lld s%lldx%lld p%lldx%lld "
            "d%lldx%lld%s%s threads=%d -> %lldx%lld: %s%s%s%s\n",
            sc_pool_kind_name(d->kind), (long long)d->batch, (long long)d->channels,
            (long long)d->in_height, (long long)d->in_width, (long long)d->kernel_h,
            (long long)d->kernel_w, (long long)d->stride_h, (long long)d->stride_w,
            (long long)d->pad_h, (long long)d->pad_w, (long long)d->dilation_h,
            (long long)d->dilation_w, d->ceil_mode ? " ceil_mode" : "", extra, p->nthreads,
            (long long)p->g.ho, (long long)p->g.wo, p->describe, rejected[0] ? " (" : "",
            rejected, rejected[0] ? ")" : "");
}

sc_status sc_pool2d_plan_create(const sc_pool2d_desc *d, const sc_pool2d_options *options,
                                sc_pool2d_plan **plan)
{
    sc_pool_geom g;
    sc_status s = sc_pool_check(d, &g);
    if (s != SC_OK)
        return s;
    if (options && options->num_threads < 0)
        return sc_fail(SC_INVALID_ARGUMENT, "pool2d: num_threads=%d must be >= 0",
                       options->num_threads);
    if (!plan)
        return sc_fail(SC_INVALID_ARGUMENT, "pool2d: plan is NULL");

    /* The table is best first: take the first row this CPU and cap allow,
       remembering why each better row was passed over. */
    const sc_isa active = sc_isa_active();
    const sc_isa detected = sc_isa_detected();
    const sc_pool_kernel *table = d->kind == SC_POOL_MAX ? sc_maxpool_kernels : sc_avgpool_kernels;
    const sc_pool_kernel *k = table;
    char rejected[192] = "";
    for (; k->name; k++) {
        if (sc_isa_usable(k->isa, active))
            break;
        size_t len = strlen(rejected);
        if (len < sizeof rejected)
            snprintf(rejected + len, sizeof rejected - len, "%s%s/%s: %s %s", len ? "; " : "",
                     k->name, sc_isa_name(k->isa),
                     sc_isa_usable(k->isa, detected) ? "capped at" : "cpu lacks",
                     sc_isa_usable(k->isa, detected) ? sc_isa_name(active)
                                                     : sc_isa_name(k->isa));
    }
    if (!k->name)
        return sc_fail(SC_UNSUPPORTED, "pool2d: no %s pooling kernel runs on isa=%s",
                       sc_pool_kind_name(d->kind), sc_isa_name(active));

    sc_pool2d_plan *p = sc_calloc(sizeof *p);
    if (!p)
        return sc_fail(SC_OUT_OF_MEMORY, "pool2d: out of memory for the plan");
    p->g = g;
    p->planes = d->batch * d->channels; /* bounded by the input size check */
    p->nthreads = sc_threads_for_plan(options ? options->num_threads : 0);
    p->active = active;
    p->kernel = k;
    snprintf(p->describe, sizeof p->describe, "%s/%s", k->name, sc_isa_name(k->isa));

    /* Saturate: a row with more taps than the target is its own item. */
    int64_t taps_per_row;
    const int64_t f[3] = {g.wo, g.kh, g.kw};
    if (!sc_prod_i64(&taps_per_row, 3, f) || taps_per_row > SC_POOL_TAPS_PER_ITEM)
        taps_per_row = SC_POOL_TAPS_PER_ITEM;
    p->rows_per_item = SC_POOL_TAPS_PER_ITEM / taps_per_row;
    if (p->rows_per_item > g.ho)
        p->rows_per_item = g.ho;
    p->items_per_plane = (g.ho + p->rows_per_item - 1) / p->rows_per_item;
    /* Global pooling, the window each whole plane: many planes a call. */
    if (k->global && g.ho == 1 && g.wo == 1 && g.kh == g.h && g.kw == g.w && g.ph == 0 &&
        g.pw == 0) {
        const int64_t len = g.h * g.w; /* bounded by the input size check */
        p->planes_per_item = len < SC_POOL_TAPS_PER_ITEM ? SC_POOL_TAPS_PER_ITEM / len : 1;
        p->divisor = g.divisor_override != 0 ? g.divisor_override : len;
    }

    if (sc_verbose())
        sc_pool_verbose(d, p, rejected);
    *plan = p;
    return SC_OK;
}

sc_status sc_pool2d_run(const sc_pool2d_plan *plan, const float *input, float *output,
                        int64_t *indices)
{
    if (!plan)
        return sc_fail(SC_INVALID_ARGUMENT, "pool2d_run: plan is NULL");
    if (!input)
        return sc_fail(SC_INVALID_ARGUMENT, "pool2d_run: input is NULL");
    if (!output)
        return sc_fail(SC_INVALID_ARGUMENT, "pool2d_run: output is NULL");
    if (indices && plan->g.kind != SC_POOL_MAX)
        return sc_fail(SC_INVALID_ARGUMENT,
                       "pool2d_run: indices given for avg pooling (return_indices is max only)");

    const sc_pool_geom *g = &plan->g;
    const sc_pool_fn fn = plan->kernel->fn;
    const int64_t in_plane = g->h * g->w, out_plane = g->ho * g->wo;
    const int64_t per = plan->items_per_plane, rows = plan->rows_per_item;
    const int64_t items = plan->planes * per;
    if (plan->planes_per_item) {
        const int64_t ppi = plan->planes_per_item;
        const int64_t gitems = (plan->planes + ppi - 1) / ppi;
        const int gnt = sc_threads_for_run(plan->nthreads, gitems);
#pragma omp parallel for num_threads(gnt) schedule(static) if (gnt > 1)
        for (int64_t it = 0; it < gitems; it++) {
            const int64_t p0 = it * ppi;
            const int64_t np = plan->planes - p0 < ppi ? plan->planes - p0 : ppi;
            plan->kernel->global(input + p0 * in_plane, in_plane, np, plan->divisor, output + p0);
        }
        return SC_OK;
    }
    const int nt = sc_threads_for_run(plan->nthreads, items);

#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
    for (int64_t it = 0; it < items; it++) {
        const int64_t plane = it / per;
        const int64_t oh0 = (it % per) * rows;
        const int64_t oh1 = oh0 + rows < g->ho ? oh0 + rows : g->ho;
        fn(g, input + plane * in_plane, output + plane * out_plane,
           indices ? indices + plane * out_plane : NULL, oh0, oh1);
    }
    return SC_OK;
}

const char *sc_pool2d_plan_describe(const sc_pool2d_plan *plan)
{
    return plan ? plan->describe : "";
}

void sc_pool2d_plan_destroy(sc_pool2d_plan *plan) { sc_free(plan); }

sc_status sc_pool2d(const sc_pool2d_desc *d, const float *input, float *output, int64_t *indices)
{
    sc_pool2d_plan *p = NULL;
    sc_status s = sc_pool2d_plan_create(d, NULL, &p);
    if (s != SC_OK)
        return s;
    s = sc_pool2d_run(p, input, output, indices);
    sc_pool2d_plan_destroy(p);
    return s;
}
