/*
 * Pooling (MaxPool2d / AvgPool2d) against the double-precision reference in
 * ref/ref-pool.c, on every ISA this machine runs: randomized shapes and
 * options, PyTorch's edge cases, bad descriptors, thread-count determinism.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "ref/ref-pool.h"
#include "simdconv.h"

static sc_isa cur_isa;

static ref_pool to_ref(const sc_pool2d_desc *d)
{
    ref_pool r;
    memset(&r, 0, sizeof r);
    r.is_max = d->kind == SC_POOL_MAX;
    r.n = d->batch;
    r.c = d->channels;
    r.h = d->in_height;
    r.w = d->in_width;
    r.kh = d->kernel_h;
    r.kw = d->kernel_w;
    r.sh = d->stride_h;
    r.sw = d->stride_w;
    r.ph = d->pad_h;
    r.pw = d->pad_w;
    r.dh = d->dilation_h;
    r.dw = d->dilation_w;
    r.ceil_mode = d->ceil_mode;
    r.count_include_pad = d->count_include_pad;
    r.divisor_override = d->divisor_override;
    return r;
}

static void desc_str(const sc_pool2d_desc *d, char *buf, size_t n)
{
    snprintf(buf, n,
             "%s N=%lld C=%lld %lldx%lld k%lldx%lld s%lldx%lld p%lldx%lld d%lldx%lld ceil=%d "
             "cip=%d div=%lld isa=%s",
             d->kind == SC_POOL_MAX ? "max" : "avg", (long long)d->batch, (long long)d->channels,
             (long long)d->in_height, (long long)d->in_width, (long long)d->kernel_h,
             (long long)d->kernel_w, (long long)d->stride_h, (long long)d->stride_w,
             (long long)d->pad_h, (long long)d->pad_w, (long long)d->dilation_h,
             (long long)d->dilation_w, d->ceil_mode, d->count_include_pad,
             (long long)d->divisor_override, sc_isa_name(cur_isa));
}

static uint32_t bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* Input contents, chosen to hit the comparison rules. */
enum fill { FILL_UNIFORM, FILL_TIES, FILL_NAN, FILL_NEG_INF, FILL_WIDE };

static void fill_input(tc_rng *r, float *x, int64_t n, enum fill f)
{
    for (int64_t i = 0; i < n; i++) {
        switch (f) {
        case FILL_UNIFORM:
            x[i] = tc_rng_float(r, -1.0f, 1.0f);
            break;
        case FILL_TIES:
            /* Few distinct values, signed zeros among them: ties everywhere. */
            x[i] = (float)tc_rng_int(r, -2, 2);
            if (x[i] == 0.0f && (tc_rng_next(r) & 1))
                x[i] = -0.0f;
            break;
        case FILL_NAN: {
            int64_t u = tc_rng_int(r, 0, 9);
            if (u == 0)
                x[i] = NAN;
            else if (u == 1)
                x[i] = -NAN;
            else if (u == 2)
                x[i] = INFINITY;
            else if (u == 3)
                x[i] = -INFINITY;
            else
                x[i] = (float)tc_rng_int(r, -3, 3);
            break;
        }
        case FILL_NEG_INF:
            x[i] = -INFINITY;
            break;
        case FILL_WIDE:
            x[i] = ldexpf(tc_rng_float(r, -1.0f, 1.0f), (int)tc_rng_int(r, -20, 20));
            break;
        }
    }
}

/*
 * Runs one descriptor on the current ISA and compares with the reference.
 * nthreads: the plan's thread count. Returns 0 if the case was invalid.
 */
