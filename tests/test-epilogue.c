/*
 * Epilogues (bias + activation): every entry of sc_epilogue_kernels this CPU
 * can run, every activation, against libm in double.
 *
 * Inputs: a fine grid over [-30, 30], random values, and the special cases:
 * +-0, +-inf, NaN, subnormals, huge magnitudes, the points where the
 * formulas switch branch (softplus threshold 20, exp overflow/underflow near
 * +-88 and -104). Each runs with several biases, the kernel sees v = x + bias
 * rounded to float, and the reference evaluates the activation at that v.
 *
 * Bound, for finite results:
 *     |y - ref| <= 8 ulp(|ref|) + 8 * 2^-24 * |v|
 * The relative term allows the few ulps that a float evaluation of
 * exp/tanh/erf/log1p (SLEEF u10: 1 ulp each) and the surrounding operations
 * accumulate. The absolute term covers the cancellation in 1 + erf(...) and
 * 1 + tanh(...) (GELU forms) and in the x * sigmoid(x) style products for
 * large negative v: there the float result may lose all relative accuracy,
 * but an error of a few units of 2^-24 in the bracket is scaled only by |v|.
 * It also covers results that underflow into the subnormals.
 * relu, relu6 and "none" are exact operations and must match exactly.
 *
 * Special values: NaN in gives NaN out for every activation. +inf and -inf
 * give the limits exactly: relu 0 / inf, relu6 0 / 6, sigmoid 0 / 1,
 * tanh -1 / 1, and 0 (either sign) / +inf for silu, gelu, gelu_tanh, mish.
 *
 * Calls use odd lengths and offsets so vector bodies, tails and unaligned
 * starts are all exercised; an element's result must not depend on where in
 * a call it sits. A guard zone after the array (plus the element before it)
 * must stay untouched; n = 0 must write nothing.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "internal.h"

#define NACT 9
static const char *const act_names[NACT] = {"none", "relu", "relu6",     "sigmoid", "tanh",
                                            "silu", "gelu", "gelu_tanh", "mish"};

static double ref_sigmoid(double v) { return 1.0 / (1.0 + exp(-v)); }

/* The activations in double, written to stay accurate where the float
   formulas cancel (so the reference itself is not the error). */
static double ref_act(sc_activation act, double v)
{
    if (isnan(v))
        return v;
    switch (act) {
    case SC_ACT_NONE:
        return v;
    case SC_ACT_RELU:
        return v < 0 ? 0.0 : v;
    case SC_ACT_RELU6:
        return v < 0 ? 0.0 : (v > 6 ? 6.0 : v);
    case SC_ACT_SIGMOID:
        return ref_sigmoid(v);
    case SC_ACT_TANH:
        return tanh(v);
    case SC_ACT_SILU:
        if (isinf(v))
            return v > 0 ? v : 0.0;
        return v * ref_sigmoid(v);
    case SC_ACT_GELU:
        if (isinf(v))
            return v > 0 ? v : 0.0;
        /* 0.5 v (1 + erf(v/sqrt2)) == 0.5 v erfc(-v/sqrt2), without cancellation. */
        return 0.5 * v * erfc(-v / sqrt(2.0));
    case SC_ACT_GELU_TANH: {
        if (isinf(v))
            return v > 0 ? v : 0.0;
        const double z = 0.79788456080286535588 /* sqrt(2/pi) */ * (v + 0.044715 * v * v * v);
        /* 1 + tanh(z) == 2 / (1 + exp(-2z)), without cancellation. */
        return 0.5 * v * (2.0 / (1.0 + exp(-2.0 * z)));
    }
    case SC_ACT_MISH:
        if (isinf(v))
            return v > 0 ? v : 0.0;
        return v * tanh(log1p(exp(v)));
    }
    return v;
}

/* The spacing of floats at |r| (2^-149 for zero and subnormals). */
static double ulp_float(double r)
{
    r = fabs(r);
    if (r < FLT_MIN)
        return ldexp(1.0, -149);
    int e;
    frexp(r, &e); /* r = f * 2^e, f in [0.5, 1) */
    return ldexp(1.0, e - 24);
}

