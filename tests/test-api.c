/*
 * The public API's contract on bad input: every invalid descriptor field,
 * option and pointer gives the right status (INVALID_ARGUMENT winning over
 * UNSUPPORTED), a message naming the field, no plan, untouched outputs; and
 * the small functions (status strings, ISA names, version, describe(NULL),
 * destroy(NULL), one-shot conv, output_size) behave as documented.
 */
/* pthread barriers are POSIX, hidden by -std=c11 without this */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "ref/ref-conv.h"

#define OUT_FLOATS 4096

/* Buffers large enough for every valid descriptor used below, so a library
   that wrongly accepts an invalid one still cannot crash the test. */
static float g_in[OUT_FLOATS], g_w[OUT_FLOATS];

/* A shape Winograd cannot serve (7x9 at stride 1: the rows' phases would
   be 4 taps tall, the columns' 5 wide): every invalid variant of it is also
   run with Winograd forced, where INVALID_ARGUMENT must win. */
static sc_conv2d_desc base_desc(void)
{
    sc_conv2d_desc d;
    sc_conv2d_desc_init(&d, 1, 4, 9, 10, 6, 7, 9);
    return d;
}

static int names_any(const char *msg, const char *const *names)
{
    for (; *names; names++)
        if (strstr(msg, *names))
            return 1;
    return 0;
}

static void copy_error(char *dst, size_t n)
{
    const char *e = sc_last_error();
    snprintf(dst, n, "%s", e ? e : "(null)");
}

/*
 * A descriptor that must be rejected. names: substrings of which the message
 * must contain one (the field); value: a string the message must contain
 * (the offending value), or NULL.
 */