static int check_case(const sc_pool2d_desc *d, tc_rng *r, enum fill f, int with_indices,
                      int nthreads)
{
    char what[256];
    desc_str(d, what, sizeof what);
    ref_pool rp = to_ref(d);
    int64_t rho = 0, rwo = 0, ho = -1, wo = -1;
    int valid = ref_pool_out_size(&rp, &rho, &rwo);
    sc_status st = sc_pool2d_output_size(d, &ho, &wo);
    if (!tc_check(st == (valid ? SC_OK : SC_INVALID_ARGUMENT), "%s: output_size status %d, ref valid %d",
                  what, (int)st, valid) ||
        !valid)
        return 0;
    tc_check(ho == rho && wo == rwo, "%s: output %lldx%lld, ref %lldx%lld", what, (long long)ho,
             (long long)wo, (long long)rho, (long long)rwo);

    const int64_t nin = d->batch * d->channels * d->in_height * d->in_width;
    const int64_t nout = d->batch * d->channels * ho * wo;
    /* Exactly nin floats, so a sanitizer build catches any read past it. */
    float *in = malloc((size_t)nin * sizeof *in);
    fill_input(r, in, nin, f);
    float *out = tc_alloc_guarded(nout);
    /* int64 indices in a guarded float buffer twice as long. */
    float *idx_buf = with_indices ? tc_alloc_guarded(2 * nout) : NULL;
    int64_t *idx = (int64_t *)idx_buf;

    sc_pool2d_options opt = {nthreads};
    sc_pool2d_plan *plan = NULL;
    st = sc_pool2d_plan_create(d, &opt, &plan);
    if (!tc_check(st == SC_OK && plan, "%s: create %d (%s)", what, (int)st, sc_last_error()))
        goto done;
    char want[32];
    snprintf(want, sizeof want, "%s/%s", d->kind == SC_POOL_MAX ? "maxpool" : "avgpool",
             sc_isa_name(cur_isa));
    tc_check(strcmp(sc_pool2d_plan_describe(plan), want) == 0, "%s: describe '%s', want '%s'",
             what, sc_pool2d_plan_describe(plan), want);
    st = sc_pool2d_run(plan, in, out, idx);
    tc_check(st == SC_OK, "%s: run %d (%s)", what, (int)st, sc_last_error());
    tc_check(tc_guard_intact(out, nout), "%s: output guard overwritten", what);
    if (idx_buf)
        tc_check(tc_guard_intact(idx_buf, 2 * nout), "%s: indices guard overwritten", what);

    long bad = 0;
    if (d->kind == SC_POOL_MAX) {
        float *ref = malloc((size_t)nout * sizeof *ref);
        int64_t *ridx = malloc((size_t)nout * sizeof *ridx);
        ref_maxpool(&rp, in, ref, ridx);
        for (int64_t i = 0; i < nout; i++) {
            /* Bitwise: the winner is an input element, NaN payload and
               sign of zero included. */
            int ok = bits(out[i]) == bits(ref[i]) && (!idx || idx[i] == ridx[i]);
            if (!ok && bad++ < 3)
                tc_check(0, "%s: out[%lld] = %g (idx %lld), ref %g (idx %lld)", what,
                         (long long)i, (double)out[i], idx ? (long long)idx[i] : -1LL,
                         (double)ref[i], (long long)ridx[i]);
        }
        free(ref);
        free(ridx);
    } else {
        double *ref = malloc((size_t)nout * sizeof *ref);
        double *abs_sum = malloc((size_t)nout * sizeof *abs_sum);
        double *div = malloc((size_t)nout * sizeof *div);
        int64_t *terms = malloc((size_t)nout * sizeof *terms);
        ref_avgpool(&rp, in, ref, abs_sum, terms, div);
        for (int64_t i = 0; i < nout; i++) {
            /* n terms summed in float (n-1 roundings past the exact 0 + x0)
               then one division: |err| <= gamma(n) sum|x| / |divisor|; one
               more unit covers the reference's own double rounding. */
            double bound = tc_gamma(terms[i] + 1) * abs_sum[i] / fabs(div[i]);
            double err = fabs((double)out[i] - ref[i]);
            if (!(err <= bound) && bad++ < 3)
                tc_check(0, "%s: out[%lld] = %.9g, ref %.9g, err %.3g > bound %.3g", what,
                         (long long)i, (double)out[i], ref[i], err, bound);
        }
        free(ref);
        free(abs_sum);
        free(div);
        free(terms);
    }
    tc_check(bad == 0, "%s: %ld outputs differ from the reference", what, bad);
    sc_pool2d_plan_destroy(plan);
done:
    free(in);
    tc_free(out);
    tc_free(idx_buf);
    return 1;
}

static sc_pool2d_desc random_desc(tc_rng *r, sc_pool_kind kind)
{
    sc_pool2d_desc d;
    int64_t kh = tc_rng_int(r, 1, 5), kw = tc_rng_int(r, 1, 5);
    /* Every fourth case is wide enough for several full vectors per row. */
    int64_t w = (tc_rng_int(r, 0, 3) == 0) ? tc_rng_int(r, 50, 90) : tc_rng_int(r, 1, 33);
    sc_pool2d_desc_init(&d, kind, tc_rng_int(r, 1, 3), tc_rng_int(r, 1, 3), tc_rng_int(r, 1, 19),
                        w, kh, kw);
    d.stride_h = tc_rng_int(r, 1, 3);
    d.stride_w = tc_rng_int(r, 1, 3);
    if (tc_rng_int(r, 0, 4) == 0) { /* PyTorch's default stride = kernel */
        d.stride_h = kh;
        d.stride_w = kw;
    }
    d.pad_h = tc_rng_int(r, 0, kh / 2);
    d.pad_w = tc_rng_int(r, 0, kw / 2);
    d.ceil_mode = (int)tc_rng_int(r, 0, 1);
    if (kind == SC_POOL_MAX) {
        d.dilation_h = tc_rng_int(r, 1, 3);
        d.dilation_w = tc_rng_int(r, 1, 3);
    } else {
        d.count_include_pad = (int)tc_rng_int(r, 0, 1);
        static const int64_t divs[] = {0, 0, 0, 1, 3, 7, -2, -5};
        d.divisor_override = divs[tc_rng_int(r, 0, 7)];
    }
    return d;
}