static int exact_act(sc_activation act)
{
    return act == SC_ACT_NONE || act == SC_ACT_RELU || act == SC_ACT_RELU6;
}

/* Checks y = f(v) for one element; returns 1 when acceptable. */
static int acceptable(sc_activation act, float v, float y, double *err_out, double *bound_out)
{
    const double ref = ref_act(act, (double)v);
    *err_out = *bound_out = 0.0;
    if (isnan(ref))
        return isnan(y);
    if (isnan(y))
        return 0;
    if (isinf(ref))
        return (double)y == ref;
    if (isinf(v)) /* finite limit at an infinite input: exactly the limit */
        return (double)y == ref;
    if (exact_act(act))
        return (double)y == ref;
    const double err = fabs((double)y - ref);
    const double bound = 8.0 * ulp_float(ref) + 8.0 * ldexp(1.0, -24) * fabs((double)v);
    *err_out = err;
    *bound_out = bound;
    return err <= bound;
}

static int64_t build_inputs(float **out)
{
    static const float specials[] = {
        0.0f, -0.0f, INFINITY, -INFINITY, NAN, -NAN,
        1e-40f, -1e-40f, FLT_TRUE_MIN, -FLT_TRUE_MIN, FLT_MIN, -FLT_MIN, 1e-30f, -1e-30f,
        1e-8f, -1e-8f, 1e-4f, -1e-4f,
        19.999998f, 20.0f, 20.000002f, -20.0f, 30.0f, -30.0f,
        80.0f, 88.0f, 88.8f, 89.0f, 100.0f, -80.0f, -87.0f, -88.0f, -88.8f, -89.0f,
        -100.0f, -103.0f, -104.0f, -105.0f, -150.0f,
        1e4f, -1e4f, 1e10f, -1e10f, 1e13f, -1e13f, 1e20f, -1e20f, 1e30f, -1e30f,
        FLT_MAX, -FLT_MAX,
    };
    const int64_t nspec = (int64_t)(sizeof specials / sizeof specials[0]);
    const int64_t ngrid = 60 * 64 + 1; /* [-30, 30] in steps of 1/64 */
    const int64_t nrand = 2000;
    float *x = malloc((size_t)(nspec + ngrid + nrand) * sizeof(float));
    if (!x) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    int64_t n = 0;
    for (int64_t i = 0; i < nspec; i++)
        x[n++] = specials[i];
    for (int64_t i = 0; i < ngrid; i++)
        x[n++] = -30.0f + (float)i / 64.0f;
    tc_rng r;
    tc_rng_seed(&r, 0xe1105ull);
    for (int64_t i = 0; i < nrand; i++) {
        /* Half uniform on [-30, 30], half log-uniform magnitudes 2^-30..2^30. */
        if (i % 2 == 0) {
            x[n++] = tc_rng_float(&r, -30.0f, 30.0f);
        } else {
            float m = ldexpf(1.0f, (int)tc_rng_int(&r, -30, 30)) * tc_rng_float(&r, 1.0f, 2.0f);
            x[n++] = tc_rng_int(&r, 0, 1) ? m : -m;
        }
    }
    *out = x;
    return n;
}

