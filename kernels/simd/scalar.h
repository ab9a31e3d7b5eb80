/*
 * Width-1 "vectors" with the same interface as avx2.h, avx512.h and neon.h,
 * so template code written over sc_vf also serves the scalar kernels.
 *
 * Interface (every header):
 *   sc_vf, sc_vmask, SC_VLEN, SC_SIMD_ISA (an sc_isa value)
 *   sc_vzero, sc_vset1, sc_vload, sc_vstore        unaligned, SC_VLEN lanes
 *   sc_vload_partial(p, n), sc_vstore_partial(p, v, n)
 *       lanes [0, n) only, 0 <= n <= SC_VLEN; nothing past p[n-1] is touched;
 *       loaded lanes >= n are 0
 *   sc_vload_even(p)  lane i = p[2*i], reading nothing past p[2*SC_VLEN-2]:
 *       sc_vload_strided(p, 2) with whole-vector loads
 *   sc_vload_strided(p, s), sc_vload_strided_partial(p, s, n)
 *       lane i = p[i*s], s >= 0; only when sc_vstride_ok(s) (AVX-512 gathers
 *       take 32-bit lane offsets, so (SC_VLEN-1)*s must fit in int32 there)
 *   sc_vadd, sc_vsub, sc_vmul, sc_vdiv   IEEE, correctly rounded per lane
 *   sc_vfma(a, b, c) = a*b + c, sc_vfnma(a, b, c) = c - a*b, fused (one rounding)
 *   sc_vmax(a, b), sc_vmin(a, b)  a > b ? a : b (resp. a < b ? a : b) per lane,
 *       so b is returned whenever either is NaN, identically on every ISA
 *   sc_vcmp_gt/lt/ge/le/eq(a, b)  ordered quiet compares: false on NaN
 *   sc_visnan(a)
 *   sc_vmask_or, sc_vmask_and, sc_vmask_any(m)  whether any lane is set
 *   sc_vblend(a, b, m)  lane = m ? b : a
 *   sc_vabs, sc_vneg
 *   sc_vreduce_add(v)  sum of lanes, fixed order per ISA
 *   sc_vtranspose(r)  r[SC_VLEN] as a square matrix, transposed in place:
 *       lane j of r[i] becomes lane i of r[j]
 *   sc_vstore_index(dst, off, base, step, n)  dst[l] = base + l*step + off_l
 *       for lanes l < n (1 <= n <= SC_VLEN), off's lanes whole numbers in
 *       [0, 2^24): int64 indices from offsets carried in float lanes
 */
#ifndef SC_SIMD_SCALAR_H
#define SC_SIMD_SCALAR_H

#include <math.h>
#include <stdint.h>

#include "simdconv.h"

typedef float sc_vf;
typedef int sc_vmask;

#define SC_VLEN 1
#define SC_SIMD_ISA SC_ISA_SCALAR

static inline int sc_vstride_ok(int64_t s) { (void)s; return 1; }

static inline sc_vf sc_vzero(void) { return 0.0f; }
static inline sc_vf sc_vset1(float x) { return x; }
static inline sc_vf sc_vload(const float *p) { return *p; }
static inline void sc_vstore(float *p, sc_vf v) { *p = v; }
static inline sc_vf sc_vload_partial(const float *p, int64_t n) { return n > 0 ? *p : 0.0f; }
static inline void sc_vstore_partial(float *p, sc_vf v, int64_t n)
{
    if (n > 0)
        *p = v;
}
static inline sc_vf sc_vload_even(const float *p) { return *p; }
static inline sc_vf sc_vload_strided(const float *p, int64_t s) { (void)s; return *p; }
static inline sc_vf sc_vload_strided_partial(const float *p, int64_t s, int64_t n)
{
    (void)s;
    return n > 0 ? *p : 0.0f;
}

static inline sc_vf sc_vadd(sc_vf a, sc_vf b) { return a + b; }
static inline sc_vf sc_vsub(sc_vf a, sc_vf b) { return a - b; }
static inline sc_vf sc_vmul(sc_vf a, sc_vf b) { return a * b; }
static inline sc_vf sc_vdiv(sc_vf a, sc_vf b) { return a / b; }
/* fmaf, not a*b+c: the result must round once, as the SIMD versions do, and
   must not depend on whether the compiler contracts. */
static inline sc_vf sc_vfma(sc_vf a, sc_vf b, sc_vf c) { return fmaf(a, b, c); }
static inline sc_vf sc_vfnma(sc_vf a, sc_vf b, sc_vf c) { return fmaf(-a, b, c); }
static inline sc_vf sc_vmax(sc_vf a, sc_vf b) { return a > b ? a : b; }
static inline sc_vf sc_vmin(sc_vf a, sc_vf b) { return a < b ? a : b; }
static inline sc_vf sc_vabs(sc_vf a) { return fabsf(a); }
static inline sc_vf sc_vneg(sc_vf a) { return -a; }

static inline sc_vmask sc_vcmp_gt(sc_vf a, sc_vf b) { return a > b; }
static inline sc_vmask sc_vcmp_lt(sc_vf a, sc_vf b) { return a < b; }
static inline sc_vmask sc_vcmp_ge(sc_vf a, sc_vf b) { return a >= b; }
static inline sc_vmask sc_vcmp_le(sc_vf a, sc_vf b) { return a <= b; }
static inline sc_vmask sc_vcmp_eq(sc_vf a, sc_vf b) { return a == b; }
static inline sc_vmask sc_visnan(sc_vf a) { return a != a; }
static inline sc_vmask sc_vmask_or(sc_vmask a, sc_vmask b) { return a | b; }
static inline sc_vmask sc_vmask_and(sc_vmask a, sc_vmask b) { return a & b; }
static inline sc_vf sc_vblend(sc_vf a, sc_vf b, sc_vmask m) { return m ? b : a; }
static inline int sc_vmask_any(sc_vmask m) { return m != 0; }

static inline float sc_vreduce_add(sc_vf v) { return v; }

static inline void sc_vtranspose(sc_vf r[SC_VLEN]) { (void)r; }

static inline void sc_vstore_index(int64_t *dst, sc_vf off, int64_t base, int64_t step, int64_t n)
{
    (void)step;
    (void)n;
    *dst = base + (int64_t)off;
}

#endif