static void random_cases(tc_rng *r)
{
    int cases = (int)(160 * tc_scale());
    if (cases < 20)
        cases = 20;
    int ran_max = 0, ran_avg = 0;
    for (int c = 0; c < cases; c++) {
        sc_pool_kind kind = (c & 1) ? SC_POOL_AVG : SC_POOL_MAX;
        sc_pool2d_desc d = random_desc(r, kind);
        enum fill f = kind == SC_POOL_MAX ? (enum fill)tc_rng_int(r, 0, 4)
                                          : (tc_rng_int(r, 0, 1) ? FILL_UNIFORM : FILL_WIDE);
        int with_idx = kind == SC_POOL_MAX && tc_rng_int(r, 0, 2) != 0;
        int ran = check_case(&d, r, f, with_idx, (int)tc_rng_int(r, 1, 3));
        if (kind == SC_POOL_MAX)
            ran_max += ran;
        else
            ran_avg += ran;
    }
    tc_check(ran_max >= cases / 4 && ran_avg >= cases / 4,
             "random cases: only %d max and %d avg were valid", ran_max, ran_avg);
}

/* Fixed shapes: vector interior with stride 1 (contiguous) and 2, 3
   (strided), tails of every length, wide rows, dilation, padding. */
static void fixed_cases(tc_rng *r)
{
    static const int64_t shapes[][8] = {
        /* h, w, kh, kw, sh, sw, ph, pw */
        {7, 100, 3, 3, 1, 1, 1, 1},  {9, 101, 3, 3, 2, 2, 1, 1}, {6, 97, 2, 3, 1, 3, 0, 1},
        {5, 64, 1, 1, 1, 1, 0, 0},   {4, 49, 4, 4, 1, 1, 2, 2},  {3, 200, 3, 7, 3, 1, 1, 3},
        {8, 33, 5, 5, 2, 3, 2, 2},   {2, 18, 2, 2, 2, 2, 1, 1},  {1, 1, 1, 1, 1, 1, 0, 0},
        /* A kernel far larger than the input, held up by its padding. */
        {3, 3, 201, 201, 1, 1, 100, 100},
        /* Windows spanning whole rows, one output per row: global pooling
           (average pooling sums these as contiguous runs). */
        {7, 7, 7, 7, 7, 7, 0, 0},    {5, 45, 5, 45, 1, 1, 0, 0}, {9, 20, 3, 20, 2, 1, 0, 0},
        /* Rows too wide for average pooling's column sums in one piece:
           chunks of 1024 outputs (the last ragged), and strided chunks whose
           sums take the whole buffer, one row at a time. */
        {3, 2100, 3, 3, 1, 1, 1, 1}, {4, 5000, 2, 5, 2, 3, 1, 2},
        /* A window wider than that buffer: summed one output at a time. */
        {2, 5, 3, 4101, 1, 1, 1, 2048},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        for (int kind = 0; kind < 2; kind++) {
            sc_pool2d_desc d;
            const int64_t *v = shapes[s];
            sc_pool2d_desc_init(&d, (sc_pool_kind)kind, 2, 3, v[0], v[1], v[2], v[3]);
            d.stride_h = v[4];
            d.stride_w = v[5];
            d.pad_h = v[6];
            d.pad_w = v[7];
            for (int ceil = 0; ceil < 2; ceil++) {
                d.ceil_mode = ceil;
                if (kind == SC_POOL_MAX) {
                    check_case(&d, r, FILL_UNIFORM, 1, 2);
                    check_case(&d, r, FILL_NAN, 1, 1);
                    check_case(&d, r, FILL_TIES, 0, 3);
                    /* Values alone take the padded copies: NaN and -inf
                       blocks, and ties, there too. */
                    check_case(&d, r, FILL_NAN, 0, 2);
                    check_case(&d, r, FILL_NEG_INF, 0, 1);
                    check_case(&d, r, FILL_UNIFORM, 0, 1);
                    d.dilation_h = d.dilation_w = 2;
                    check_case(&d, r, FILL_UNIFORM, 1, 2);
                    d.dilation_h = d.dilation_w = 1;
                } else {
                    d.count_include_pad = ceil;
                    check_case(&d, r, FILL_UNIFORM, 0, 2);
                    d.divisor_override = -3;
                    check_case(&d, r, FILL_WIDE, 0, 1);
                    d.divisor_override = 0;
                }
            }
        }
    }
}

/* Global average pooling (the window each whole plane, no padding), which
   the plan runs many planes to a call: planes enough for several calls,
   one-element and non-square planes, planes past a call's tap budget (one
   plane a call), divisor_override and ceil_mode; the same bits on 1, 2 and
   3 threads. Max pooling of the same shapes checks alongside. */
