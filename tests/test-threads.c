/*
 * Threads and determinism: for every algorithm that serves a shape and every
 * ISA this machine allows,
 *   - num_threads 1, 2, 3 (and 0 = OpenMP's default, and more threads than
 *     work) give bitwise identical outputs;
 *   - one plan run from 4 pthreads at once on different buffers gives the
 *     bits of a serial run;
 *   - runs from inside an active OpenMP parallel region (each thread on its
 *     own buffers) give the same bits too.
 * Pooling gets the same thread-count check.
 */
#define _POSIX_C_SOURCE 200809L

#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define N_INPUTS 4

typedef struct variant {
    sc_conv_algo algo;
    int tile;
    const char *name;
} variant;

static const variant variants[] = {
    {SC_CONV_DIRECT, 0, "direct"},         {SC_CONV_IM2COL, 0, "im2col"},
    {SC_CONV_WINOGRAD, 2, "winograd/f2"},  {SC_CONV_WINOGRAD, 4, "winograd/f4"},
    {SC_CONV_WINOGRAD, 0, "winograd"},     {SC_CONV_AUTO, 0, "auto"},
};

typedef struct shape {
    sc_conv2d_desc d;
    int has_bias;
    const char *what;
} shape;

#define MAX_SHAPES 12
static int n_shapes;
static shape shapes[MAX_SHAPES];

static void add_shape(const sc_conv2d_desc *d, int has_bias, const char *what)
{
    if (!tc_check(n_shapes < MAX_SHAPES, "more than %d shapes: '%s' left out", MAX_SHAPES, what))
        return;
    shapes[n_shapes].d = *d;
    shapes[n_shapes].has_bias = has_bias;
    shapes[n_shapes].what = what;
    n_shapes++;
}

static void make_shapes(void)
{
    /* sizes grow with the scale so native runs split real work across threads */
    const int64_t s = tc_scale() >= 1 ? 2 : 1;
    sc_conv2d_desc d;
    sc_conv2d_desc_init(&d, 3, 6, 9 * s + 3, 8 * s + 5, 10, 3, 2);
    d.groups = 2;
    d.stride_w = 2;
    d.pad_h = 2;
    d.padding_mode = SC_PAD_REFLECT;
    d.activation = SC_ACT_GELU;
    add_shape(&d, 1, "grouped 3x2 reflect");
    sc_conv2d_desc_init(&d, 2, 16, 8 * s + 3, 7 * s + 2, 20, 3, 3);
    d.pad_h = d.pad_w = 1;
    d.activation = SC_ACT_RELU;
    add_shape(&d, 1, "3x3 16->20 pad 1");
    sc_conv2d_desc_init(&d, 2, 9, 5 * s + 2, 13, 12, 1, 1);
    d.activation = SC_ACT_SIGMOID;
    add_shape(&d, 0, "1x1");
    sc_conv2d_desc_init(&d, 1, 12, 15 * s, 11 * s + 1, 12, 5, 5);
    d.groups = 12;
    d.padding_same = 1;
    d.dilation_h = 2;
    d.padding_mode = SC_PAD_CIRCULAR;
    add_shape(&d, 1, "depthwise 5x5 same circular");
    sc_conv2d_desc_init(&d, 1, 1, 7, 300 * s + 7, 3, 1, 7);
    d.stride_w = 3;
    d.padding_mode = SC_PAD_REPLICATE;
    d.pad_w = 3;
    d.activation = SC_ACT_MISH;
    add_shape(&d, 1, "one wide row band");
    /* Runs under about 1 MFLOP per thread use fewer threads (the same bits
       by design); these two carry enough work that 3 and 7 threads really
       split them, so the splits themselves are what is compared. */
    sc_conv2d_desc_init(&d, 2, 16, 26, 26, 24, 3, 3);
    d.pad_h = d.pad_w = 1;
    d.activation = SC_ACT_SILU;
    add_shape(&d, 1, "3x3 16->24 26x26, 10 MFLOP");
    sc_conv2d_desc_init(&d, 1, 32, 40, 40, 32, 1, 1);
    d.groups = 2;
    add_shape(&d, 1, "grouped 1x1 32->32 40x40, 3 MFLOP");
    /* 1x1 on a small plane from 256 channels: the transposed GEMM route,
       whose items are blocks of output channels. */
    sc_conv2d_desc_init(&d, 1, 256, 7, 7, 160, 1, 1);
    d.activation = SC_ACT_RELU6;
    add_shape(&d, 1, "1x1 256->160 7x7, 4 MFLOP");
    /* Deep and small: one block of Winograd tiles, so threads split the
       output channels instead. */
    sc_conv2d_desc_init(&d, 1, 64, 8, 8, 64, 3, 3);
    d.pad_h = d.pad_w = 1;
    d.activation = SC_ACT_RELU;
    add_shape(&d, 1, "3x3 64->64 8x8, 5 MFLOP");
    /* Packed B over two reduction blocks on 64 output pixels: cut into
       blocks of one tile each so that 2 threads take one each (AVX-512's
       32-wide tiles; at 3 threads each block's panels are split). A 2x2
       kernel, which no Winograd route takes. */
    sc_conv2d_desc_init(&d, 1, 96, 9, 9, 96, 2, 2);
    d.activation = SC_ACT_TANH;
    add_shape(&d, 1, "2x2 96->96 9x9, 5 MFLOP");
    /* 16 output pixels, one tile on every SIMD ISA: too few blocks for the
       threads however fine, so each thread takes a part of the block's
       panels and packs B for itself; over 1 MFLOP a thread, so 3 threads
       run. */
    sc_conv2d_desc_init(&d, 1, 160, 5, 5, 160, 2, 2);
    d.activation = SC_ACT_SIGMOID;
    add_shape(&d, 1, "2x2 160->160 5x5, 3.3 MFLOP");
}