static void expect_invalid_desc(const char *what, const sc_conv2d_desc *d,
                                const char *const *names, const char *value)
{
    char msg[300];
    int64_t ho = -77, wo = -77;
    sc_status s = sc_conv2d_output_size(d, &ho, &wo);
    copy_error(msg, sizeof msg);
    tc_check(s == SC_INVALID_ARGUMENT, "%s: output_size -> %s, want invalid argument", what,
             sc_status_string(s));
    tc_check(ho == -77 && wo == -77, "%s: output_size wrote its outputs on failure", what);
    tc_check(msg[0] && names_any(msg, names), "%s: output_size error '%s' does not name %s",
             what, msg, names[0]);

    const sc_conv_algo algos[] = {SC_CONV_AUTO, SC_CONV_DIRECT, SC_CONV_IM2COL,
                                  SC_CONV_WINOGRAD};
    for (int a = 0; a < 4; a++) {
        sc_conv2d_options opt = {algos[a], 1, 0};
        sc_conv2d_plan *p = NULL;
        s = sc_conv2d_plan_create(d, g_w, g_w, &opt, &p);
        copy_error(msg, sizeof msg);
        tc_check(s == SC_INVALID_ARGUMENT, "%s (algo %d): plan_create -> %s, want invalid argument",
                 what, (int)algos[a], sc_status_string(s));
        tc_check(p == NULL, "%s (algo %d): a plan was returned on failure", what, (int)algos[a]);
        tc_check(msg[0] && names_any(msg, names), "%s (algo %d): error '%s' does not name %s",
                 what, (int)algos[a], msg, names[0]);
        tc_check(!value || strstr(msg, value), "%s (algo %d): error '%s' lacks the value %s", what,
                 (int)algos[a], msg, value ? value : "");
        sc_conv2d_plan_destroy(p); /* whatever a wrong answer returned */
    }

    float *out = tc_alloc_guarded(OUT_FLOATS);
    s = sc_conv2d(d, g_in, g_w, NULL, out);
    copy_error(msg, sizeof msg);
    tc_check(s == SC_INVALID_ARGUMENT, "%s: sc_conv2d -> %s, want invalid argument", what,
             sc_status_string(s));
    tc_check(tc_untouched(out, OUT_FLOATS) && tc_guard_intact(out, OUT_FLOATS),
             "%s: sc_conv2d wrote to the output on failure", what);
    tc_check(msg[0] && names_any(msg, names), "%s: sc_conv2d error '%s' does not name %s", what,
             msg, names[0]);
    tc_free(out);
}

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_invalid_fields(void)
{
    sc_conv2d_desc d;
    char what[96];
    /* every size field: 0 and a negative value */
    struct {
        const char *name;
        size_t off;
    } sizes[] = {
        {"batch", offsetof(sc_conv2d_desc, batch)},
        {"in_channels", offsetof(sc_conv2d_desc, in_channels)},
        {"in_height", offsetof(sc_conv2d_desc, in_height)},
        {"in_width", offsetof(sc_conv2d_desc, in_width)},
        {"out_channels", offsetof(sc_conv2d_desc, out_channels)},
        {"kernel_h", offsetof(sc_conv2d_desc, kernel_h)},
        {"kernel_w", offsetof(sc_conv2d_desc, kernel_w)},
        {"stride_h", offsetof(sc_conv2d_desc, stride_h)},
        {"stride_w", offsetof(sc_conv2d_desc, stride_w)},
        {"dilation_h", offsetof(sc_conv2d_desc, dilation_h)},
        {"dilation_w", offsetof(sc_conv2d_desc, dilation_w)},
        {"groups", offsetof(sc_conv2d_desc, groups)},
    };
    const int64_t bad_sizes[] = {0, -3, INT64_MIN};
    const char *bad_str[] = {"0", "-3", "-9223372036854775808"};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        for (int v = 0; v < 3; v++) {
            d = base_desc();
            memcpy((char *)&d + sizes[i].off, &bad_sizes[v], sizeof(int64_t));
            snprintf(what, sizeof what, "%s=%s", sizes[i].name, bad_str[v]);
            expect_invalid_desc(what, &d, NAMES(sizes[i].name), bad_str[v]);
        }

    d = base_desc();
    d.pad_h = -1;
    expect_invalid_desc("pad_h=-1", &d, NAMES("pad_h"), "-1");
    d = base_desc();
    d.pad_w = -2;
    expect_invalid_desc("pad_w=-2", &d, NAMES("pad_w"), "-2");

    d = base_desc(); /* 4 in, 6 out */
    d.groups = 3;
    expect_invalid_desc("groups=3 vs in_channels=4", &d, NAMES("groups"), "3");
    d = base_desc();
    d.groups = 4;
    expect_invalid_desc("groups=4 vs out_channels=6", &d, NAMES("groups"), "4");

    d = base_desc();
    d.padding_same = 1;
    d.stride_h = 2;
    expect_invalid_desc("padding_same with stride_h=2", &d, NAMES("padding_same", "stride"),
                        NULL);
    d = base_desc();
    d.padding_same = 1;
    d.stride_w = 3;
    expect_invalid_desc("padding_same with stride_w=3", &d, NAMES("padding_same", "stride"),
                        NULL);

    const int bad_enum[] = {4, -1, 1000};
    for (int v = 0; v < 3; v++) {
        d = base_desc();
        d.padding_mode = (sc_padding_mode)bad_enum[v];
        snprintf(what, sizeof what, "padding_mode=%d", bad_enum[v]);
        expect_invalid_desc(what, &d, NAMES("padding_mode"), NULL);
        d = base_desc();
        d.activation = (sc_activation)(bad_enum[v] == 4 ? 9 : bad_enum[v]);
        snprintf(what, sizeof what, "activation=%d", (int)d.activation);
        expect_invalid_desc(what, &d, NAMES("activation"), NULL);
    }

    /* padding-mode rules of torch.nn.functional.pad */
    d = base_desc(); /* 9 x 10 input */
    d.padding_mode = SC_PAD_REFLECT;
    d.pad_h = 9;
    expect_invalid_desc("reflect pad_h=9 on in_height=9", &d, NAMES("pad_h"), "9");
    d = base_desc();
    d.padding_mode = SC_PAD_REFLECT;
    d.pad_w = 12;
    expect_invalid_desc("reflect pad_w=12 on in_width=10", &d, NAMES("pad_w"), "12");
    d = base_desc();
    d.padding_mode = SC_PAD_CIRCULAR;
    d.pad_h = 10;
    expect_invalid_desc("circular pad_h=10 on in_height=9", &d, NAMES("pad_h"), "10");
    d = base_desc();
    d.padding_mode = SC_PAD_CIRCULAR;
    d.pad_w = 11;
    expect_invalid_desc("circular pad_w=11 on in_width=10", &d, NAMES("pad_w"), "11");
    /* padding='same' derives the pads: 5x5 dilation 3 pads 6 on each side,
       which reflect cannot do on a 6-row input */
    sc_conv2d_desc_init(&d, 1, 2, 6, 13, 2, 5, 5);
    d.padding_same = 1;
    d.dilation_h = 3;
    d.padding_mode = SC_PAD_REFLECT;
    expect_invalid_desc("padding_same reflect pad 6 on in_height=6", &d, NAMES("pad_h"), NULL);
    /* and circular: total 7 for kernel 8, pads 3 + 4 on a 3-wide input */
    sc_conv2d_desc_init(&d, 1, 2, 5, 3, 2, 1, 8);
    d.padding_same = 1;
    d.padding_mode = SC_PAD_CIRCULAR;
    expect_invalid_desc("padding_same circular pad 4 on in_width=3", &d, NAMES("pad_w"), NULL);

    /* output smaller than 1x1 */
    d = base_desc();
    d.kernel_h = 10;
    expect_invalid_desc("kernel_h=10 > in_height=9", &d, NAMES("height", "kernel_h"), NULL);
    d = base_desc();
    d.kernel_w = 6;
    d.dilation_w = 2; /* extent 11 > 10 */
    expect_invalid_desc("dilated kernel_w extent 11 > in_width=10", &d,
                        NAMES("width", "kernel_w", "dilation_w"), NULL);
    /* Numerator -1 with stride 2: C's truncation gives -1/2 + 1 = 1 row,
       the true floor gives 0. */
    sc_conv2d_desc_init(&d, 1, 1, 1, 9, 1, 2, 3);
    d.stride_h = 2;
    expect_invalid_desc("H=1 k=2 stride 2 (numerator -1)", &d, NAMES("height", "kernel_h"), NULL);
    sc_conv2d_desc_init(&d, 1, 1, 5, 3, 1, 1, 2);
    d.dilation_w = 3; /* 3 - 3 - 1 = -1 */
    d.stride_w = 3;
    expect_invalid_desc("W=3 k=2 dilation 3 stride 3 (numerator -1)", &d,
                        NAMES("width", "kernel_w"), NULL);
    sc_conv2d_desc_init(&d, 1, 1, 2, 4, 1, 3, 1);
    d.pad_h = 1;
    d.dilation_h = 2; /* 2 + 2 - 4 - 1 = -1 */
    d.stride_h = 4;
    expect_invalid_desc("H=2 pad 1 k=3 dilation 2 stride 4 (numerator -1)", &d,
                        NAMES("height", "kernel_h"), NULL);

    /* sizes whose bytes overflow int64 */
    sc_conv2d_desc_init(&d, (int64_t)1 << 61, 1, 1, 1, 1, 1, 1);
    expect_invalid_desc("input bytes 2^63", &d, NAMES("overflow"), NULL);
    sc_conv2d_desc_init(&d, 1, (int64_t)1 << 22, 1, 1, (int64_t)1 << 40, 1, 1);
    expect_invalid_desc("weight bytes 2^64", &d, NAMES("overflow"), NULL);
    sc_conv2d_desc_init(&d, 1, 1, 1, 1, (int64_t)1 << 61, 1, 1);
    expect_invalid_desc("output and weight bytes 2^63", &d, NAMES("overflow"), NULL);
    sc_conv2d_desc_init(&d, 1, 1, 3, INT64_MAX, 1, 1, 1);
    expect_invalid_desc("in_width=INT64_MAX", &d, NAMES("overflow"), NULL);
    d = base_desc();
    d.pad_h = INT64_MAX / 2 + 5; /* 9 + 2*pad overflows before any division */
    expect_invalid_desc("pad_h=INT64_MAX/2+5", &d, NAMES("overflow"), NULL);
    d = base_desc();
    d.pad_w = INT64_MAX;
    d.padding_mode = SC_PAD_REPLICATE;
    expect_invalid_desc("pad_w=INT64_MAX", &d, NAMES("overflow"), NULL);
    d = base_desc();
    d.dilation_h = INT64_MAX / 2; /* dilation*(5-1) overflows */
    expect_invalid_desc("dilation_h*(kernel_h-1) overflows", &d, NAMES("dilation_h", "overflow"),
                        NULL);
    d = base_desc();
    d.padding_same = 1;
    d.dilation_w = INT64_MAX / 3; /* the 'same' total overflows */
    expect_invalid_desc("padding_same dilation_w=INT64_MAX/3", &d,
                        NAMES("dilation_w", "overflow"), NULL);

    /* the boundary just inside: elements and bytes both fit */
    int64_t ho = 0, wo = 0;
    sc_conv2d_desc_init(&d, ((int64_t)1 << 61) - 1, 1, 1, 1, 1, 1, 1);
    sc_status s = sc_conv2d_output_size(&d, &ho, &wo);
    tc_check(s == SC_OK && ho == 1 && wo == 1,
             "batch 2^61-1 (bytes 2^63-4) must be valid: %s %lld x %lld", sc_status_string(s),
             (long long)ho, (long long)wo);
}