static void global_cases(tc_rng *r)
{
    static const int64_t shapes[][4] = {
        /* batch, channels, h, w */
        {3, 700, 7, 7}, {2, 40, 1, 1}, {1, 67, 13, 11}, {2, 3, 181, 181}, {1, 2, 200, 201},
    };
    static const int64_t divs[] = {0, 5, -7};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        const int64_t *v = shapes[i];
        for (int kind = 0; kind < 2; kind++) {
            sc_pool2d_desc d;
            sc_pool2d_desc_init(&d, (sc_pool_kind)kind, v[0], v[1], v[2], v[3], v[2], v[3]);
            d.ceil_mode = (int)(i & 1);
            if (kind == SC_POOL_AVG)
                d.divisor_override = divs[i % 3];
            check_case(&d, r, FILL_UNIFORM, 0, (int)(1 + i % 3));
            if (kind != SC_POOL_AVG)
                continue;
            const int64_t nin = v[0] * v[1] * v[2] * v[3], nout = v[0] * v[1];
            float *in = malloc((size_t)nin * sizeof *in);
            float *o1 = malloc((size_t)nout * sizeof *o1), *o3 = malloc((size_t)nout * sizeof *o3);
            fill_input(r, in, nin, FILL_WIDE);
            sc_pool2d_plan *p1 = NULL, *p3 = NULL;
            sc_pool2d_options opt1 = {1}, opt3 = {3};
            const int made = sc_pool2d_plan_create(&d, &opt1, &p1) == SC_OK &&
                             sc_pool2d_plan_create(&d, &opt3, &p3) == SC_OK;
            tc_check(made && sc_pool2d_run(p1, in, o1, NULL) == SC_OK &&
                         sc_pool2d_run(p3, in, o3, NULL) == SC_OK &&
                         memcmp(o1, o3, (size_t)nout * sizeof *o1) == 0,
                     "global avg %lldx%lldx%lldx%lld: 1 and 3 threads differ (or failed: %s)",
                     (long long)v[0], (long long)v[1], (long long)v[2], (long long)v[3],
                     sc_last_error());
            sc_pool2d_plan_destroy(p1);
            sc_pool2d_plan_destroy(p3);
            free(in);
            free(o1);
            free(o3);
        }
    }
}

/* Runs a one-plane max pool and returns output and indices. */
static void run_max(sc_pool2d_desc *d, const float *in, float *out, int64_t *idx)
{
    sc_status st = sc_pool2d(d, in, out, idx);
    tc_check(st == SC_OK, "one-shot max: %d (%s)", (int)st, sc_last_error());
}

