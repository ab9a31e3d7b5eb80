/*
 * The cases of the seed documents (shared/seeds), run for real: every
 * algorithm that serves each shape under every available ISA, checked
 * against the double-precision reference, not only for shape.
 *   Conv2d(1, 1, 11, stride=4) on 1x1x227x227             -> 1x1x55x55
 *   Conv2d(1, 1, 11, stride=2, padding=1) on 1x1x64x32    -> 1x1x28x12
 *   Conv2d(1, 5, 5) on 1x1x28x28 -> 1x5x24x24, MaxPool2d(2) -> 1x5x12x12
 * (torch.nn.Conv2d has bias=True by default, so every case has a bias.)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "ref/ref-conv.h"

typedef struct seed_case {
    const char *what;
    int64_t cin, cout, h, w, k, stride, pad;
    int64_t want_ho, want_wo;
} seed_case;

static const seed_case seeds[] = {
    {"Conv2d(1,1,11,stride=4) on 227x227", 1, 1, 227, 227, 11, 4, 0, 55, 55},
    {"Conv2d(1,1,11,stride=2,padding=1) on 64x32", 1, 1, 64, 32, 11, 2, 1, 28, 12},
    {"Conv2d(1,5,5) on 28x28", 1, 5, 28, 28, 5, 1, 0, 24, 24},
};

static const char *algo_name(sc_conv_algo a)
{
    static const char *n[] = {"auto", "direct", "im2col", "winograd"};
    return n[a];
}

/* MaxPool2d(2) on the 1x5x24x24 output: 12x12, checked element by element
   against the maximum taken from the definition over the library's own conv
   output (exact: max involves no rounding), its index (first maximum in
   row-major order), and against the reference conv output within the conv
   bound (max moves by at most the largest error in its window). */
static void check_pool(const sc_conv2d_desc *cd, const float *conv, const double *ref_act,
                       const double *ref_pre, const double *ref_abs, const char *what)
{
    sc_pool2d_desc pd;
    sc_pool2d_desc_init(&pd, SC_POOL_MAX, 1, 5, 24, 24, 2, 2);
    int64_t ho = 0, wo = 0;
    sc_status s = sc_pool2d_output_size(&pd, &ho, &wo);
    if (!tc_check(s == SC_OK && ho == 12 && wo == 12, "%s: MaxPool2d(2) size %lldx%lld, want 12x12",
                  what, (long long)ho, (long long)wo))
        return;
    const int64_t n = 5 * 12 * 12;
    float *y = tc_alloc_guarded(n);
    int64_t *idx = malloc((size_t)(n + 8) * sizeof(int64_t));
    for (int64_t i = 0; i < n + 8; i++)
        idx[i] = -7;
    s = sc_pool2d(&pd, conv, y, idx);
    tc_check(s == SC_OK && tc_guard_intact(y, n) && idx[n] == -7,
             "%s: MaxPool2d(2) run %s, or wrote past its outputs", what, sc_status_string(s));
    int64_t bad_exact = 0, bad_idx = 0, bad_ref = 0;
    for (int64_t c = 0; c < 5; c++)
        for (int64_t oh = 0; oh < 12; oh++)
            for (int64_t ow = 0; ow < 12; ow++) {
                const float *plane = conv + c * 24 * 24;
                float m = -INFINITY;
                int64_t mi = -1;
                double rm = -INFINITY, err = 0;
                for (int64_t i = 0; i < 2; i++)
                    for (int64_t j = 0; j < 2; j++) {
                        int64_t at = (oh * 2 + i) * 24 + (ow * 2 + j);
                        if (plane[at] > m) {
                            m = plane[at];
                            mi = at;
                        }
                        int64_t r = c * 24 * 24 + at;
                        if (ref_act[r] > rm)
                            rm = ref_act[r];
                        double b = ref_conv_bound(cd, ref_act[r], ref_pre[r], ref_abs[r]);
                        if (b > err)
                            err = b;
                    }
                int64_t o = (c * 12 + oh) * 12 + ow;
                bad_exact += !(y[o] == m);
                bad_idx += idx[o] != mi;
                bad_ref += !(fabs((double)y[o] - rm) <= err);
            }
    tc_check(bad_exact == 0, "%s: %lld pooled values differ from the window maximum", what,
             (long long)bad_exact);
    tc_check(bad_idx == 0, "%s: %lld pooled indices differ", what, (long long)bad_idx);
    tc_check(bad_ref == 0, "%s: %lld pooled values outside the reference bound", what,
             (long long)bad_ref);
    tc_free(y);
    free(idx);
}