static void test_invalid_options_and_pointers(void)
{
    sc_conv2d_desc d = base_desc();
    sc_conv2d_plan *p = NULL;
    sc_status s;
    char msg[300];

    struct {
        sc_conv2d_options opt;
        const char *name;
    } bad[] = {
        {{(sc_conv_algo)4, 0, 0}, "algo"},      {{(sc_conv_algo)-1, 0, 0}, "algo"},
        {{SC_CONV_AUTO, -1, 0}, "num_threads"}, {{SC_CONV_DIRECT, -64, 0}, "num_threads"},
        {{SC_CONV_AUTO, 0, 1}, "winograd_tile"}, {{SC_CONV_AUTO, 0, 5}, "winograd_tile"},
        {{SC_CONV_AUTO, 0, -2}, "winograd_tile"}, {{SC_CONV_AUTO, 0, 6}, "winograd_tile"},
        {{SC_CONV_AUTO, 0, 8}, "winograd_tile"},
        /* Winograd cannot serve 7x9 (UNSUPPORTED), but the tile is invalid */
        {{SC_CONV_WINOGRAD, 0, 5}, "winograd_tile"},
        {{SC_CONV_WINOGRAD, -1, 0}, "num_threads"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p = NULL;
        s = sc_conv2d_plan_create(&d, g_w, NULL, &bad[i].opt, &p);
        copy_error(msg, sizeof msg);
        tc_check(s == SC_INVALID_ARGUMENT && p == NULL,
                 "options {algo %d, threads %d, tile %d}: %s, want invalid argument and no plan",
                 (int)bad[i].opt.algo, bad[i].opt.num_threads, bad[i].opt.winograd_tile,
                 sc_status_string(s));
        tc_check(strstr(msg, bad[i].name) != NULL, "options error '%s' does not name %s", msg,
                 bad[i].name);
    }
    /* options are not descriptor checks: output_size accepts the descriptor */
    int64_t ho, wo;
    tc_check(sc_conv2d_output_size(&d, &ho, &wo) == SC_OK && ho == 3 && wo == 2,
             "output_size of the base descriptor");

    /* NULL pointers */
    p = NULL;
    s = sc_conv2d_plan_create(NULL, g_w, NULL, NULL, &p);
    tc_check(s == SC_INVALID_ARGUMENT && p == NULL && sc_last_error()[0],
             "plan_create(NULL desc): %s", sc_status_string(s));
    s = sc_conv2d_output_size(NULL, &ho, &wo);
    tc_check(s == SC_INVALID_ARGUMENT && sc_last_error()[0], "output_size(NULL desc): %s",
             sc_status_string(s));
    s = sc_conv2d_plan_create(&d, NULL, NULL, NULL, &p);
    tc_check(s == SC_INVALID_ARGUMENT && p == NULL && strstr(sc_last_error(), "weight"),
             "plan_create(NULL weight): %s '%s'", sc_status_string(s), sc_last_error());
    s = sc_conv2d_plan_create(&d, g_w, NULL, NULL, NULL);
    tc_check(s == SC_INVALID_ARGUMENT && strstr(sc_last_error(), "plan"),
             "plan_create(NULL plan): %s '%s'", sc_status_string(s), sc_last_error());
    /* an invalid descriptor with NULL pointers too: still INVALID */
    d.groups = 5;
    s = sc_conv2d_plan_create(&d, NULL, NULL, NULL, NULL);
    tc_check(s == SC_INVALID_ARGUMENT, "invalid desc and NULL pointers: %s", sc_status_string(s));
    d = base_desc();

    /* NULL buffers at run time, on a valid plan */
    s = sc_conv2d_plan_create(&d, g_w, NULL, NULL, &p);
    if (!tc_check(s == SC_OK && p, "plan_create on the base descriptor: %s", sc_status_string(s)))
        return;
    const int64_t out_n = 1 * 6 * 5 * 6;
    float *out = tc_alloc_guarded(out_n);
    s = sc_conv2d_run(p, NULL, out);
    tc_check(s == SC_INVALID_ARGUMENT && tc_untouched(out, out_n + TC_GUARD) &&
                 strstr(sc_last_error(), "input"),
             "run(NULL input): %s '%s'", sc_status_string(s), sc_last_error());
    s = sc_conv2d_run(p, g_in, NULL);
    tc_check(s == SC_INVALID_ARGUMENT && strstr(sc_last_error(), "output"),
             "run(NULL output): %s '%s'", sc_status_string(s), sc_last_error());
    s = sc_conv2d_run(NULL, g_in, out);
    tc_check(s == SC_INVALID_ARGUMENT && tc_untouched(out, out_n + TC_GUARD),
             "run(NULL plan): %s", sc_status_string(s));
    size_t ws = sc_conv2d_workspace_size(p);
    unsigned char *wbuf = malloc(ws + 1);
    s = sc_conv2d_run_with_workspace(p, NULL, out, wbuf);
    tc_check(s == SC_INVALID_ARGUMENT && tc_untouched(out, out_n + TC_GUARD),
             "run_with_workspace(NULL input): %s", sc_status_string(s));
    s = sc_conv2d_run_with_workspace(p, g_in, NULL, wbuf);
    tc_check(s == SC_INVALID_ARGUMENT, "run_with_workspace(NULL output): %s",
             sc_status_string(s));
    s = sc_conv2d_run_with_workspace(NULL, g_in, out, wbuf);
    tc_check(s == SC_INVALID_ARGUMENT && tc_untouched(out, out_n + TC_GUARD),
             "run_with_workspace(NULL plan): %s", sc_status_string(s));
    if (ws > 0) {
        s = sc_conv2d_run_with_workspace(p, g_in, out, NULL);
        tc_check(s == SC_INVALID_ARGUMENT && tc_untouched(out, out_n + TC_GUARD),
                 "run_with_workspace(NULL workspace of %zu bytes): %s", ws, sc_status_string(s));
    }
    tc_check(sc_conv2d_workspace_size(NULL) == 0, "workspace_size(NULL) must be 0");
    free(wbuf);
    sc_conv2d_plan_destroy(p);

    /* one-shot with NULL buffers */
    s = sc_conv2d(&d, NULL, g_w, NULL, out);
    tc_check(s == SC_INVALID_ARGUMENT && tc_untouched(out, out_n + TC_GUARD),
             "sc_conv2d(NULL input): %s", sc_status_string(s));
    s = sc_conv2d(&d, g_in, NULL, NULL, out);
    tc_check(s == SC_INVALID_ARGUMENT && tc_untouched(out, out_n + TC_GUARD),
             "sc_conv2d(NULL weight): %s", sc_status_string(s));
    s = sc_conv2d(&d, g_in, g_w, NULL, NULL);
    tc_check(s == SC_INVALID_ARGUMENT, "sc_conv2d(NULL output): %s", sc_status_string(s));
    s = sc_conv2d(NULL, g_in, g_w, NULL, out);
    tc_check(s == SC_INVALID_ARGUMENT && tc_untouched(out, out_n + TC_GUARD),
             "sc_conv2d(NULL desc): %s", sc_status_string(s));
    tc_free(out);
}

/* Randomized descriptors, many invalid: output_size must agree with the
   reference on validity and, when valid, on the size. */
static void test_output_size_agrees(void)
{
    tc_rng r;
    tc_rng_seed(&r, 77);
    int n = (int)(3000 * tc_scale()), valid = 0, invalid = 0;
    for (int i = 0; i < n; i++) {
        sc_conv2d_desc d;
        sc_conv2d_desc_init(&d, tc_rng_int(&r, 0, 2), tc_rng_int(&r, 0, 6),
                            tc_rng_int(&r, -1, 9), tc_rng_int(&r, -1, 9), tc_rng_int(&r, 0, 6),
                            tc_rng_int(&r, 0, 6), tc_rng_int(&r, 0, 6));
        d.stride_h = tc_rng_int(&r, 0, 4);
        d.stride_w = tc_rng_int(&r, 0, 4);
        d.pad_h = tc_rng_int(&r, -1, 6);
        d.pad_w = tc_rng_int(&r, -1, 6);
        d.dilation_h = tc_rng_int(&r, 0, 3);
        d.dilation_w = tc_rng_int(&r, 0, 3);
        d.groups = tc_rng_int(&r, 0, 3);
        d.padding_same = tc_rng_int(&r, 0, 3) == 0;
        d.padding_mode = (sc_padding_mode)tc_rng_int(&r, 0, 3);
        d.activation = (sc_activation)tc_rng_int(&r, 0, 8);
        /* bias the draw towards mostly-valid descriptors so both outcomes occur */
        if (tc_rng_int(&r, 0, 1)) {
            if (d.batch < 1) d.batch = 1;
            if (d.in_channels < 1) d.in_channels = 1;
            if (d.out_channels < 1) d.out_channels = 1;
            if (d.kernel_h < 1) d.kernel_h = 1;
            if (d.kernel_w < 1) d.kernel_w = 1;
            if (d.stride_h < 1) d.stride_h = 1;
            if (d.stride_w < 1) d.stride_w = 1;
            if (d.dilation_h < 1) d.dilation_h = 1;
            if (d.dilation_w < 1) d.dilation_w = 1;
            d.groups = 1;
            if (d.in_height < 1) d.in_height = 5;
            if (d.in_width < 1) d.in_width = 5;
        }
        int64_t ho = -5, wo = -5, rho = 0, rwo = 0;
        sc_status s = sc_conv2d_output_size(&d, &ho, &wo);
        int ok = ref_conv_desc_valid(&d);
        if (ok) {
            ref_conv_output_size(&d, &rho, &rwo);
            valid++;
        } else {
            invalid++;
        }
        tc_check(ok ? (s == SC_OK && ho == rho && wo == rwo)
                    : (s == SC_INVALID_ARGUMENT && ho == -5 && wo == -5),
                 "output_size N%lld C%lld %lldx%lld K%lld k%lldx%lld s%lldx%lld p%lldx%lld "
                 "d%lldx%lld g%lld same=%d mode=%d: %s %lldx%lld, reference %s %lldx%lld",
                 (long long)d.batch, (long long)d.in_channels, (long long)d.in_height,
                 (long long)d.in_width, (long long)d.out_channels, (long long)d.kernel_h,
                 (long long)d.kernel_w, (long long)d.stride_h, (long long)d.stride_w,
                 (long long)d.pad_h, (long long)d.pad_w, (long long)d.dilation_h,
                 (long long)d.dilation_w, (long long)d.groups, d.padding_same,
                 (int)d.padding_mode, sc_status_string(s), (long long)ho, (long long)wo,
                 ok ? "valid" : "invalid", (long long)rho, (long long)rwo);
        /* a valid descriptor must also plan */
        if (ok && i % 8 == 0) {
            sc_conv2d_plan *p = NULL;
            int64_t wn = d.out_channels * (d.in_channels / d.groups) * d.kernel_h * d.kernel_w;
            if (wn <= OUT_FLOATS) {
                s = sc_conv2d_plan_create(&d, g_w, NULL, NULL, &p);
                tc_check(s == SC_OK && p, "plan_create on a valid descriptor: %s (%s)",
                         sc_status_string(s), sc_last_error());
                sc_conv2d_plan_destroy(p);
            }
        }
    }
    tc_check(valid > n / 10 && invalid > n / 10, "output_size draw: %d valid, %d invalid", valid,
             invalid);

    /* the legal extremes of each padding rule */
    sc_conv2d_desc d;
    int64_t ho, wo;
    sc_conv2d_desc_init(&d, 1, 1, 4, 3, 1, 2, 2);
    d.padding_mode = SC_PAD_REFLECT;
    d.pad_h = 3;
    d.pad_w = 2;
    tc_check(sc_conv2d_output_size(&d, &ho, &wo) == SC_OK && ho == 9 && wo == 6,
             "reflect pad = size - 1 is legal: %s", sc_last_error());
    d.padding_mode = SC_PAD_CIRCULAR;
    d.pad_h = 4;
    d.pad_w = 3;
    tc_check(sc_conv2d_output_size(&d, &ho, &wo) == SC_OK && ho == 11 && wo == 8,
             "circular pad = size is legal: %s", sc_last_error());
    d.padding_mode = SC_PAD_REPLICATE;
    d.pad_h = 40;
    tc_check(sc_conv2d_output_size(&d, &ho, &wo) == SC_OK && ho == 83,
             "replicate pad beyond the size is legal");
    /* padding='same' keeps the size, odd total with the extra at the end */
    sc_conv2d_desc_init(&d, 1, 1, 7, 5, 1, 4, 6);
    d.padding_same = 1;
    d.pad_h = -4; /* ignored */
    d.dilation_w = 3;
    tc_check(sc_conv2d_output_size(&d, &ho, &wo) == SC_OK && ho == 7 && wo == 5,
             "padding_same keeps 7x5: %lldx%lld", (long long)ho, (long long)wo);
    /* true floor on a positive numerator is ordinary division */
    sc_conv2d_desc_init(&d, 1, 1, 227, 227, 1, 11, 11);
    d.stride_h = d.stride_w = 4;
    tc_check(sc_conv2d_output_size(&d, &ho, &wo) == SC_OK && ho == 55 && wo == 55,
             "227 k11 s4 -> 55");
    /* numerator 0: exactly one output */
    sc_conv2d_desc_init(&d, 1, 1, 3, 3, 1, 3, 3);
    d.stride_h = d.stride_w = 5;
    tc_check(sc_conv2d_output_size(&d, &ho, &wo) == SC_OK && ho == 1 && wo == 1,
             "numerator 0 with stride 5 -> 1x1");
}

static void test_forced_algorithms(void)
{
    sc_conv2d_desc d = base_desc();
    sc_conv2d_options opt = {SC_CONV_WINOGRAD, 0, 0};
    sc_conv2d_plan *p = NULL;
    sc_status s = sc_conv2d_plan_create(&d, g_w, NULL, &opt, &p);
    tc_check(s == SC_UNSUPPORTED && p == NULL && sc_last_error()[0],
             "forced Winograd on 7x9: %s, want unsupported", sc_status_string(s));
    struct {
        int64_t kh, kw, sh, dh;
        const char *what;
    } no_wino[] = {{3, 3, 2, 1, "3x3 stride 2"}, {3, 3, 2, 2, "3x3 stride 2 dilation 2"},
                   {1, 3, 1, 1, "1x3"}, {3, 1, 1, 1, "3x1"}, {1, 1, 1, 1, "1x1"},
                   {2, 4, 1, 1, "2x4"}, {4, 4, 2, 1, "4x4 stride 2"}};
    /* (3x3 and 4x4 stride 1 dilated are served: test-winograd runs them) */
    for (size_t i = 0; i < sizeof no_wino / sizeof no_wino[0]; i++)
        for (int tile = 0; tile <= 4; tile++) {
            if (tile == 1)
                continue;
            sc_conv2d_desc_init(&d, 1, 4, 9, 10, 6, no_wino[i].kh, no_wino[i].kw);
            d.stride_h = no_wino[i].sh;
            d.dilation_h = no_wino[i].dh;
            opt.winograd_tile = tile;
            p = NULL;
            s = sc_conv2d_plan_create(&d, g_w, NULL, &opt, &p);
            tc_check(s == SC_UNSUPPORTED && p == NULL, "forced Winograd (tile %d) on %s: %s",
                     tile, no_wino[i].what, sc_status_string(s));
            sc_conv2d_plan_destroy(p);
        }
    /* Winograd serves any groups and padding mode on 3x3 s1 d1 */
    sc_conv2d_desc_init(&d, 1, 4, 9, 10, 6, 3, 3);
    d.groups = 2;
    d.pad_h = d.pad_w = 1;
    d.padding_mode = SC_PAD_REFLECT;
    const char *want[] = {"winograd", "", "winograd_f2x2_3x3/", "", "winograd_f4x4_3x3/"};
    for (int tile = 0; tile <= 4; tile += 2) {
        opt.winograd_tile = tile;
        p = NULL;
        s = sc_conv2d_plan_create(&d, g_w, NULL, &opt, &p);
        tc_check(s == SC_OK && p && strncmp(sc_conv2d_plan_describe(p), want[tile],
                                            strlen(want[tile])) == 0,
                 "forced Winograd (tile %d) on grouped reflect 3x3: %s '%s'", tile,
                 sc_status_string(s), sc_conv2d_plan_describe(p));
        sc_conv2d_plan_destroy(p);
    }
    /* tile 3 is F(3x3,4x4): not for 3x3 kernels, the only one for 4x4 */
    opt.winograd_tile = 3;
    p = NULL;
    s = sc_conv2d_plan_create(&d, g_w, NULL, &opt, &p);
    tc_check(s == SC_UNSUPPORTED && p == NULL && strstr(sc_last_error(), "winograd_tile"),
             "forced Winograd tile 3 on 3x3: %s (%s)", sc_status_string(s), sc_last_error());
    sc_conv2d_desc_init(&d, 1, 4, 9, 10, 6, 4, 4);
    d.pad_h = 2;
    for (int tile = 0; tile <= 4; tile++) {
        if (tile == 1)
            continue;
        opt.winograd_tile = tile;
        p = NULL;
        s = sc_conv2d_plan_create(&d, g_w, NULL, &opt, &p);
        const int served = tile == 0 || tile == 3;
        tc_check(served ? s == SC_OK && p &&
                              strncmp(sc_conv2d_plan_describe(p), "winograd_f3x3_4x4/", 18) == 0
                        : s == SC_UNSUPPORTED && p == NULL,
                 "forced Winograd (tile %d) on 4x4: %s '%s'", tile, sc_status_string(s),
                 sc_conv2d_plan_describe(p));
        sc_conv2d_plan_destroy(p);
    }
    /* direct and im2col serve anything valid */
    d = base_desc();
    const char *prefix[] = {"", "direct", "im2col"};
    for (int a = SC_CONV_DIRECT; a <= SC_CONV_IM2COL; a++) {
        sc_conv2d_options o = {(sc_conv_algo)a, 0, 0};
        p = NULL;
        s = sc_conv2d_plan_create(&d, g_w, NULL, &o, &p);
        tc_check(s == SC_OK && p && strncmp(sc_conv2d_plan_describe(p), prefix[a],
                                            strlen(prefix[a])) == 0,
                 "forced %s: %s '%s'", prefix[a], sc_status_string(s), sc_conv2d_plan_describe(p));
        sc_conv2d_plan_destroy(p);
    }
    /* options == NULL and zero-initialised options are the defaults */
    sc_conv2d_options zero;
    memset(&zero, 0, sizeof zero);
    sc_conv2d_plan *p1 = NULL, *p2 = NULL;
    tc_check(sc_conv2d_plan_create(&d, g_w, NULL, NULL, &p1) == SC_OK &&
                 sc_conv2d_plan_create(&d, g_w, NULL, &zero, &p2) == SC_OK &&
                 strcmp(sc_conv2d_plan_describe(p1), sc_conv2d_plan_describe(p2)) == 0,
             "NULL options and zeroed options plan alike");
    sc_conv2d_plan_destroy(p1);
    sc_conv2d_plan_destroy(p2);
}

static void test_one_shot(void)
{
    tc_rng r;
    tc_rng_seed(&r, 5);
    sc_conv2d_desc d;
    sc_conv2d_desc_init(&d, 2, 3, 8, 7, 4, 3, 2);
    d.pad_h = 1;
    d.stride_w = 2;
    d.padding_mode = SC_PAD_REPLICATE;
    d.activation = SC_ACT_SILU;
    float in[2 * 3 * 8 * 7], w[4 * 3 * 3 * 2], b[4];
    tc_fill(&r, in, 2 * 3 * 8 * 7, -1, 1);
    tc_fill(&r, w, 4 * 3 * 3 * 2, -1, 1);
    tc_fill(&r, b, 4, -1, 1);
    int64_t ho, wo;
    if (!tc_check(sc_conv2d_output_size(&d, &ho, &wo) == SC_OK && ho == 8 && wo == 3,
                  "one-shot output size"))
        return;
    const int64_t n = 2 * 4 * 8 * 3;
    double act[2 * 4 * 8 * 3], pre[2 * 4 * 8 * 3], mag[2 * 4 * 8 * 3];
    ref_conv2d(&d, in, w, b, act, pre, mag, NULL, NULL);
    float *out = tc_alloc_guarded(n);
    sc_status s = sc_conv2d(&d, in, w, b, out);
    int64_t worst = 0;
    tc_check(s == SC_OK && tc_guard_intact(out, n), "one-shot sc_conv2d: %s",
             sc_status_string(s));
    int64_t bad = ref_conv_compare(&d, out, act, pre, mag, n, &worst);
    tc_check(bad == 0, "one-shot result: %lld outside the bound, worst at %lld: %.9g vs %.12g",
             (long long)bad, (long long)worst, (double)out[worst], act[worst]);
    /* without bias */
    ref_conv2d(&d, in, w, NULL, act, pre, mag, NULL, NULL);
    s = sc_conv2d(&d, in, w, NULL, out);
    bad = ref_conv_compare(&d, out, act, pre, mag, n, &worst);
    tc_check(s == SC_OK && bad == 0, "one-shot without bias: %s, %lld outside the bound",
             sc_status_string(s), (long long)bad);
    tc_free(out);
}

static void test_small_functions(void)
{
    const sc_status all[] = {SC_OK, SC_INVALID_ARGUMENT, SC_UNSUPPORTED, SC_OUT_OF_MEMORY};
    for (int i = 0; i < 4; i++) {
        const char *a = sc_status_string(all[i]);
        tc_check(a && a[0], "sc_status_string(%d) empty", i);
        for (int j = 0; j < i; j++)
            tc_check(a && strcmp(a, sc_status_string(all[j])) != 0,
                     "sc_status_string(%d) == sc_status_string(%d)", i, j);
    }
    tc_check(sc_status_string((sc_status)99) != NULL, "sc_status_string(99) is NULL");
    tc_check(strcmp(sc_conv2d_plan_describe(NULL), "") == 0, "describe(NULL) is not \"\"");
    tc_check(strcmp(sc_pool2d_plan_describe(NULL), "") == 0, "pool describe(NULL) is not \"\"");
    sc_conv2d_plan_destroy(NULL);
    sc_pool2d_plan_destroy(NULL);
    tc_check(1, "destroy(NULL) returned");
    const char *names[] = {"scalar", "avx2", "avx512", "neon"};
    for (int i = 0; i < 4; i++)
        tc_check(strcmp(sc_isa_name((sc_isa)i), names[i]) == 0, "sc_isa_name(%d) = '%s'", i,
                 sc_isa_name((sc_isa)i));
    tc_check(strcmp(sc_isa_name((sc_isa)7), "unknown") == 0 &&
                 strcmp(sc_isa_name((sc_isa)-1), "unknown") == 0,
             "sc_isa_name outside the enum is not \"unknown\"");
    const char *v = sc_version();
    int dots = 0, digits = 0;
    for (const char *c = v; c && *c; c++) {
        dots += *c == '.';
        digits += *c >= '0' && *c <= '9';
    }
    tc_check(v && v[0] >= '0' && v[0] <= '9' && dots >= 2 && digits >= 3,
             "sc_version '%s' is not a MAJOR.MINOR.PATCH version", v ? v : "(null)");
    /* desc_init gives PyTorch's defaults */
    sc_conv2d_desc d;
    memset(&d, 0x5a, sizeof d);
    sc_conv2d_desc_init(&d, 2, 3, 4, 5, 6, 7, 1);
    tc_check(d.batch == 2 && d.in_channels == 3 && d.in_height == 4 && d.in_width == 5 &&
                 d.out_channels == 6 && d.kernel_h == 7 && d.kernel_w == 1 && d.stride_h == 1 &&
                 d.stride_w == 1 && d.pad_h == 0 && d.pad_w == 0 && d.dilation_h == 1 &&
                 d.dilation_w == 1 && d.groups == 1 && d.padding_same == 0 &&
                 d.padding_mode == SC_PAD_ZEROS && d.activation == SC_ACT_NONE,
             "sc_conv2d_desc_init defaults");
}

/* ---- sc_last_error is per thread ---- */

static pthread_barrier_t g_barrier;
static char g_thread_msg_before[300], g_thread_msg_after[300];

static void *fail_stride_thread(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&g_barrier); /* main has failed on groups */
    sc_conv2d_desc d = base_desc();
    d.stride_h = -9;
    int64_t ho, wo;
    sc_conv2d_output_size(&d, &ho, &wo);
    copy_error(g_thread_msg_before, sizeof g_thread_msg_before);
    pthread_barrier_wait(&g_barrier); /* main checks its message */
    pthread_barrier_wait(&g_barrier); /* main fails again, on padding_mode */
    copy_error(g_thread_msg_after, sizeof g_thread_msg_after);
    return NULL;
}

