/* AArch64 Advanced SIMD vectors of 4 floats; the interface is documented in
   scalar.h. */
#ifndef SC_SIMD_NEON_H
#define SC_SIMD_NEON_H

#if !defined(__ARM_NEON) || !defined(__aarch64__)
#error "neon.h needs AArch64 Advanced SIMD: only files named *-neon.c include it"
#endif

#include <arm_neon.h>
#include <stdint.h>

#include "simdconv.h"

typedef float32x4_t sc_vf;
typedef uint32x4_t sc_vmask;

#define SC_VLEN 4
#define SC_SIMD_ISA SC_ISA_NEON

/* Lane loads take 64-bit offsets; any stride whose lanes exist is fine. */
static inline int sc_vstride_ok(int64_t s) { return s >= 0; }

static inline sc_vf sc_vzero(void) { return vdupq_n_f32(0.0f); }
static inline sc_vf sc_vset1(float x) { return vdupq_n_f32(x); }
static inline sc_vf sc_vload(const float *p) { return vld1q_f32(p); }
static inline void sc_vstore(float *p, sc_vf v) { vst1q_f32(p, v); }

/* NEON has no masked memory access: go through a small buffer so no byte
   past p[n-1] is read or written. */
static inline sc_vf sc_vload_partial(const float *p, int64_t n)
{
    float t[SC_VLEN] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int64_t i = 0; i < n && i < SC_VLEN; i++)
        t[i] = p[i];
    return vld1q_f32(t);
}
static inline void sc_vstore_partial(float *p, sc_vf v, int64_t n)
{
    float t[SC_VLEN];
    vst1q_f32(t, v);
    for (int64_t i = 0; i < n && i < SC_VLEN; i++)
        p[i] = t[i];
}
static inline sc_vf sc_vload_even(const float *p)
{
    /* p0..p3 and p3..p6: evens of the first, odds of the second */
    const float32x4_t a = vld1q_f32(p), b = vld1q_f32(p + 3);
    return vcombine_f32(vget_low_f32(vuzp1q_f32(a, a)), vget_low_f32(vuzp2q_f32(b, b)));
}
static inline sc_vf sc_vload_strided(const float *p, int64_t s)
{
    sc_vf v = vld1q_dup_f32(p);
    v = vld1q_lane_f32(p + s, v, 1);
    v = vld1q_lane_f32(p + 2 * s, v, 2);
    v = vld1q_lane_f32(p + 3 * s, v, 3);
    return v;
}
/* Lane loads into a register, not a stack array read back as one vector
   (which stalls on store forwarding). */
static inline sc_vf sc_vload_strided_partial(const float *p, int64_t s, int64_t n)
{
    sc_vf v = vdupq_n_f32(0.0f);
    if (n > 0)
        v = vld1q_lane_f32(p, v, 0);
    if (n > 1)
        v = vld1q_lane_f32(p + s, v, 1);
    if (n > 2)
        v = vld1q_lane_f32(p + 2 * s, v, 2);
    if (n > 3)
        v = vld1q_lane_f32(p + 3 * s, v, 3);
    return v;
}

static inline sc_vf sc_vadd(sc_vf a, sc_vf b) { return vaddq_f32(a, b); }
static inline sc_vf sc_vsub(sc_vf a, sc_vf b) { return vsubq_f32(a, b); }
static inline sc_vf sc_vmul(sc_vf a, sc_vf b) { return vmulq_f32(a, b); }
static inline sc_vf sc_vdiv(sc_vf a, sc_vf b) { return vdivq_f32(a, b); }
static inline sc_vf sc_vfma(sc_vf a, sc_vf b, sc_vf c) { return vfmaq_f32(c, a, b); }
static inline sc_vf sc_vfnma(sc_vf a, sc_vf b, sc_vf c) { return vfmsq_f32(c, a, b); }
/* vmaxq_f32 would return NaN; compare+select matches the x86 maxps rule. */
static inline sc_vf sc_vmax(sc_vf a, sc_vf b) { return vbslq_f32(vcgtq_f32(a, b), a, b); }
static inline sc_vf sc_vmin(sc_vf a, sc_vf b) { return vbslq_f32(vcltq_f32(a, b), a, b); }
static inline sc_vf sc_vabs(sc_vf a) { return vabsq_f32(a); }
static inline sc_vf sc_vneg(sc_vf a) { return vnegq_f32(a); }

static inline sc_vmask sc_vcmp_gt(sc_vf a, sc_vf b) { return vcgtq_f32(a, b); }
static inline sc_vmask sc_vcmp_lt(sc_vf a, sc_vf b) { return vcltq_f32(a, b); }
static inline sc_vmask sc_vcmp_ge(sc_vf a, sc_vf b) { return vcgeq_f32(a, b); }
static inline sc_vmask sc_vcmp_le(sc_vf a, sc_vf b) { return vcleq_f32(a, b); }
static inline sc_vmask sc_vcmp_eq(sc_vf a, sc_vf b) { return vceqq_f32(a, b); }
static inline sc_vmask sc_visnan(sc_vf a) { return vmvnq_u32(vceqq_f32(a, a)); }
static inline sc_vmask sc_vmask_or(sc_vmask a, sc_vmask b) { return vorrq_u32(a, b); }
static inline sc_vmask sc_vmask_and(sc_vmask a, sc_vmask b) { return vandq_u32(a, b); }
static inline sc_vf sc_vblend(sc_vf a, sc_vf b, sc_vmask m) { return vbslq_f32(m, b, a); }
static inline int sc_vmask_any(sc_vmask m) { return vmaxvq_u32(m) != 0; }

static inline float sc_vreduce_add(sc_vf v)
{
    float32x2_t s = vadd_f32(vget_low_f32(v), vget_high_f32(v));
    return vget_lane_f32(vpadd_f32(s, s), 0);
}

static inline void sc_vtranspose(sc_vf r[4])
{
    const float32x4x2_t a = vtrnq_f32(r[0], r[1]), b = vtrnq_f32(r[2], r[3]);
    r[0] = vcombine_f32(vget_low_f32(a.val[0]), vget_low_f32(b.val[0]));
    r[1] = vcombine_f32(vget_low_f32(a.val[1]), vget_low_f32(b.val[1]));
    r[2] = vcombine_f32(vget_high_f32(a.val[0]), vget_high_f32(b.val[0]));
    r[3] = vcombine_f32(vget_high_f32(a.val[1]), vget_high_f32(b.val[1]));
}

static inline void sc_vstore_index(int64_t *dst, sc_vf off, int64_t base, int64_t step, int64_t n)
{
    const int32x4_t o = vcvtq_s32_f32(off);
    const int64x2_t b0 = vcombine_s64(vdup_n_s64(base), vdup_n_s64(base + step));
    const int64x2_t b1 = vaddq_s64(b0, vdupq_n_s64(2 * step));
    const int64x2_t lo = vaddq_s64(vmovl_s32(vget_low_s32(o)), b0);
    const int64x2_t hi = vaddq_s64(vmovl_high_s32(o), b1);
    if (n == 4) {
        vst1q_s64(dst, lo);
        vst1q_s64(dst + 2, hi);
        return;
    }
    int64_t t[4];
    vst1q_s64(t, lo);
    vst1q_s64(t + 2, hi);
    for (int64_t l = 0; l < n; l++)
        dst[l] = t[l];
}

#endif
