/* AVX2+FMA vectors of 8 floats; the interface is documented in scalar.h. */
#ifndef SC_SIMD_AVX2_H
#define SC_SIMD_AVX2_H

#if !defined(__AVX2__) || !defined(__FMA__)
#error "avx2.h needs -mavx2 -mfma: only files named *-avx2.c get them"
#endif

#include <immintrin.h>
#include <stdint.h>

#include "simdconv.h"

typedef __m256 sc_vf;
typedef __m256 sc_vmask; /* all-ones lanes where true, as the compares produce */

#define SC_VLEN 8
#define SC_SIMD_ISA SC_ISA_AVX2

/* Lane loads take 64-bit offsets. */
static inline int sc_vstride_ok(int64_t s) { return s >= 0; }

static inline sc_vf sc_vzero(void) { return _mm256_setzero_ps(); }
static inline sc_vf sc_vset1(float x) { return _mm256_set1_ps(x); }
static inline sc_vf sc_vload(const float *p) { return _mm256_loadu_ps(p); }
static inline void sc_vstore(float *p, sc_vf v) { _mm256_storeu_ps(p, v); }

/* Lane i is active when i < n. A masked load never touches inactive lanes'
   memory, so a tail at the very end of a buffer stays in bounds. */
static inline __m256i sc_avx2_tail_mask(int64_t n)
{
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    int32_t k = n < 0 ? 0 : (n > SC_VLEN ? SC_VLEN : (int32_t)n);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(k), lanes);
}
static inline sc_vf sc_vload_partial(const float *p, int64_t n)
{
    return _mm256_maskload_ps(p, sc_avx2_tail_mask(n));
}
/* Through a stack copy, not vmaskmovps: its store form is microcoded on AMD
   cores (Zen 3: measured, a masked tail store per 28-float row doubled a
   pooling kernel's time). */
static inline void sc_vstore_partial(float *p, sc_vf v, int64_t n)
{
    float t[SC_VLEN];
    _mm256_storeu_ps(t, v);
    for (int64_t i = 0; i < n && i < SC_VLEN; i++)
        p[i] = t[i];
}
static inline sc_vf sc_vload_even(const float *p)
{
    /* p0..p7 and p7..p14: evens of the first, odds of the second, in 64-bit
       pairs ordered 0 2 1 3 by the in-lane picks */
    const __m256 ev = _mm256_shuffle_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 7), 0xD8);
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(ev), 0xD8));
}
/* Lane loads, not vgatherdps: QEMU 7.2 (the emulator the test suite runs
   under) returns zeros from a gather whose destination or mask register is
   ymm8-15 while the index register is not, so gather code that is correct on
   hardware would fail there depending on register allocation. */
static inline sc_vf sc_vload_strided(const float *p, int64_t s)
{
    return _mm256_setr_ps(p[0], p[s], p[2 * s], p[3 * s], p[4 * s], p[5 * s], p[6 * s],
                          p[7 * s]);
}
/* Lanes built in registers, not through a stack array read back as one
   vector: eight scalar stores feeding one wide load cannot be forwarded
   (measured: a depthwise 3x3/2 layer with 7-wide output rows, 576 channels
   at 14x14, took 0.380 ms that way and 0.159 ms this way). */
static inline sc_vf sc_vload_strided_partial(const float *p, int64_t s, int64_t n)
{
    return _mm256_setr_ps(n > 0 ? p[0] : 0.0f, n > 1 ? p[s] : 0.0f, n > 2 ? p[2 * s] : 0.0f,
                          n > 3 ? p[3 * s] : 0.0f, n > 4 ? p[4 * s] : 0.0f,
                          n > 5 ? p[5 * s] : 0.0f, n > 6 ? p[6 * s] : 0.0f,
                          n > 7 ? p[7 * s] : 0.0f);
}

static inline sc_vf sc_vadd(sc_vf a, sc_vf b) { return _mm256_add_ps(a, b); }
static inline sc_vf sc_vsub(sc_vf a, sc_vf b) { return _mm256_sub_ps(a, b); }
static inline sc_vf sc_vmul(sc_vf a, sc_vf b) { return _mm256_mul_ps(a, b); }
static inline sc_vf sc_vdiv(sc_vf a, sc_vf b) { return _mm256_div_ps(a, b); }
static inline sc_vf sc_vfma(sc_vf a, sc_vf b, sc_vf c) { return _mm256_fmadd_ps(a, b, c); }
static inline sc_vf sc_vfnma(sc_vf a, sc_vf b, sc_vf c) { return _mm256_fnmadd_ps(a, b, c); }
/* maxps returns its second operand when either is NaN: exactly a > b ? a : b. */
static inline sc_vf sc_vmax(sc_vf a, sc_vf b) { return _mm256_max_ps(a, b); }
static inline sc_vf sc_vmin(sc_vf a, sc_vf b) { return _mm256_min_ps(a, b); }
static inline sc_vf sc_vabs(sc_vf a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
static inline sc_vf sc_vneg(sc_vf a) { return _mm256_xor_ps(a, _mm256_set1_ps(-0.0f)); }

static inline sc_vmask sc_vcmp_gt(sc_vf a, sc_vf b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
static inline sc_vmask sc_vcmp_lt(sc_vf a, sc_vf b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
static inline sc_vmask sc_vcmp_ge(sc_vf a, sc_vf b) { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
static inline sc_vmask sc_vcmp_le(sc_vf a, sc_vf b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
static inline sc_vmask sc_vcmp_eq(sc_vf a, sc_vf b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
static inline sc_vmask sc_visnan(sc_vf a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
static inline sc_vmask sc_vmask_or(sc_vmask a, sc_vmask b) { return _mm256_or_ps(a, b); }
static inline sc_vmask sc_vmask_and(sc_vmask a, sc_vmask b) { return _mm256_and_ps(a, b); }
static inline sc_vf sc_vblend(sc_vf a, sc_vf b, sc_vmask m) { return _mm256_blendv_ps(a, b, m); }
static inline int sc_vmask_any(sc_vmask m) { return _mm256_movemask_ps(m) != 0; }

static inline float sc_vreduce_add(sc_vf v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline void sc_vtranspose(sc_vf r[8])
{
    __m256 u[8], t[8];
    for (int i = 0; i < 8; i += 2) {
        u[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        u[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        t[i] = _mm256_shuffle_ps(u[i], u[i + 2], 0x44);
        t[i + 1] = _mm256_shuffle_ps(u[i], u[i + 2], 0xEE);
        t[i + 2] = _mm256_shuffle_ps(u[i + 1], u[i + 3], 0x44);
        t[i + 3] = _mm256_shuffle_ps(u[i + 1], u[i + 3], 0xEE);
    }
    /* t[k] (k < 4) holds rows 0-3 of columns k and k + 4, t[k + 4] rows 4-7 */
    for (int k = 0; k < 4; k++) {
        r[k] = _mm256_permute2f128_ps(t[k], t[k + 4], 0x20);
        r[k + 4] = _mm256_permute2f128_ps(t[k], t[k + 4], 0x31);
    }
}

#include "simd/x86-index.h"

static inline void sc_vstore_index(int64_t *dst, sc_vf off, int64_t base, int64_t step, int64_t n)
{
    sc_x86_store_index8(dst, off, base, step, n);
}

#endif
