/* Test helpers shared by every test binary: counting checks, a seeded RNG,
   guarded buffers, the ISAs this machine can run, and error bounds. */
#ifndef SC_TEST_COMMON_H
#define SC_TEST_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "simdconv.h"

/* ---- checks ---- */
extern long tc_passed, tc_failed;
/* Records one assertion; prints the message only when it fails. Returns cond. */
int tc_check(int cond, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Prints "<name>: N passed, N failed" and returns the process exit code. */
int tc_summary(const char *name);

/* ---- random numbers (xorshift64*, seeded, reproducible) ---- */
typedef struct tc_rng { uint64_t s; } tc_rng;
void tc_rng_seed(tc_rng *r, uint64_t seed);
uint64_t tc_rng_next(tc_rng *r);
int64_t tc_rng_int(tc_rng *r, int64_t lo, int64_t hi); /* inclusive */
float tc_rng_float(tc_rng *r, float lo, float hi);
void tc_fill(tc_rng *r, float *x, int64_t n, float lo, float hi);

/* ---- guarded buffers: TC_GUARD floats of a known pattern after the end ---- */
#define TC_GUARD 64
/* n floats followed by a guard zone; the body is filled with the pattern too
   (so an untouched output is detectable). Free with tc_free. */
float *tc_alloc_guarded(int64_t n);
/* 1 if the TC_GUARD floats after x[n] still hold the pattern. */
int tc_guard_intact(const float *x, int64_t n);
/* 1 if all n floats still hold the fill pattern (output left untouched). */
int tc_untouched(const float *x, int64_t n);
void tc_free(void *p);

/* ---- ISAs ---- */
/* Fills isas[] with every ISA this build and CPU can run (sc_isa_limit
   succeeds), best last; returns the count. Leaves the cap at the detected ISA. */
int tc_available_isas(sc_isa isas[4]);
/* The ISA the environment says detection must report (SC_EXPECT_ISA), or -1. */
int tc_expected_isa(void);

/* ---- error bounds ---- */
/* gamma_n = n u / (1 - n u), u = 2^-24: the standard bound on the relative
   error of an n-term floating-point sum of products (Higham, 3.1). */
double tc_gamma(int64_t n);
/* Whether Winograd serves a kh x kw kernel at stride sh x sw, dilation
   dh x dw: a 3x3 or 4x4 kernel at stride 1, or (undilated) one whose stride
   phases, for an output phase factor of 1 or 2 per dimension, are 3 wide in
   both dimensions or 4 wide in both (test-winograd's run_poly_case). */
int tc_winograd_serves(int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t dh, int64_t dw);

/* Scale of randomized test sizes: SC_TEST_SCALE (default 1; emulated runs
   use less). */
double tc_scale(void);

#endif
