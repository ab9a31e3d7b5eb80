/*
 * The direct algorithm's channels-in-lanes route for depthwise layers
 * (kernels/depthwise) must give the plane kernels' bits: each output sums
 * its taps in the same order with the same fused multiply-adds. Every layer
 * here runs once as a depthwise plan and once per channel as a one-channel
 * plan (groups 1, which the route declines, so the plane kernels serve it),
 * on every ISA the CPU has, and the outputs must be bitwise equal (the
 * scalar ISA has no such route, so there both plans run the plane kernel). The
 * random geometries cover channel counts around every vector length (tail
 * blocks), widths under one vector, strides 1-3, dilation, every padding
 * mode (and 'same'), non-square kernels up to 7, bias, activations and 1-3
 * threads. test-conv checks the same route against the double-precision
 * reference.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "internal.h"

static long ran_route, ran_planes;

static int bits_equal(const float *a, const float *b, int64_t n)
{
    return memcmp(a, b, (size_t)n * sizeof(float)) == 0;
}

static void one_case(tc_rng *r, sc_isa isa, int idx)
{
    sc_conv2d_desc d;
    const int64_t c = tc_rng_int(r, 1, 36), n = tc_rng_int(r, 1, 2);
    const int64_t kh = tc_rng_int(r, 1, 7), kw = tc_rng_int(r, 1, 7);
    sc_conv2d_desc_init(&d, n, c, tc_rng_int(r, 1, 30), tc_rng_int(r, 1, 40), c, kh, kw);
    d.groups = c;
    d.stride_h = tc_rng_int(r, 1, 3);
    d.stride_w = tc_rng_int(r, 1, 3);
    d.dilation_h = tc_rng_int(r, 1, 2);
    d.dilation_w = tc_rng_int(r, 1, 2);
    d.pad_h = tc_rng_int(r, 0, kh);
    d.pad_w = tc_rng_int(r, 0, kw);
    d.padding_mode = (sc_padding_mode)tc_rng_int(r, 0, 3);
    d.padding_same = d.stride_h == 1 && d.stride_w == 1 && tc_rng_int(r, 0, 4) == 0;
    d.activation = (sc_activation)tc_rng_int(r, 0, 8);
    int64_t ho, wo;
    if (sc_conv2d_output_size(&d, &ho, &wo) != SC_OK)
        return; /* a geometry the layer rejects (padding beyond reflect's reach, ...) */

    const int64_t taps = kh * kw, hw = d.in_height * d.in_width, ohw = ho * wo;
    float *x = malloc((size_t)(n * c * hw) * sizeof(float));
    float *w = malloc((size_t)(c * taps) * sizeof(float));
    float *b = malloc((size_t)c * sizeof(float));
    float *y = malloc((size_t)(n * c * ohw) * sizeof(float));
    float *x1 = malloc((size_t)(n * hw) * sizeof(float));
    float *y1 = malloc((size_t)(n * ohw) * sizeof(float));
    const int bias = tc_rng_int(r, 0, 3) != 0;
    tc_fill(r, x, n * c * hw, -2.0f, 2.0f);
    tc_fill(r, w, c * taps, -1.0f, 1.0f);
    tc_fill(r, b, c, -1.0f, 1.0f);

    sc_conv2d_options o = {SC_CONV_DIRECT, (int)tc_rng_int(r, 1, 3), 0};
    sc_conv2d_plan *p = NULL;
    sc_status s = sc_conv2d_plan_create(&d, w, bias ? b : NULL, &o, &p);
    if (!tc_check(s == SC_OK, "case %d: depthwise plan: %s", idx, sc_last_error()))
        goto out;
    char desc[64];
    snprintf(desc, sizeof desc, "%s", sc_conv2d_plan_describe(p));
    if (strncmp(desc, "depthwise/", 10) == 0)
        ran_route++;
    else
        ran_planes++;
    tc_check(strcmp(strchr(desc, '/') + 1, sc_isa_name(isa)) == 0,
             "case %d: '%s' under cap %s", idx, desc, sc_isa_name(isa));
    s = sc_conv2d_run(p, x, y);
    sc_conv2d_plan_destroy(p);
    if (!tc_check(s == SC_OK, "case %d: run: %s", idx, sc_last_error()))
        goto out;

    sc_conv2d_desc d1 = d;
    d1.in_channels = d1.out_channels = d1.groups = 1;
    int same = 1;
    for (int64_t ch = 0; ch < c && same; ch++) {
        sc_conv2d_options o1 = {SC_CONV_DIRECT, 1, 0};
        sc_conv2d_plan *p1 = NULL;
        s = sc_conv2d_plan_create(&d1, w + ch * taps, bias ? b + ch : NULL, &o1, &p1);
        if (!tc_check(s == SC_OK, "case %d: one-channel plan: %s", idx, sc_last_error()))
            goto out;
        tc_check(strncmp(sc_conv2d_plan_describe(p1), "direct/", 7) == 0,
                 "case %d: one-channel plan ran '%s', not the plane kernels", idx,
                 sc_conv2d_plan_describe(p1));
        for (int64_t i = 0; i < n; i++)
            memcpy(x1 + i * hw, x + (i * c + ch) * hw, (size_t)hw * sizeof(float));
        s = sc_conv2d_run(p1, x1, y1);
        sc_conv2d_plan_destroy(p1);
        tc_check(s == SC_OK, "case %d: one-channel run: %s", idx, sc_last_error());
        for (int64_t i = 0; i < n && same; i++)
            same = bits_equal(y + (i * c + ch) * ohw, y1 + i * ohw, ohw);
        tc_check(same,
                 "case %d (%s): channel %lld differs from the plane kernels: N%lld C%lld "
                 "%lldx%lld k%lldx%lld s%lldx%lld d%lldx%lld p%lldx%lld same=%d mode %d act %d",
                 idx, desc, (long long)ch, (long long)n, (long long)c, (long long)d.in_height,
                 (long long)d.in_width, (long long)kh, (long long)kw, (long long)d.stride_h,
                 (long long)d.stride_w, (long long)d.dilation_h, (long long)d.dilation_w,
                 (long long)d.pad_h, (long long)d.pad_w, d.padding_same, (int)d.padding_mode,
                 (int)d.activation);
    }
out:
    free(x);
    free(w);
    free(b);
    free(y);
    free(x1);
    free(y1);
}

int main(void)
{
    sc_isa isas[4];
    const int n_isa = tc_available_isas(isas);
    const int cases = (int)(300 * tc_scale()) + 20;
    for (int i = 0; i < n_isa; i++) {
        if (!tc_check(sc_isa_limit(isas[i]) == SC_OK, "sc_isa_limit(%s)", sc_isa_name(isas[i])))
            continue;
        tc_rng r;
        tc_rng_seed(&r, 0xd3e7 + (uint64_t)i);
        for (int k = 0; k < cases; k++)
            one_case(&r, isas[i], k);
    }
    sc_isa_limit(sc_isa_detected());
    int have_route = 0;
    for (const sc_depthwise_kernel *k = sc_depthwise_kernels; k->name; k++)
        have_route |= sc_isa_usable(k->isa, sc_isa_detected());
    tc_check(!have_route || ran_route > 0, "no layer took the channels-in-lanes route");
    printf("test-depthwise: %d ISAs, %ld layers on the channels-in-lanes route, %ld declined "
           "to the plane kernels\n",
           n_isa, ran_route, ran_planes);
    return tc_summary("test-depthwise");
}
