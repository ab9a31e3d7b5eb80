#include "common.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long tc_passed, tc_failed;

int tc_check(int cond, const char *fmt, ...)
{
    if (cond) {
        tc_passed++;
        return 1;
    }
    tc_failed++;
    if (tc_failed <= 50) {
        va_list ap;
        va_start(ap, fmt);
        fputs("FAIL: ", stdout);
        vprintf(fmt, ap);
        fputc('\n', stdout);
        va_end(ap);
    }
    return 0;
}

int tc_summary(const char *name)
{
    printf("%s: %ld passed, %ld failed\n", name, tc_passed, tc_failed);
    return (tc_failed == 0 && tc_passed > 0) ? 0 : 1;
}

void tc_rng_seed(tc_rng *r, uint64_t seed) { r->s = seed * 0x9E3779B97F4A7C15ull + 1; }

uint64_t tc_rng_next(tc_rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1Dull;
}

int64_t tc_rng_int(tc_rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(tc_rng_next(r) % (uint64_t)(hi - lo + 1));
}

float tc_rng_float(tc_rng *r, float lo, float hi)
{
    double u = (double)(tc_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
    return (float)(lo + (hi - lo) * u);
}

void tc_fill(tc_rng *r, float *x, int64_t n, float lo, float hi)
{
    for (int64_t i = 0; i < n; i++)
        x[i] = tc_rng_float(r, lo, hi);
}

/* A NaN with a payload no kernel produces, compared bitwise. */
static const uint32_t tc_pattern = 0x7fc0beefu;

static int is_pattern(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u == tc_pattern;
}

float *tc_alloc_guarded(int64_t n)
{
    float *x = malloc((size_t)(n + TC_GUARD) * sizeof(float));
    if (!x) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    for (int64_t i = 0; i < n + TC_GUARD; i++)
        memcpy(&x[i], &tc_pattern, sizeof(float));
    return x;
}

int tc_guard_intact(const float *x, int64_t n)
{
    for (int64_t i = n; i < n + TC_GUARD; i++)
        if (!is_pattern(x[i]))
            return 0;
    return 1;
}

int tc_untouched(const float *x, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        if (!is_pattern(x[i]))
            return 0;
    return 1;
}

void tc_free(void *p) { free(p); }

int tc_available_isas(sc_isa isas[4])
{
    int n = 0;
    const sc_isa all[4] = {SC_ISA_SCALAR, SC_ISA_AVX2, SC_ISA_AVX512, SC_ISA_NEON};
    for (int i = 0; i < 4; i++)
        if (sc_isa_limit(all[i]) == SC_OK)
            isas[n++] = all[i];
    sc_isa_limit(sc_isa_detected());
    return n;
}

int tc_expected_isa(void)
{
    const char *e = getenv("SC_EXPECT_ISA");
    if (!e || !*e)
        return -1;
    const sc_isa all[4] = {SC_ISA_SCALAR, SC_ISA_AVX2, SC_ISA_AVX512, SC_ISA_NEON};
    for (int i = 0; i < 4; i++)
        if (strcmp(e, sc_isa_name(all[i])) == 0)
            return (int)all[i];
    return -2;
}

double tc_gamma(int64_t n)
{
    const double u = ldexp(1.0, -24);
    return (double)n * u / (1.0 - (double)n * u);
}

/* Bit r set when kernel k at stride s has r-wide phases for f = 1 or 2. */
static int phase_widths(int64_t k, int64_t s)
{
    const int64_t f1 = (k + s - 1) / s, f2 = (s + k + 2 * s - 1) / (2 * s);
    return (f1 == 3 || f2 == 3 ? 1 << 3 : 0) | (f1 == 4 || f2 == 4 ? 1 << 4 : 0);
}

int tc_winograd_serves(int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t dh, int64_t dw)
{
    if (kh == kw && (kh == 3 || kh == 4) && sh == 1 && sw == 1)
        return 1;
    return dh == 1 && dw == 1 && (phase_widths(kh, sh) & phase_widths(kw, sw)) != 0;
}

double tc_scale(void)
{
    const char *e = getenv("SC_TEST_SCALE");
    double s = e ? atof(e) : 1.0;
    return s > 0 ? s : 1.0;
}