static void edge_cases(void)
{
    sc_pool2d_desc d;
    int64_t ho = 0, wo = 0;

    /* The seed case: MaxPool2d(2) on 1x5x24x24 gives 12x12. */
    sc_pool2d_desc_init(&d, SC_POOL_MAX, 1, 5, 24, 24, 2, 2);
    tc_check(sc_pool2d_output_size(&d, &ho, &wo) == SC_OK && ho == 12 && wo == 12,
             "seed: MaxPool2d(2) on 24x24 gives %lldx%lld", (long long)ho, (long long)wo);
    {
        tc_rng r;
        tc_rng_seed(&r, 24);
        check_case(&d, &r, FILL_UNIFORM, 1, 0);
    }

    /* Tap offsets from a window's corner of 2^24 and more (here 2048 rows
       of 8192 floats, plus one column): indices then take the scalar path,
       as float lanes would round them. */
    sc_pool2d_desc_init(&d, SC_POOL_MAX, 1, 1, 2050, 8192, 2, 2);
    d.stride_h = d.stride_w = 1;
    d.dilation_h = 2048;
    {
        tc_rng r;
        tc_rng_seed(&r, 25);
        check_case(&d, &r, FILL_UNIFORM, 1, 2);
    }

    /* ceil_mode: H=5, k=2, s=2 -> 3 (floor 2). */
    sc_pool2d_desc_init(&d, SC_POOL_MAX, 1, 1, 5, 5, 2, 2);
    d.ceil_mode = 1;
    tc_check(sc_pool2d_output_size(&d, &ho, &wo) == SC_OK && ho == 3 && wo == 3,
             "ceil: H=5 k=2 s=2 gives %lld, want 3", (long long)ho);
    d.ceil_mode = 0;
    tc_check(sc_pool2d_output_size(&d, &ho, &wo) == SC_OK && ho == 2, "floor: H=5 k=2 s=2 gives %lld",
             (long long)ho);
    /* With pad 1 the 4th window would start in the right padding: dropped. */
    d.ceil_mode = 1;
    d.pad_h = d.pad_w = 1;
    tc_check(sc_pool2d_output_size(&d, &ho, &wo) == SC_OK && ho == 3 && wo == 3,
             "ceil: H=5 k=2 s=2 p=1 gives %lld, want 3 (last window dropped)", (long long)ho);

    /* count_include_pad with the ceil_mode overhang: H=W=6, k=3, s=2, p=1,
       ceil -> 4x4; the corner window covers rows -1..1 (9 padded, 4 real),
       the last one rows 5..6 of which 7 would be the overhang (4 padded,
       1 real). */
    {
        float in[36], out[16];
        for (int i = 0; i < 36; i++)
            in[i] = 1.0f;
        sc_pool2d_desc_init(&d, SC_POOL_AVG, 1, 1, 6, 6, 3, 3);
        d.stride_h = d.stride_w = 2;
        d.pad_h = d.pad_w = 1;
        d.ceil_mode = 1;
        tc_check(sc_pool2d_output_size(&d, &ho, &wo) == SC_OK && ho == 4 && wo == 4,
                 "avg ceil 6x6 k3 s2 p1: %lldx%lld", (long long)ho, (long long)wo);
        tc_check(sc_pool2d(&d, in, out, NULL) == SC_OK, "avg overhang run: %s", sc_last_error());
        tc_check(out[0] == 4.0f / 9.0f, "count_include_pad corner: %.9g want 4/9", (double)out[0]);
        tc_check(out[15] == 1.0f / 4.0f, "count_include_pad overhang corner: %.9g want 1/4",
                 (double)out[15]);
        tc_check(out[3] == 2.0f / 6.0f, "count_include_pad top-right: %.9g want 2/6",
                 (double)out[3]);
        d.count_include_pad = 0;
        tc_check(sc_pool2d(&d, in, out, NULL) == SC_OK, "avg overhang run: %s", sc_last_error());
        int all_one = 1;
        for (int i = 0; i < 16; i++)
            all_one &= out[i] == 1.0f;
        tc_check(all_one, "count_include_pad=0: every average of ones is 1");
        d.divisor_override = -3;
        tc_check(sc_pool2d(&d, in, out, NULL) == SC_OK, "avg divisor run: %s", sc_last_error());
        tc_check(out[0] == 4.0f / -3.0f && out[15] == 1.0f / -3.0f && out[5] == 9.0f / -3.0f,
                 "divisor_override=-3: %g %g %g", (double)out[0], (double)out[15], (double)out[5]);
    }

    /* NaN: the last NaN in row-major window order wins; ties keep the first
       index; all -inf gives -inf at the first in-bounds tap. */
    {
        float in[16], out[4];
        int64_t idx[4];
        for (int i = 0; i < 16; i++)
            in[i] = (float)i;
        in[2] = 100.0f;
        in[5] = NAN;
        in[10] = NAN;
        sc_pool2d_desc_init(&d, SC_POOL_MAX, 1, 1, 4, 4, 4, 4);
        run_max(&d, in, out, idx);
        tc_check(isnan(out[0]) && idx[0] == 10, "NaN: out %g idx %lld, want NaN at 10",
                 (double)out[0], (long long)idx[0]);

        for (int i = 0; i < 16; i++)
            in[i] = 7.0f;
        run_max(&d, in, out, idx);
        tc_check(out[0] == 7.0f && idx[0] == 0, "ties: idx %lld want 0", (long long)idx[0]);

        for (int i = 0; i < 16; i++)
            in[i] = -INFINITY;
        sc_pool2d_desc_init(&d, SC_POOL_MAX, 1, 1, 4, 4, 3, 3);
        d.pad_h = d.pad_w = 1;
        d.stride_h = d.stride_w = 2;
        run_max(&d, in, out, idx);
        tc_check(isinf(out[0]) && out[0] < 0 && idx[0] == 0 && idx[1] == 1 && idx[2] == 4 &&
                     idx[3] == 5,
                 "-inf: out %g idx %lld %lld %lld %lld, want 0 1 4 5", (double)out[0],
                 (long long)idx[0], (long long)idx[1], (long long)idx[2], (long long)idx[3]);
    }

    /* The same rules through the vector interior: one wide row. */
    {
        enum { W = 131 };
        float in[3 * W], out[W];
        int64_t idx[W];
        for (int i = 0; i < 3 * W; i++)
            in[i] = 1.0f;
        for (int c = 0; c < W; c += 5)
            in[W + c] = NAN; /* row 1 */
        for (int c = 0; c < W; c += 5)
            in[2 * W + c] = NAN; /* row 2: later in row-major order */
        sc_pool2d_desc_init(&d, SC_POOL_MAX, 1, 1, 3, W, 3, 3);
        d.stride_h = d.stride_w = 1;
        d.pad_w = 1;
        run_max(&d, in, out, idx);
        long bad = 0;
        for (int c = 0; c < W; c++) {
            /* Window columns c-1..c+1; the NaN columns are multiples of 5. */
            int64_t last = -1;
            for (int j = c - 1; j <= c + 1; j++)
                if (j >= 0 && j < W && j % 5 == 0)
                    last = 2 * W + j;
            int64_t want = last >= 0 ? last : (c == 0 ? 0 : c - 1);
            int ok = last >= 0 ? (isnan(out[c]) && idx[c] == want)
                               : (out[c] == 1.0f && idx[c] == want);
            bad += !ok;
        }
        tc_check(bad == 0, "wide NaN/tie row: %ld wrong outputs", bad);
    }
}