static void out_size(const sc_conv2d_desc *d, int64_t *n)
{
    int64_t ho = 0, wo = 0;
    sc_conv2d_output_size(d, &ho, &wo);
    *n = d->batch * d->out_channels * ho * wo;
}

/* ---- concurrent runs of one plan from pthreads ---- */

typedef struct job {
    const sc_conv2d_plan *plan;
    const float *in;
    float *out;
    int64_t out_n;
    const float *want;
    int use_workspace;
    int rounds;
    int ok;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    size_t ws = sc_conv2d_workspace_size(j->plan);
    unsigned char *wbuf = j->use_workspace ? malloc(ws + 3) : NULL;
    j->ok = 1;
    for (int r = 0; r < j->rounds; r++) {
        memset(j->out, 0, (size_t)j->out_n * sizeof(float));
        sc_status s = j->use_workspace
                          ? sc_conv2d_run_with_workspace(j->plan, j->in, j->out, wbuf + 3)
                          : sc_conv2d_run(j->plan, j->in, j->out);
        if (s != SC_OK || memcmp(j->out, j->want, (size_t)j->out_n * sizeof(float)) != 0)
            j->ok = 0;
    }
    free(wbuf);
    return NULL;
}

static void test_conv_variant(const shape *sh, const variant *v, sc_isa isa, tc_rng *rng)
{
    const sc_conv2d_desc *d = &sh->d;
    int64_t out_n, in_n = d->batch * d->in_channels * d->in_height * d->in_width;
    int64_t w_n = d->out_channels * (d->in_channels / d->groups) * d->kernel_h * d->kernel_w;
    out_size(d, &out_n);
    float *w = malloc((size_t)w_n * sizeof(float)), *b = malloc((size_t)d->out_channels * sizeof(float));
    tc_fill(rng, w, w_n, -0.5f, 0.5f);
    tc_fill(rng, b, d->out_channels, -1, 1);
    float *in[N_INPUTS], *want[N_INPUTS];
    for (int i = 0; i < N_INPUTS; i++) {
        in[i] = malloc((size_t)in_n * sizeof(float));
        want[i] = malloc((size_t)out_n * sizeof(float));
        tc_fill(rng, in[i], in_n, -1, 1);
    }
    char what[160];
    snprintf(what, sizeof what, "%s, %s, cap %s", sh->what, v->name, sc_isa_name(isa));

    /* the serial plan is the reference for every other run */
    sc_conv2d_options o1 = {v->algo, 1, v->tile};
    sc_conv2d_plan *p1 = NULL;
    sc_status s = sc_conv2d_plan_create(d, w, sh->has_bias ? b : NULL, &o1, &p1);
    const int wino_shape = d->kernel_h == 3 && d->kernel_w == 3 && d->stride_h == 1 &&
                           d->stride_w == 1 && d->dilation_h == 1 && d->dilation_w == 1;
    if (v->algo == SC_CONV_WINOGRAD && !wino_shape) {
        tc_check(s == SC_UNSUPPORTED && p1 == NULL, "%s: forced Winograd on a non-3x3 shape: %s",
                 what, sc_status_string(s));
        goto done; /* nothing to compare */
    }
    if (!tc_check(s == SC_OK && p1, "%s: plan_create(threads 1): %s (%s)", what,
                  sc_status_string(s), sc_last_error()))
        goto done;
    for (int i = 0; i < N_INPUTS; i++)
        tc_check(sc_conv2d_run(p1, in[i], want[i]) == SC_OK, "%s: serial run", what);

    /* 1: other thread counts */
    const int counts[] = {2, 3, 0, 7};
    float *y = tc_alloc_guarded(out_n);
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        sc_conv2d_options o = {v->algo, counts[c], v->tile};
        sc_conv2d_plan *p = NULL;
        s = sc_conv2d_plan_create(d, w, sh->has_bias ? b : NULL, &o, &p);
        if (!tc_check(s == SC_OK && p, "%s: plan_create(threads %d): %s", what, counts[c],
                      sc_status_string(s)))
            continue;
        /* AUTO may pick per thread count; a forced algorithm must not change kernel */
        int same_kernel = strcmp(sc_conv2d_plan_describe(p), sc_conv2d_plan_describe(p1)) == 0;
        tc_check(v->algo == SC_CONV_AUTO || same_kernel,
                 "%s: threads %d planned '%s', threads 1 '%s'", what, counts[c],
                 sc_conv2d_plan_describe(p), sc_conv2d_plan_describe(p1));
        if (same_kernel)
            for (int i = 0; i < N_INPUTS; i++) {
                s = sc_conv2d_run(p, in[i], y);
                tc_check(s == SC_OK && tc_guard_intact(y, out_n) &&
                             memcmp(y, want[i], (size_t)out_n * sizeof(float)) == 0,
                         "%s: threads %d differ bitwise from threads 1 (input %d)", what,
                         counts[c], i);
            }
        sc_conv2d_plan_destroy(p);
    }
    tc_free(y);

    /* 2: one multi-threaded plan from 4 pthreads at once */
    sc_conv2d_options o2 = {v->algo, 2, v->tile};
    sc_conv2d_plan *p2 = NULL;
    if (sc_conv2d_plan_create(d, w, sh->has_bias ? b : NULL, &o2, &p2) == SC_OK &&
        strcmp(sc_conv2d_plan_describe(p2), sc_conv2d_plan_describe(p1)) == 0) {
        pthread_t t[N_INPUTS];
        job jobs[N_INPUTS];
        for (int i = 0; i < N_INPUTS; i++) {
            jobs[i] = (job){p2, in[i], malloc((size_t)out_n * sizeof(float)), out_n, want[i],
                            i % 2, tc_scale() >= 1 ? 6 : 2, 0};
            if (pthread_create(&t[i], NULL, run_job, &jobs[i]) != 0)
                jobs[i].rounds = -1;
        }
        for (int i = 0; i < N_INPUTS; i++) {
            if (jobs[i].rounds >= 0)
                pthread_join(t[i], NULL);
            tc_check(jobs[i].rounds >= 0 && jobs[i].ok,
                     "%s: concurrent run %d (%s) differs from the serial run", what, i,
                     jobs[i].use_workspace ? "own workspace" : "run");
            free(jobs[i].out);
        }
    }
    sc_conv2d_plan_destroy(p2);

    /* 3: from inside an active OpenMP parallel region; the plan asks for 3
       threads but must run each call on the calling thread alone */
    sc_conv2d_options o3 = {v->algo, 3, v->tile};
    sc_conv2d_plan *p3 = NULL;
    if (sc_conv2d_plan_create(d, w, sh->has_bias ? b : NULL, &o3, &p3) == SC_OK &&
        strcmp(sc_conv2d_plan_describe(p3), sc_conv2d_plan_describe(p1)) == 0) {
        float *outs[N_INPUTS];
        int status[N_INPUTS], active = 0;
        for (int i = 0; i < N_INPUTS; i++) {
            outs[i] = tc_alloc_guarded(out_n);
            status[i] = -1;
        }
#pragma omp parallel num_threads(N_INPUTS)
        {
#pragma omp single
            active = omp_in_parallel();
#pragma omp for schedule(static, 1)
            for (int i = 0; i < N_INPUTS; i++)
                status[i] = (int)sc_conv2d_run(p3, in[i], outs[i]);
        }
        for (int i = 0; i < N_INPUTS; i++) {
            tc_check(status[i] == SC_OK && tc_guard_intact(outs[i], out_n) &&
                         memcmp(outs[i], want[i], (size_t)out_n * sizeof(float)) == 0,
                     "%s: run inside omp parallel (input %d, region active %d) differs", what,
                     i, active);
            tc_free(outs[i]);
        }
    }
    sc_conv2d_plan_destroy(p3);
    sc_conv2d_plan_destroy(p1);