static void run_seed(const seed_case *sc, sc_isa isa, tc_rng *rng)
{
    sc_conv2d_desc d;
    sc_conv2d_desc_init(&d, 1, sc->cin, sc->h, sc->w, sc->cout, sc->k, sc->k);
    d.stride_h = d.stride_w = sc->stride;
    d.pad_h = d.pad_w = sc->pad;

    int64_t ho = 0, wo = 0;
    sc_status s = sc_conv2d_output_size(&d, &ho, &wo);
    tc_check(s == SC_OK && ho == sc->want_ho && wo == sc->want_wo,
             "%s: output_size %lldx%lld, want %lldx%lld", sc->what, (long long)ho, (long long)wo,
             (long long)sc->want_ho, (long long)sc->want_wo);
    /* the seeds' formula: (in - (k-1)*dilation + 2*pad - 1) / stride + 1 */
    tc_check((sc->h - (sc->k - 1) + 2 * sc->pad - 1) / sc->stride + 1 == sc->want_ho &&
                 (sc->w - (sc->k - 1) + 2 * sc->pad - 1) / sc->stride + 1 == sc->want_wo,
             "%s: seed formula disagrees with the expected size", sc->what);

    const int64_t in_n = sc->cin * sc->h * sc->w, w_n = sc->cout * sc->cin * sc->k * sc->k;
    const int64_t out_n = sc->cout * sc->want_ho * sc->want_wo;
    float *in = malloc((size_t)in_n * sizeof(float)), *w = malloc((size_t)w_n * sizeof(float));
    float b[5];
    tc_fill(rng, in, in_n, 0.0f, 1.0f); /* image-like, non-negative */
    tc_fill(rng, w, w_n, -1.0f / (float)sc->k, 1.0f / (float)sc->k); /* as PyTorch's init */
    tc_fill(rng, b, sc->cout, -1.0f / (float)sc->k, 1.0f / (float)sc->k);
    double *act = malloc((size_t)out_n * sizeof(double));
    double *pre = malloc((size_t)out_n * sizeof(double));
    double *mag = malloc((size_t)out_n * sizeof(double));
    int64_t rho = 0, rwo = 0;
    tc_check(ref_conv2d(&d, in, w, b, act, pre, mag, &rho, &rwo) == 0 && rho == sc->want_ho &&
                 rwo == sc->want_wo,
             "%s: reference size %lldx%lld", sc->what, (long long)rho, (long long)rwo);

    const sc_conv_algo algos[] = {SC_CONV_DIRECT, SC_CONV_IM2COL, SC_CONV_AUTO,
                                  SC_CONV_WINOGRAD};
    for (int a = 0; a < 4; a++) {
        char what[160];
        snprintf(what, sizeof what, "%s, %s, cap %s", sc->what, algo_name(algos[a]),
                 sc_isa_name(isa));
        sc_conv2d_options o = {algos[a], 0, 0};
        sc_conv2d_plan *p = NULL;
        s = sc_conv2d_plan_create(&d, w, b, &o, &p);
        /* Winograd serves a kernel whose stride phases are 3x3 or 4x4:
           11x11 stride 4 (3x3), 5x5 stride 1 (3x3 with two output phases),
           11x11 stride 2 (4x4 with two output phases; one would give 6x6). */
        if (algos[a] == SC_CONV_WINOGRAD &&
            !tc_winograd_serves(sc->k, sc->k, sc->stride, sc->stride, 1, 1)) {
            tc_check(s == SC_UNSUPPORTED && p == NULL, "%s: %s, want unsupported", what,
                     sc_status_string(s));
            sc_conv2d_plan_destroy(p);
            continue;
        }
        if (!tc_check(s == SC_OK && p, "%s: plan_create %s (%s)", what, sc_status_string(s),
                      sc_last_error()))
            continue;
        const char *desc = sc_conv2d_plan_describe(p);
        tc_check(algos[a] == SC_CONV_AUTO || strncmp(desc, algo_name(algos[a]),
                                                     strlen(algo_name(algos[a]))) == 0,
                 "%s: ran '%s'", what, desc);
        float *y = tc_alloc_guarded(out_n);
        s = sc_conv2d_run(p, in, y);
        int64_t worst = 0;
        tc_check(s == SC_OK && tc_guard_intact(y, out_n), "%s: run %s or wrote past the output",
                 what, sc_status_string(s));
        int64_t bad = 0;
        if (strncmp(desc, "winograd", 8) == 0) {
            /* The transforms' rounding is bounded in test-winograd; here the
               direct bound widened by test-conv's documented factor. */
            for (int64_t i = 0; i < out_n; i++) {
                const double err = fabs((double)y[i] - act[i]);
                if (!(err <= 64.0 * ref_conv_bound(&d, act[i], pre[i], mag[i]))) {
                    worst = bad ? worst : i;
                    bad++;
                }
            }
        } else {
            bad = ref_conv_compare(&d, y, act, pre, mag, out_n, &worst);
        }
        tc_check(bad == 0,
                 "%s ('%s'): %lld outputs outside the bound, worst at %lld: %.9g vs %.12g",
                 what, desc, (long long)bad, (long long)worst, (double)y[worst], act[worst]);
        if (sc->cout == 5)
            check_pool(&d, y, act, pre, mag, what);
        sc_conv2d_plan_destroy(p);
        tc_free(y);
    }
    /* the one-shot call, as the seeds use the module: conv(inputs) */
    float *y = tc_alloc_guarded(out_n);
    int64_t worst = 0;
    s = sc_conv2d(&d, in, w, b, y);
    int64_t bad = ref_conv_compare(&d, y, act, pre, mag, out_n, &worst);
    tc_check(s == SC_OK && bad == 0, "%s: one-shot sc_conv2d %s, %lld outside the bound",
             sc->what, sc_status_string(s), (long long)bad);
    tc_free(y);
    free(in);
    free(w);
    free(act);
    free(pre);
    free(mag);
}

int main(void)
{
    tc_rng rng;
    tc_rng_seed(&rng, 227);
    sc_isa isas[4];
    int n_isa = tc_available_isas(isas);
    for (int i = 0; i < n_isa; i++) {
        if (!tc_check(sc_isa_limit(isas[i]) == SC_OK, "sc_isa_limit(%s)", sc_isa_name(isas[i])))
            continue;
        for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++)
            run_seed(&seeds[k], isas[i], &rng);
    }
    sc_isa_limit(sc_isa_detected());
    return tc_summary("test-seed");
}