/* Bad descriptors: right status, the message names the field, output
   untouched. */
typedef struct bad_case {
    const char *field;
    sc_pool_kind kind;
    void (*mutate)(sc_pool2d_desc *d);
} bad_case;

#define MUT(name, body) \
    static void name(sc_pool2d_desc *d) { body; }
MUT(m_kind, d->kind = (sc_pool_kind)7)
MUT(m_kind_neg, d->kind = (sc_pool_kind)-1)
MUT(m_batch, d->batch = 0)
MUT(m_channels, d->channels = -1)
MUT(m_in_height, d->in_height = 0)
MUT(m_in_width, d->in_width = -3)
MUT(m_kernel_h, d->kernel_h = 0)
MUT(m_kernel_w, d->kernel_w = -2)
MUT(m_stride_h, d->stride_h = 0)
MUT(m_stride_w, d->stride_w = -1)
MUT(m_pad_h_neg, d->pad_h = -1)
MUT(m_pad_w_neg, d->pad_w = -1)
MUT(m_pad_h_big, d->pad_h = 2)  /* kernel 3: at most 1 */
MUT(m_pad_w_big, d->pad_w = 2)
MUT(m_dil_h, d->dilation_h = 0)
MUT(m_dil_w, d->dilation_w = -1)
MUT(m_avg_dil_h, d->dilation_h = 2)
MUT(m_avg_dil_w, d->dilation_w = 2)
MUT(m_ceil, d->ceil_mode = 2)
MUT(m_cip, d->count_include_pad = -1)
MUT(m_max_div, d->divisor_override = 4)
MUT(m_small_h, d->in_height = 2)          /* kernel 3, no pad: no window fits */
MUT(m_small_w, d->in_width = 1)
MUT(m_empty_h, (d->in_height = 1, d->kernel_h = 2, d->pad_h = 1, d->dilation_h = 2, d->stride_h = 1))
MUT(m_empty_w, (d->in_width = 1, d->kernel_w = 2, d->pad_w = 1, d->dilation_w = 2, d->stride_w = 1))
MUT(m_dil_overflow, (d->kernel_h = INT64_MAX / 2, d->dilation_h = 3, d->in_height = INT64_MAX / 4))
/* A 1x1 input under a kernel so wide that its area overflows int64. */
MUT(m_area_overflow, (d->in_height = d->in_width = 1, d->kernel_h = d->kernel_w = INT64_C(1) << 40,
                      d->pad_h = d->pad_w = INT64_C(1) << 39))
MUT(m_in_overflow, (d->batch = INT64_MAX / 8, d->channels = 16))
MUT(m_h_pad_overflow, (d->in_height = INT64_MAX - 1, d->kernel_h = 4, d->pad_h = 2))
/* Input fits in INT64_MAX bytes, int64 indices of the same count do not. */
MUT(m_idx_overflow, (d->batch = INT64_MAX / 4 - 1, d->channels = 1, d->in_height = 1, d->in_width = 1,
                     d->kernel_h = d->kernel_w = 1, d->stride_h = d->stride_w = 1, d->pad_h = d->pad_w = 0))
#undef MUT