done:
    for (int i = 0; i < N_INPUTS; i++) {
        free(in[i]);
        free(want[i]);
    }
    free(w);
    free(b);
}

/* ---- pooling ---- */

static void test_pool(sc_isa isa, tc_rng *rng)
{
    sc_pool2d_desc pd[3];
    sc_pool2d_desc_init(&pd[0], SC_POOL_MAX, 2, 5, 37, 29, 3, 3);
    pd[0].stride_h = pd[0].stride_w = 2;
    pd[0].pad_h = pd[0].pad_w = 1;
    pd[0].ceil_mode = 1;
    sc_pool2d_desc_init(&pd[1], SC_POOL_AVG, 3, 4, 33, 41, 2, 3);
    pd[1].pad_w = 1;
    pd[1].count_include_pad = 0;
    pd[1].ceil_mode = 1;
    sc_pool2d_desc_init(&pd[2], SC_POOL_MAX, 1, 7, 64, 16, 2, 2);
    pd[2].dilation_h = 2;
    pd[2].stride_h = 1;
    for (int k = 0; k < 3; k++) {
        int64_t ho = 0, wo = 0;
        sc_status s = sc_pool2d_output_size(&pd[k], &ho, &wo);
        if (!tc_check(s == SC_OK, "pool %d output_size: %s (%s)", k, sc_status_string(s),
                      sc_last_error()))
            continue;
        const sc_pool2d_desc *d = &pd[k];
        int64_t in_n = d->batch * d->channels * d->in_height * d->in_width;
        int64_t out_n = d->batch * d->channels * ho * wo;
        float *in = malloc((size_t)in_n * sizeof(float));
        tc_fill(rng, in, in_n, -1, 1);
        for (int64_t i = 0; i < in_n; i += 17) /* ties, for the first-index rule */
            in[i] = 0.25f;
        /* Max pool 2 asks for values alone: the padded-copy path. */
        int with_idx = d->kind == SC_POOL_MAX && k == 0;
        float *want = malloc((size_t)out_n * sizeof(float)), *y = malloc((size_t)out_n * sizeof(float));
        int64_t *want_i = calloc((size_t)out_n, sizeof(int64_t));
        int64_t *yi = calloc((size_t)out_n, sizeof(int64_t));
        sc_pool2d_options o1 = {1};
        sc_pool2d_plan *p1 = NULL;
        s = sc_pool2d_plan_create(d, &o1, &p1);
        if (tc_check(s == SC_OK && p1, "pool %d plan_create: %s (%s)", k, sc_status_string(s),
                     sc_last_error())) {
            tc_check(sc_pool2d_run(p1, in, want, with_idx ? want_i : NULL) == SC_OK,
                     "pool %d serial run", k);
            const int counts[] = {2, 3, 0};
            for (int c = 0; c < 3; c++) {
                sc_pool2d_options o = {counts[c]};
                sc_pool2d_plan *p = NULL;
                if (!tc_check(sc_pool2d_plan_create(d, &o, &p) == SC_OK, "pool %d threads %d", k,
                              counts[c]))
                    continue;
                memset(y, 0, (size_t)out_n * sizeof(float));
                s = sc_pool2d_run(p, in, y, with_idx ? yi : NULL);
                tc_check(s == SC_OK && memcmp(y, want, (size_t)out_n * sizeof(float)) == 0 &&
                             (!with_idx ||
                              memcmp(yi, want_i, (size_t)out_n * sizeof(int64_t)) == 0),
                         "pool %d (%s, cap %s): threads %d differ bitwise from threads 1", k,
                         sc_pool2d_plan_describe(p), sc_isa_name(isa), counts[c]);
                sc_pool2d_plan_destroy(p);
            }
            /* inside an active parallel region */
            int bad = 0;
#pragma omp parallel num_threads(3) reduction(+ : bad)
            {
                float *yy = malloc((size_t)out_n * sizeof(float));
                int64_t *ii = calloc((size_t)out_n, sizeof(int64_t));
                if (sc_pool2d_run(p1, in, yy, with_idx ? ii : NULL) != SC_OK ||
                    memcmp(yy, want, (size_t)out_n * sizeof(float)) != 0 ||
                    (with_idx && memcmp(ii, want_i, (size_t)out_n * sizeof(int64_t)) != 0))
                    bad++;
                free(yy);
                free(ii);
            }
            tc_check(bad == 0, "pool %d: %d runs inside omp parallel differ", k, bad);
        }
        sc_pool2d_plan_destroy(p1);
        free(in);
        free(want);
        free(y);
        free(want_i);
        free(yi);
    }
}

int main(void)
{
    make_shapes();
    tc_rng rng;
    tc_rng_seed(&rng, 99);
    sc_isa isas[4];
    int n_isa = tc_available_isas(isas);
    for (int ii = 0; ii < n_isa; ii++) {
        if (!tc_check(sc_isa_limit(isas[ii]) == SC_OK, "sc_isa_limit(%s)",
                      sc_isa_name(isas[ii])))
            continue;
        for (int s = 0; s < n_shapes; s++)
            for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++)
                test_conv_variant(&shapes[s], &variants[v], isas[ii], &rng);
        test_pool(isas[ii], &rng);
    }
    sc_isa_limit(sc_isa_detected());
    return tc_summary("test-threads");
}