static void test_last_error_thread_local(void)
{
    pthread_t t;
    pthread_barrier_init(&g_barrier, NULL, 2);
    if (!tc_check(pthread_create(&t, NULL, fail_stride_thread, NULL) == 0, "pthread_create"))
        return;
    sc_conv2d_desc d = base_desc();
    d.groups = 3;
    int64_t ho, wo;
    sc_conv2d_output_size(&d, &ho, &wo);
    pthread_barrier_wait(&g_barrier);
    pthread_barrier_wait(&g_barrier); /* the thread has failed on stride_h */
    tc_check(strstr(sc_last_error(), "groups") && !strstr(sc_last_error(), "stride_h"),
             "main thread's error changed by another thread's failure: '%s'", sc_last_error());
    d = base_desc();
    d.padding_mode = (sc_padding_mode)17;
    sc_conv2d_output_size(&d, &ho, &wo);
    pthread_barrier_wait(&g_barrier);
    pthread_join(t, NULL);
    tc_check(strstr(g_thread_msg_before, "stride_h") != NULL, "thread's own error: '%s'",
             g_thread_msg_before);
    tc_check(strcmp(g_thread_msg_before, g_thread_msg_after) == 0,
             "thread's error changed by main's failure: '%s' -> '%s'", g_thread_msg_before,
             g_thread_msg_after);
    pthread_barrier_destroy(&g_barrier);
}

int main(void)
{
    tc_rng r;
    tc_rng_seed(&r, 1);
    tc_fill(&r, g_in, OUT_FLOATS, -1, 1);
    tc_fill(&r, g_w, OUT_FLOATS, -1, 1);
    test_invalid_fields();
    test_invalid_options_and_pointers();
    test_output_size_agrees();
    test_forced_algorithms();
    test_one_shot();
    test_small_functions();
    test_last_error_thread_local();
    return tc_summary("test-api");
}