static void bad_descriptors(void)
{
    static const bad_case cases[] = {
        {"kind", SC_POOL_MAX, m_kind},
        {"kind", SC_POOL_AVG, m_kind_neg},
        {"batch", SC_POOL_MAX, m_batch},
        {"channels", SC_POOL_AVG, m_channels},
        {"in_height", SC_POOL_MAX, m_in_height},
        {"in_width", SC_POOL_AVG, m_in_width},
        {"kernel_h", SC_POOL_MAX, m_kernel_h},
        {"kernel_w", SC_POOL_AVG, m_kernel_w},
        {"stride_h", SC_POOL_MAX, m_stride_h},
        {"stride_w", SC_POOL_AVG, m_stride_w},
        {"pad_h", SC_POOL_MAX, m_pad_h_neg},
        {"pad_w", SC_POOL_AVG, m_pad_w_neg},
        {"pad_h", SC_POOL_AVG, m_pad_h_big},
        {"pad_w", SC_POOL_MAX, m_pad_w_big},
        {"dilation_h", SC_POOL_MAX, m_dil_h},
        {"dilation_w", SC_POOL_MAX, m_dil_w},
        {"dilation_h", SC_POOL_AVG, m_avg_dil_h},
        {"dilation_w", SC_POOL_AVG, m_avg_dil_w},
        {"ceil_mode", SC_POOL_MAX, m_ceil},
        {"count_include_pad", SC_POOL_AVG, m_cip},
        {"divisor_override", SC_POOL_MAX, m_max_div},
        {"in_height", SC_POOL_MAX, m_small_h},
        {"in_width", SC_POOL_AVG, m_small_w},
        {"dilation_h", SC_POOL_MAX, m_empty_h},
        {"dilation_w", SC_POOL_MAX, m_empty_w},
        {"dilation_h", SC_POOL_MAX, m_dil_overflow},
        {"kernel_w", SC_POOL_AVG, m_area_overflow},
        {"kernel_w", SC_POOL_MAX, m_area_overflow},
        {"batch", SC_POOL_AVG, m_in_overflow},
        {"in_height", SC_POOL_MAX, m_h_pad_overflow},
        {"indices", SC_POOL_MAX, m_idx_overflow},
    };
    float in[64];
    for (int i = 0; i < 64; i++)
        in[i] = (float)i;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sc_pool2d_desc d;
        sc_pool2d_desc_init(&d, cases[i].kind, 1, 1, 8, 8, 3, 3);
        cases[i].mutate(&d);
        int64_t ho = -7, wo = -7;
        sc_status st = sc_pool2d_output_size(&d, &ho, &wo);
        tc_check(st == SC_INVALID_ARGUMENT && ho == -7 && wo == -7,
                 "bad %s (case %zu): output_size status %d", cases[i].field, i, (int)st);
        tc_check(strstr(sc_last_error(), cases[i].field) != NULL,
                 "bad %s (case %zu): message '%s' does not name it", cases[i].field, i,
                 sc_last_error());
        sc_pool2d_plan *plan = (sc_pool2d_plan *)&d; /* must stay as it was */
        st = sc_pool2d_plan_create(&d, NULL, &plan);
        tc_check(st == SC_INVALID_ARGUMENT && plan == (sc_pool2d_plan *)&d,
                 "bad %s (case %zu): create status %d", cases[i].field, i, (int)st);
        tc_check(strstr(sc_last_error(), cases[i].field) != NULL,
                 "bad %s (case %zu): create message '%s'", cases[i].field, i, sc_last_error());
        float *out = tc_alloc_guarded(64);
        float *idx = tc_alloc_guarded(128);
        st = sc_pool2d(&d, in, out, d.kind == SC_POOL_MAX ? (int64_t *)idx : NULL);
        tc_check(st == SC_INVALID_ARGUMENT && tc_untouched(out, 64 + TC_GUARD) &&
                     tc_untouched(idx, 128 + TC_GUARD),
                 "bad %s (case %zu): one-shot status %d, output touched", cases[i].field, i,
                 (int)st);
        tc_free(out);
        tc_free(idx);
    }

    /* Options, pointers and run-time arguments. */
    sc_pool2d_desc d;
    sc_pool2d_desc_init(&d, SC_POOL_MAX, 1, 1, 8, 8, 2, 2);
    sc_pool2d_plan *plan = NULL;
    sc_pool2d_options opt = {-1};
    tc_check(sc_pool2d_plan_create(&d, &opt, &plan) == SC_INVALID_ARGUMENT && !plan &&
                 strstr(sc_last_error(), "num_threads"),
             "num_threads=-1: '%s'", sc_last_error());
    tc_check(sc_pool2d_plan_create(&d, NULL, NULL) == SC_INVALID_ARGUMENT &&
                 strstr(sc_last_error(), "plan"),
             "plan=NULL: '%s'", sc_last_error());
    tc_check(sc_pool2d_plan_create(NULL, NULL, &plan) == SC_INVALID_ARGUMENT &&
                 strstr(sc_last_error(), "desc"),
             "desc=NULL: '%s'", sc_last_error());
    tc_check(sc_pool2d_output_size(NULL, NULL, NULL) == SC_INVALID_ARGUMENT, "output_size(NULL)");
    tc_check(sc_pool2d_output_size(&d, NULL, NULL) == SC_INVALID_ARGUMENT, "output_size(d, NULL)");
    tc_check(sc_pool2d_run(NULL, in, in, NULL) == SC_INVALID_ARGUMENT &&
                 strstr(sc_last_error(), "plan"),
             "run(NULL plan): '%s'", sc_last_error());
    tc_check(strcmp(sc_pool2d_plan_describe(NULL), "") == 0, "describe(NULL) is \"\"");
    sc_pool2d_plan_destroy(NULL);

    float *out = tc_alloc_guarded(16);
    float *idx = tc_alloc_guarded(32);
    if (tc_check(sc_pool2d_plan_create(&d, NULL, &plan) == SC_OK, "create 8x8 max")) {
        tc_check(sc_pool2d_run(plan, NULL, out, NULL) == SC_INVALID_ARGUMENT &&
                     strstr(sc_last_error(), "input") && tc_untouched(out, 16),
                 "run(input NULL): '%s'", sc_last_error());
        tc_check(sc_pool2d_run(plan, in, NULL, (int64_t *)idx) == SC_INVALID_ARGUMENT &&
                     strstr(sc_last_error(), "output") && tc_untouched(idx, 32),
                 "run(output NULL): '%s'", sc_last_error());
        sc_pool2d_plan_destroy(plan);
    }
    plan = NULL;
    d.kind = SC_POOL_AVG;
    if (tc_check(sc_pool2d_plan_create(&d, NULL, &plan) == SC_OK, "create 8x8 avg")) {
        tc_check(sc_pool2d_run(plan, in, out, (int64_t *)idx) == SC_INVALID_ARGUMENT &&
                     strstr(sc_last_error(), "indices") && tc_untouched(out, 16) &&
                     tc_untouched(idx, 32),
                 "run(avg with indices): '%s'", sc_last_error());
        sc_pool2d_plan_destroy(plan);
    }
    tc_check(sc_pool2d(&d, in, out, (int64_t *)idx) == SC_INVALID_ARGUMENT &&
                 tc_untouched(out, 16),
             "one-shot avg with indices");
    tc_check(sc_pool2d(&d, NULL, out, NULL) == SC_INVALID_ARGUMENT && tc_untouched(out, 16),
             "one-shot input NULL");
    tc_free(out);
    tc_free(idx);

    /* The defaults PyTorch uses. */
    sc_pool2d_desc_init(&d, SC_POOL_AVG, 2, 3, 10, 11, 3, 4);
    tc_check(d.stride_h == 3 && d.stride_w == 4 && d.pad_h == 0 && d.pad_w == 0 &&
                 d.dilation_h == 1 && d.dilation_w == 1 && d.ceil_mode == 0 &&
                 d.count_include_pad == 1 && d.divisor_override == 0,
             "desc_init defaults");
}

