/*
 * sc_gate_driver: runs one case of bench/shapes.txt once, on one thread, for
 * bench/callgrind-gate.sh. Under valgrind --tool=callgrind --instr-atstart=no
 * only the sc_conv2d_run / sc_pool2d_run call is instrumented, so the
 * instruction count covers the kernel and nothing of set-up, data generation
 * or process start.
 *
 *   sc_gate_driver [--probe] ALGO KIND N Cin H W Cout KH KW stride pad dilation groups flags
 *
 * ALGO: auto | direct | im2col | winograd_f2 | winograd_f3 | winograd_f4 (ignored for
 * pooling; f3 is F(3x3,4x4)).
 * KIND and the rest: the columns of a shapes.txt row after its name.
 * --probe: create the plan only (no run), as a quick native check.
 * Prints the plan's describe string and the active ISA. Exit status: 0 ran, 3 the plan is
 * SC_UNSUPPORTED (a forced algorithm that does not apply), 1 any other error.
 * The ISA comes from SIMDCONV_ISA.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <valgrind/callgrind.h>

#include "simdconv.h"

static float *random_buffer(int64_t n, uint64_t seed)
{
    float *p = (float *)malloc((size_t)(n > 0 ? n : 1) * sizeof(float));
    if (!p)
        return NULL;
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (int64_t i = 0; i < n; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        p[i] = (float)((double)(x >> 40) / (double)(1ull << 24) * 2.0 - 1.0);
    }
    return p;
}

static int fail(const char *what, sc_status s)
{
    fprintf(stderr, "sc_gate_driver: %s: %s: %s\n", what, sc_status_string(s), sc_last_error());
    return s == SC_UNSUPPORTED ? 3 : 1;
}

int main(int argc, char **argv)
{
    int probe = 0, a = 1;
    if (argc > 1 && strcmp(argv[1], "--probe") == 0) {
        probe = 1;
        a = 2;
    }
    if (argc - a != 14) {
        fprintf(stderr, "usage: sc_gate_driver [--probe] ALGO KIND N Cin H W Cout KH KW stride "
                        "pad dilation groups flags\n");
        return 1;
    }
    const char *algo = argv[a], *kind = argv[a + 1], *flags = argv[a + 13];
    int64_t v[11];
    for (int i = 0; i < 11; i++)
        v[i] = strtoll(argv[a + 2 + i], NULL, 10);
    const int64_t n = v[0], cin = v[1], h = v[2], w = v[3], cout = v[4], kh = v[5], kw = v[6];
    const int64_t stride = v[7], pad = v[8], dil = v[9], groups = v[10];
    sc_status s;

    if (strcmp(kind, "conv") == 0) {
        sc_conv2d_desc d;
        sc_conv2d_desc_init(&d, n, cin, h, w, cout, kh, kw);
        d.stride_h = d.stride_w = stride;
        d.pad_h = d.pad_w = pad;
        d.dilation_h = d.dilation_w = dil;
        d.groups = groups;
        sc_conv2d_options opt;
        memset(&opt, 0, sizeof opt);
        opt.num_threads = 1;
        if (strcmp(algo, "auto") == 0)
            opt.algo = SC_CONV_AUTO;
        else if (strcmp(algo, "direct") == 0)
            opt.algo = SC_CONV_DIRECT;
        else if (strcmp(algo, "im2col") == 0)
            opt.algo = SC_CONV_IM2COL;
        else if (strcmp(algo, "winograd_f2") == 0 || strcmp(algo, "winograd_f3") == 0 ||
                 strcmp(algo, "winograd_f4") == 0) {
            opt.algo = SC_CONV_WINOGRAD;
            opt.winograd_tile = algo[10] - '0';
        } else {
            fprintf(stderr, "sc_gate_driver: unknown ALGO %s\n", algo);
            return 1;
        }
        int64_t ho, wo;
        if ((s = sc_conv2d_output_size(&d, &ho, &wo)) != SC_OK)
            return fail("output size", s);
        float *in = random_buffer(n * cin * h * w, 1);
        float *wt = random_buffer(cout * (cin / groups) * kh * kw, 2);
        float *bias = random_buffer(cout, 3);
        float *out = (float *)calloc((size_t)(n * cout * ho * wo), sizeof(float));
        if (!in || !wt || !bias || !out)
            return fail("allocation", SC_OUT_OF_MEMORY);
        sc_conv2d_plan *p = NULL;
        if ((s = sc_conv2d_plan_create(&d, wt, bias, &opt, &p)) != SC_OK)
            return fail("plan", s);
        if (!probe) {
            CALLGRIND_START_INSTRUMENTATION;
            s = sc_conv2d_run(p, in, out);
            CALLGRIND_STOP_INSTRUMENTATION;
            if (s != SC_OK)
                return fail("run", s);
        }
        printf("%s %s\n", sc_conv2d_plan_describe(p), sc_isa_name(sc_isa_active()));
        sc_conv2d_plan_destroy(p);
        free(in);
        free(wt);
        free(bias);
        free(out);
        return 0;
    }
    if (strcmp(kind, "max") == 0 || strcmp(kind, "avg") == 0) {
        sc_pool2d_desc d;
        sc_pool2d_desc_init(&d, kind[0] == 'm' ? SC_POOL_MAX : SC_POOL_AVG, n, cin, h, w, kh, kw);
        d.stride_h = d.stride_w = stride;
        d.pad_h = d.pad_w = pad;
        d.dilation_h = d.dilation_w = dil;
        d.ceil_mode = strstr(flags, "ceil") != NULL;
        d.count_include_pad = strstr(flags, "exclude_pad") == NULL;
        int64_t ho, wo;
        if ((s = sc_pool2d_output_size(&d, &ho, &wo)) != SC_OK)
            return fail("output size", s);
        float *in = random_buffer(n * cin * h * w, 1);
        float *out = (float *)calloc((size_t)(n * cin * ho * wo), sizeof(float));
        if (!in || !out)
            return fail("allocation", SC_OUT_OF_MEMORY);
        sc_pool2d_options opt = {1};
        sc_pool2d_plan *p = NULL;
        if ((s = sc_pool2d_plan_create(&d, &opt, &p)) != SC_OK)
            return fail("plan", s);
        if (!probe) {
            CALLGRIND_START_INSTRUMENTATION;
            s = sc_pool2d_run(p, in, out, NULL);
            CALLGRIND_STOP_INSTRUMENTATION;
            if (s != SC_OK)
                return fail("run", s);
        }
        printf("%s %s\n", sc_pool2d_plan_describe(p), sc_isa_name(sc_isa_active()));
        sc_pool2d_plan_destroy(p);
        free(in);
        free(out);
        return 0;
    }
    fprintf(stderr, "sc_gate_driver: unknown KIND %s\n", kind);
    return 1;
}