static void test_kernel(const sc_epilogue_kernel *k, const float *xs, int64_t nx)
{
    static const float biases[] = {0.0f, 0.5f, -1.25f, 3.0f};
    const int nb = (int)(sizeof biases / sizeof biases[0]);
    const char *isa = sc_isa_name(k->isa);
    float *buf = tc_alloc_guarded(nx + 1); /* one pattern element before the data */
    float *x = buf + 1;

    for (int a = 0; a < NACT; a++) {
        const sc_activation act = (sc_activation)a;
        for (int ib = 0; ib < nb; ib++) {
            const float bias = biases[ib];
            /* The whole array in one call. */
            memcpy(x, xs, (size_t)nx * sizeof(float));
            k->fn(x, nx, bias, act);
            int64_t bad = 0, first = -1;
            double ferr = 0, fbound = 0;
            for (int64_t i = 0; i < nx; i++) {
                const float v = xs[i] + bias;
                double err, bound;
                if (!acceptable(act, v, x[i], &err, &bound) && bad++ == 0) {
                    first = i;
                    ferr = err;
                    fbound = bound;
                }
            }
            tc_check(bad == 0,
                     "%s %s bias=%g: %lld outputs wrong; first x=%.9g -> %.9g, ref %.17g "
                     "(err %.3g, bound %.3g)",
                     isa, act_names[a], (double)bias, (long long)bad,
                     first >= 0 ? (double)xs[first] : 0.0, first >= 0 ? (double)x[first] : 0.0,
                     first >= 0 ? ref_act(act, (double)(xs[first] + bias)) : 0.0, ferr, fbound);
            tc_check(tc_untouched(buf, 1) && tc_guard_intact(x, nx),
                     "%s %s: wrote outside [0, n)", isa, act_names[a]);
        }

        /* Short calls at unaligned offsets, tails of every length: the same
           element must get bitwise the same answer as in the long call (the
           executors cut rows into blocks that depend on the thread count, and
           outputs must not), and nothing outside [0, n) may change. */
        memcpy(x, xs, (size_t)nx * sizeof(float));
        k->fn(x, nx, 0.75f, act);
        float *whole = malloc((size_t)nx * sizeof(float));
        if (!whole) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
        memcpy(whole, x, (size_t)nx * sizeof(float));
        int tails_ok = 1;
        for (int64_t off = 0; off < 4; off++)
            for (int64_t len = 0; len <= 37 && off + len <= nx; len++) {
                float *y = tc_alloc_guarded(off + len);
                memcpy(y + off, xs + off, (size_t)len * sizeof(float));
                k->fn(y + off, len, 0.75f, act);
                int ok = tc_untouched(y, off) && tc_guard_intact(y, off + len);
                for (int64_t i = 0; i < len && ok; i++)
                    ok = memcmp(&y[off + i], &whole[off + i], sizeof(float)) == 0 ||
                         (isnan(y[off + i]) && isnan(whole[off + i]));
                if (!ok && tails_ok) {
                    tc_check(0, "%s %s: call of length %lld at offset %lld differs or "
                                "writes outside", isa, act_names[a], (long long)len,
                             (long long)off);
                    tails_ok = 0;
                }
                tc_free(y);
            }
        tc_check(tails_ok, "%s %s: tails", isa, act_names[a]);
        free(whole);
    }
    tc_free(buf);
}

int main(void)
{
    float *xs;
    const int64_t nx = build_inputs(&xs);
    const sc_isa here = sc_isa_detected();
    int tested = 0;
    for (const sc_epilogue_kernel *k = sc_epilogue_kernels; k->fn; k++) {
        if (!sc_isa_usable(k->isa, here)) {
            printf("test-epilogue: skipping %s (not usable on %s)\n", sc_isa_name(k->isa),
                   sc_isa_name(here));
            continue;
        }
        test_kernel(k, xs, nx);
        tested++;
    }
    tc_check(tested > 0, "no epilogue usable on %s", sc_isa_name(here));
    /* The plan-facing lookup returns a usable kernel for every ISA here. */
    sc_isa isas[4];
    const int count = tc_available_isas(isas);
    for (int i = 0; i < count; i++) {
        sc_epilogue_fn fn = sc_epilogue_for(isas[i]);
        int listed = 0;
        for (const sc_epilogue_kernel *k = sc_epilogue_kernels; k->fn; k++)
            if (k->fn == fn && sc_isa_usable(k->isa, isas[i])) {
                listed = 1;
                break;
            }
        tc_check(listed, "sc_epilogue_for(%s) is not a usable listed kernel",
                 sc_isa_name(isas[i]));
    }
    free(xs);
    return tc_summary("test-epilogue");
}
