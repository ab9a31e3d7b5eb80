/*
 * CPU dispatch: detection against what the CPU says (or what the CI says the
 * emulated CPU is), the cap (sc_isa_limit and SIMDCONV_ISA), plans keeping
 * the ISA they were created with, and SIMDCONV_VERBOSE's single line.
 *
 * Usage: test-dispatch [scalar|detected]
 *   the argument says what sc_isa_active() must be at start-up (the ctest
 *   entries that set SIMDCONV_ISA pass it); default "detected".
 */
#define _POSIX_C_SOURCE 200809L /* fileno, dup, mkstemp under -std=c11 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "internal.h"

static int has_flag(const char *flags, const char *flag)
{
    size_t n = strlen(flag);
    for (const char *p = flags; (p = strstr(p, flag)) != NULL; p += n)
        if ((p == flags || p[-1] == ' ' || p[-1] == '\t') &&
            (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
            return 1;
    return 0;
}

/* The ISA /proc/cpuinfo implies, or -1 when it cannot tell. Under a
   user-mode emulator /proc/cpuinfo describes the host, which is why the CI
   sets SC_EXPECT_ISA for emulated runs and this is only the fallback. */
static int isa_from_cpuinfo(void)
{
#if defined(__x86_64__) || defined(__aarch64__)
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return -1;
    static char line[8192];
    int result = -1;
    while (fgets(line, sizeof line, f)) {
#if defined(__x86_64__)
        if (strncmp(line, "flags", 5) == 0) {
            if (has_flag(line, "avx512f") && has_flag(line, "avx512bw") &&
                has_flag(line, "avx512dq") && has_flag(line, "avx512vl"))
                result = SC_ISA_AVX512;
            else if (has_flag(line, "avx2") && has_flag(line, "fma"))
                result = SC_ISA_AVX2;
            else
                result = SC_ISA_SCALAR;
            break;
        }
#else
        if (strncmp(line, "Features", 8) == 0) {
            result = has_flag(line, "asimd") ? SC_ISA_NEON : SC_ISA_SCALAR;
            break;
        }
#endif
    }
    fclose(f);
    return result;
#else
    return SC_ISA_SCALAR;
#endif
}

/* ISAs a cap may name on this CPU: scalar, the detected one, and on x86
   everything below it. Written from the contract, not from the library's
   own rank table. */
static int available(sc_isa isa, sc_isa detected)
{
    if (isa == SC_ISA_SCALAR || isa == detected)
        return 1;
    return detected == SC_ISA_AVX512 && isa == SC_ISA_AVX2;
}

static const char *isa_after_slash(const char *desc)
{
    const char *s = strchr(desc, '/');
    return s ? s + 1 : "";
}

/* The ISA the direct kernel table gives under a cap. */
static sc_isa expected_direct_isa(sc_isa cap)
{
    for (const sc_direct_kernel *k = sc_direct_kernels; k->name; k++)
        if (sc_isa_usable(k->isa, cap))
            return k->isa;
    return SC_ISA_SCALAR;
}

static sc_conv2d_desc small_desc(void)
{
    sc_conv2d_desc d;
    sc_conv2d_desc_init(&d, 1, 3, 11, 9, 5, 3, 2);
    d.pad_w = 1;
    d.activation = SC_ACT_TANH;
    return d;
}

static float g_in[3 * 11 * 9], g_w[5 * 3 * 3 * 2], g_b[5];
#define OUT_N (5 * 9 * 10)

static sc_conv2d_plan *make_plan(void)
{
    sc_conv2d_desc d = small_desc();
    sc_conv2d_options o = {SC_CONV_DIRECT, 1, 0};
    sc_conv2d_plan *p = NULL;
    sc_status s = sc_conv2d_plan_create(&d, g_w, g_b, &o, &p);
    tc_check(s == SC_OK && p, "plan_create: %s (%s)", sc_status_string(s), sc_last_error());
    return p;
}

static void test_detection(void)
{
    const sc_isa det = sc_isa_detected();
    tc_check(det == sc_isa_detected(), "sc_isa_detected is not stable");
    int want = tc_expected_isa();
    if (want == -2) {
        tc_check(0, "SC_EXPECT_ISA='%s' is not an ISA name", getenv("SC_EXPECT_ISA"));
    } else if (want >= 0) {
        tc_check((int)det == want, "detected %s, SC_EXPECT_ISA says %s", sc_isa_name(det),
                 sc_isa_name((sc_isa)want));
    } else {
        int cpu = isa_from_cpuinfo();
        if (tc_check(cpu >= 0, "cannot read /proc/cpuinfo and SC_EXPECT_ISA is unset"))
            tc_check((int)det == cpu, "detected %s, /proc/cpuinfo implies %s", sc_isa_name(det),
                     sc_isa_name((sc_isa)cpu));
    }
#if defined(__x86_64__)
    tc_check(det == SC_ISA_SCALAR || det == SC_ISA_AVX2 || det == SC_ISA_AVX512,
             "x86 detected %s", sc_isa_name(det));
#elif defined(__aarch64__)
    tc_check(det == SC_ISA_SCALAR || det == SC_ISA_NEON, "aarch64 detected %s",
             sc_isa_name(det));
#endif
}

static void test_start_state(const char *start)
{
    const sc_isa det = sc_isa_detected();
    const char *env = getenv("SIMDCONV_ISA");
    if (strcmp(start, "scalar") == 0)
        tc_check(sc_isa_active() == SC_ISA_SCALAR, "SIMDCONV_ISA=%s: active %s at start, want scalar",
                 env ? env : "(unset)", sc_isa_name(sc_isa_active()));
    else
        tc_check(sc_isa_active() == det, "SIMDCONV_ISA=%s: active %s at start, want detected %s",
                 env ? env : "(unset)", sc_isa_name(sc_isa_active()), sc_isa_name(det));
    /* the environment cap never changes detection */
    tc_check(sc_isa_detected() == det, "detection changed");
}

static void test_limit(void)
{
    const sc_isa det = sc_isa_detected();
    sc_status s;

    tc_check(sc_isa_limit(det) == SC_OK && sc_isa_active() == det,
             "with the cap at the detected ISA, active %s != detected %s",
             sc_isa_name(sc_isa_active()), sc_isa_name(det));

    /* a plan created now keeps its ISA and its bits after the cap drops */
    sc_conv2d_plan *p_det = make_plan();
    char desc_det[64];
    snprintf(desc_det, sizeof desc_det, "%s", sc_conv2d_plan_describe(p_det));
    tc_check(strcmp(isa_after_slash(desc_det), sc_isa_name(expected_direct_isa(det))) == 0,
             "plan under cap %s describes '%s', kernel table says %s", sc_isa_name(det), desc_det,
             sc_isa_name(expected_direct_isa(det)));
    float *y_det = tc_alloc_guarded(OUT_N);
    tc_check(sc_conv2d_run(p_det, g_in, y_det) == SC_OK, "run under the detected cap");

    s = sc_isa_limit(SC_ISA_SCALAR);
    tc_check(s == SC_OK && sc_isa_active() == SC_ISA_SCALAR, "sc_isa_limit(scalar): %s, active %s",
             sc_status_string(s), sc_isa_name(sc_isa_active()));
    tc_check(sc_isa_detected() == det, "sc_isa_limit changed detection");
    sc_conv2d_plan *p_sc = make_plan();
    tc_check(strcmp(isa_after_slash(sc_conv2d_plan_describe(p_sc)), "scalar") == 0,
             "plan under the scalar cap describes '%s'", sc_conv2d_plan_describe(p_sc));
    tc_check(strcmp(sc_conv2d_plan_describe(p_det), desc_det) == 0,
             "earlier plan's describe changed with the cap: '%s' -> '%s'", desc_det,
             sc_conv2d_plan_describe(p_det));
    float *y2 = tc_alloc_guarded(OUT_N);
    tc_check(sc_conv2d_run(p_det, g_in, y2) == SC_OK &&
                 memcmp(y_det, y2, OUT_N * sizeof(float)) == 0,
             "earlier plan's output changed after the cap dropped");

    /* every ISA outside the CPU/build: UNSUPPORTED, cap unchanged */
    for (int i = 0; i < 4; i++) {
        if (available((sc_isa)i, det))
            continue;
        s = sc_isa_limit((sc_isa)i);
        tc_check(s == SC_UNSUPPORTED && sc_isa_active() == SC_ISA_SCALAR && sc_last_error()[0],
                 "sc_isa_limit(%s) on a %s CPU: %s, active %s", sc_isa_name((sc_isa)i),
                 sc_isa_name(det), sc_status_string(s), sc_isa_name(sc_isa_active()));
    }
    /* outside the enum: INVALID_ARGUMENT, cap unchanged */
    const int bad[] = {4, -1, 1000};
    for (int i = 0; i < 3; i++) {
        s = sc_isa_limit((sc_isa)bad[i]);
        tc_check(s == SC_INVALID_ARGUMENT && sc_isa_active() == SC_ISA_SCALAR && sc_last_error()[0],
                 "sc_isa_limit(%d): %s, active %s", bad[i], sc_status_string(s),
                 sc_isa_name(sc_isa_active()));
    }

    /* raising the cap again */
    s = sc_isa_limit(det);
    tc_check(s == SC_OK && sc_isa_active() == det, "raising the cap back to %s: %s, active %s",
             sc_isa_name(det), sc_status_string(s), sc_isa_name(sc_isa_active()));
    tc_check(strcmp(isa_after_slash(sc_conv2d_plan_describe(p_sc)), "scalar") == 0,
             "scalar plan's describe changed when the cap rose: '%s'",
             sc_conv2d_plan_describe(p_sc));
    float *y3 = tc_alloc_guarded(OUT_N);
    tc_check(sc_conv2d_run(p_sc, g_in, y3) == SC_OK && tc_guard_intact(y3, OUT_N),
             "scalar plan runs after the cap rose");

    /* every available ISA as a cap: the active ISA follows it, plans use a
       kernel the cap allows */
    for (int i = 0; i < 4; i++) {
        if (!available((sc_isa)i, det))
            continue;
        s = sc_isa_limit((sc_isa)i);
        tc_check(s == SC_OK && sc_isa_active() == (sc_isa)i, "sc_isa_limit(%s): %s, active %s",
                 sc_isa_name((sc_isa)i), sc_status_string(s), sc_isa_name(sc_isa_active()));
        sc_conv2d_plan *p = make_plan();
        tc_check(p && strcmp(isa_after_slash(sc_conv2d_plan_describe(p)),
                             sc_isa_name(expected_direct_isa((sc_isa)i))) == 0,
                 "plan under cap %s describes '%s'", sc_isa_name((sc_isa)i),
                 sc_conv2d_plan_describe(p));
        sc_conv2d_plan_destroy(p);
    }
    sc_isa_limit(det);

    sc_conv2d_plan_destroy(p_det);
    sc_conv2d_plan_destroy(p_sc);
    tc_free(y_det);
    tc_free(y2);
    tc_free(y3);
}

/* Creates one plan with stderr redirected to a temporary file and returns
   what was written (caller frees), or NULL. */
static char *stderr_of_plan_create(char *describe, size_t n)
{
    char path[] = "/tmp/sc-dispatch-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    unlink(path);
    fflush(stderr);
    int saved = dup(fileno(stderr));
    dup2(fd, fileno(stderr));
    sc_conv2d_plan *p = make_plan();
    fflush(stderr);
    dup2(saved, fileno(stderr));
    close(saved);
    snprintf(describe, n, "%s", sc_conv2d_plan_describe(p));
    sc_conv2d_plan_destroy(p);

    off_t len = lseek(fd, 0, SEEK_END);
    char *buf = calloc((size_t)len + 1, 1);
    if (buf && len > 0) {
        lseek(fd, 0, SEEK_SET);
        ssize_t got = read(fd, buf, (size_t)len);
        buf[got > 0 ? got : 0] = '\0';
    }
    close(fd);
    return buf;
}

static void test_verbose(void)
{
    const char *v = getenv("SIMDCONV_VERBOSE");
    int verbose = v && strcmp(v, "1") == 0;
    char describe[64];
    char *text = stderr_of_plan_create(describe, sizeof describe);
    if (!tc_check(text != NULL, "could not capture stderr"))
        return;
    int lines = 0;
    for (const char *c = text; *c; c++)
        lines += *c == '\n';
    if (verbose) {
        tc_check(lines == 1 && text[strlen(text) - 1] == '\n',
                 "SIMDCONV_VERBOSE=1: %d lines for one plan: '%s'", lines, text);
        tc_check(describe[0] && strstr(text, describe) != NULL,
                 "verbose line does not name the kernel '%s': '%s'", describe, text);
    } else {
        tc_check(text[0] == '\0', "the library printed without SIMDCONV_VERBOSE=1: '%s'", text);
    }
    free(text);
    /* a failed create is not a plan: whatever it prints, a run never prints */
    sc_conv2d_plan *p = make_plan();
    float *y = tc_alloc_guarded(OUT_N);
    char path[] = "/tmp/sc-dispatch-XXXXXX";
    int fd = mkstemp(path);
    if (tc_check(fd >= 0, "mkstemp")) {
        unlink(path);
        fflush(stderr);
        int saved = dup(fileno(stderr));
        dup2(fd, fileno(stderr));
        sc_conv2d_run(p, g_in, y);
        fflush(stderr);
        dup2(saved, fileno(stderr));
        close(saved);
        tc_check(lseek(fd, 0, SEEK_END) == 0, "sc_conv2d_run printed to stderr");
        close(fd);
    }
    sc_conv2d_plan_destroy(p);
    tc_free(y);
}

int main(int argc, char **argv)
{
    const char *start = argc > 1 ? argv[1] : "detected";
    if (strcmp(start, "scalar") != 0 && strcmp(start, "detected") != 0) {
        fprintf(stderr, "usage: %s [scalar|detected]\n", argv[0]);
        return 2;
    }
    tc_rng r;
    tc_rng_seed(&r, 3);
    tc_fill(&r, g_in, 3 * 11 * 9, -1, 1);
    tc_fill(&r, g_w, 5 * 3 * 3 * 2, -1, 1);
    tc_fill(&r, g_b, 5, -1, 1);

    /* before anything touches the cap */
    test_start_state(start);
    test_detection();
    test_verbose();
    test_limit();
    return tc_summary("test-dispatch");
}