/* One plan, thread counts 1, 2, 3: bitwise identical outputs and indices. */
static void determinism(tc_rng *r)
{
    for (int kind = 0; kind < 2; kind++) {
        sc_pool2d_desc d;
        sc_pool2d_desc_init(&d, (sc_pool_kind)kind, 2, 5, 37, 83, 3, 3);
        d.stride_h = 1;
        d.stride_w = 2;
        d.pad_h = d.pad_w = 1;
        d.ceil_mode = 1;
        int64_t ho, wo;
        if (!tc_check(sc_pool2d_output_size(&d, &ho, &wo) == SC_OK, "determinism size"))
            continue;
        int64_t nin = 2 * 5 * 37 * 83, nout = 2 * 5 * ho * wo;
        float *in = tc_alloc_guarded(nin);
        fill_input(r, in, nin, kind == SC_POOL_MAX ? FILL_NAN : FILL_UNIFORM);
        float *first = NULL;
        int64_t *first_idx = NULL;
        for (int nt = 1; nt <= 3; nt++) {
            sc_pool2d_options opt = {nt};
            sc_pool2d_plan *plan = NULL;
            if (!tc_check(sc_pool2d_plan_create(&d, &opt, &plan) == SC_OK, "determinism create"))
                break;
            float *out = tc_alloc_guarded(nout);
            int64_t *idx = kind == SC_POOL_MAX ? malloc((size_t)nout * sizeof *idx) : NULL;
            tc_check(sc_pool2d_run(plan, in, out, idx) == SC_OK, "determinism run");
            if (!first) {
                first = out;
                first_idx = idx;
            } else {
                tc_check(memcmp(first, out, (size_t)nout * sizeof *out) == 0 &&
                             (!idx || memcmp(first_idx, idx, (size_t)nout * sizeof *idx) == 0),
                         "%s: num_threads=%d differs from 1 on %s", kind ? "avg" : "max", nt,
                         sc_isa_name(cur_isa));
                tc_free(out);
                free(idx);
            }
            sc_pool2d_plan_destroy(plan);
        }
        tc_free(first);
        free(first_idx);
        tc_free(in);
    }
}

int main(void)
{
    sc_isa isas[4];
    int n = tc_available_isas(isas);
    tc_check(n >= 1, "no ISA available");
    for (int i = 0; i < n; i++) {
        if (!tc_check(sc_isa_limit(isas[i]) == SC_OK, "sc_isa_limit(%s)", sc_isa_name(isas[i])))
            continue;
        cur_isa = isas[i];
        long before = tc_passed;
        tc_rng r;
        tc_rng_seed(&r, 1000 + (uint64_t)i);
        edge_cases();
        fixed_cases(&r);
        global_cases(&r);
        random_cases(&r);
        determinism(&r);
        printf("test-pool: %s: %ld checks passed\n", sc_isa_name(cur_isa), tc_passed - before);
    }
    sc_isa_limit(sc_isa_detected());
    bad_descriptors();
    return tc_summary("test-pool");
}
