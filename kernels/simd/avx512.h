/* AVX-512 (F+BW+DQ+VL) vectors of 16 floats; the interface is documented in
   scalar.h. */
#ifndef SC_SIMD_AVX512_H
#define SC_SIMD_AVX512_H

#if defined(SC_AVX512_EMULATED)
#include "simd/avx512-emulated.h"
#elif !defined(__AVX512F__) || !defined(__AVX512BW__) || !defined(__AVX512DQ__) || \
    !defined(__AVX512VL__)
#error "avx512.h needs -mavx512f -mavx512bw -mavx512dq -mavx512vl: only files named *-avx512.c get them"
#else
#include <immintrin.h>
#endif
#include <stdint.h>

#include "simdconv.h"

typedef __m512 sc_vf;
typedef __mmask16 sc_vmask;

#define SC_VLEN 16
#define SC_SIMD_ISA SC_ISA_AVX512

static inline int sc_vstride_ok(int64_t s) { return s >= 0 && s <= INT32_MAX / (SC_VLEN - 1); }

static inline sc_vf sc_vzero(void) { return _mm512_setzero_ps(); }
static inline sc_vf sc_vset1(float x) { return _mm512_set1_ps(x); }
static inline sc_vf sc_vload(const float *p) { return _mm512_loadu_ps(p); }
static inline void sc_vstore(float *p, sc_vf v) { _mm512_storeu_ps(p, v); }

/* Masked-off lanes are never accessed (faults suppressed), so tails at the
   end of a buffer stay in bounds. */
static inline __mmask16 sc_avx512_tail_mask(int64_t n)
{
    if (n <= 0)
        return 0;
    if (n >= SC_VLEN)
        return (__mmask16)0xFFFF;
    return (__mmask16)((1u << n) - 1u);
}
static inline sc_vf sc_vload_partial(const float *p, int64_t n)
{
    return _mm512_maskz_loadu_ps(sc_avx512_tail_mask(n), p);
}
static inline void sc_vstore_partial(float *p, sc_vf v, int64_t n)
{
    _mm512_mask_storeu_ps(p, sc_avx512_tail_mask(n), v);
}
static inline sc_vf sc_vload_even(const float *p)
{
    /* p0..p15 and p15..p30: evens of the first, odds of the second */
    const __m512i idx = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 17, 19, 21, 23, 25, 27, 29, 31);
    return _mm512_permutex2var_ps(_mm512_loadu_ps(p), idx, _mm512_loadu_ps(p + 15));
}
static inline __m512i sc_avx512_stride_offsets(int64_t s)
{
    return _mm512_mullo_epi32(
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
        _mm512_set1_epi32((int32_t)s));
}
static inline sc_vf sc_vload_strided(const float *p, int64_t s)
{
    return _mm512_i32gather_ps(sc_avx512_stride_offsets(s), p, 4);
}
static inline sc_vf sc_vload_strided_partial(const float *p, int64_t s, int64_t n)
{
    return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), sc_avx512_tail_mask(n),
                                    sc_avx512_stride_offsets(s), p, 4);
}

static inline sc_vf sc_vadd(sc_vf a, sc_vf b) { return _mm512_add_ps(a, b); }
static inline sc_vf sc_vsub(sc_vf a, sc_vf b) { return _mm512_sub_ps(a, b); }
static inline sc_vf sc_vmul(sc_vf a, sc_vf b) { return _mm512_mul_ps(a, b); }
static inline sc_vf sc_vdiv(sc_vf a, sc_vf b) { return _mm512_div_ps(a, b); }
static inline sc_vf sc_vfma(sc_vf a, sc_vf b, sc_vf c) { return _mm512_fmadd_ps(a, b, c); }
static inline sc_vf sc_vfnma(sc_vf a, sc_vf b, sc_vf c) { return _mm512_fnmadd_ps(a, b, c); }
/* Like maxps: the second operand when either is NaN, i.e. a > b ? a : b. */
static inline sc_vf sc_vmax(sc_vf a, sc_vf b) { return _mm512_max_ps(a, b); }
static inline sc_vf sc_vmin(sc_vf a, sc_vf b) { return _mm512_min_ps(a, b); }
static inline sc_vf sc_vabs(sc_vf a) { return _mm512_abs_ps(a); }
static inline sc_vf sc_vneg(sc_vf a) { return _mm512_xor_ps(a, _mm512_set1_ps(-0.0f)); }

static inline sc_vmask sc_vcmp_gt(sc_vf a, sc_vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
static inline sc_vmask sc_vcmp_lt(sc_vf a, sc_vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
static inline sc_vmask sc_vcmp_ge(sc_vf a, sc_vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
static inline sc_vmask sc_vcmp_le(sc_vf a, sc_vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
static inline sc_vmask sc_vcmp_eq(sc_vf a, sc_vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
static inline sc_vmask sc_visnan(sc_vf a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
static inline sc_vmask sc_vmask_or(sc_vmask a, sc_vmask b) { return (sc_vmask)(a | b); }
static inline sc_vmask sc_vmask_and(sc_vmask a, sc_vmask b) { return (sc_vmask)(a & b); }
static inline sc_vf sc_vblend(sc_vf a, sc_vf b, sc_vmask m) { return _mm512_mask_blend_ps(m, a, b); }
static inline int sc_vmask_any(sc_vmask m) { return m != 0; }

static inline float sc_vreduce_add(sc_vf v)
{
    __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* In-lane 4x4 transposes (unpacks and shuffles), then the 128-bit blocks
   moved across registers with two-source permutes. */
static inline void sc_vtranspose(sc_vf r[16])
{
    __m512 u[16], t[16];
    for (int i = 0; i < 16; i += 2) {
        u[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        u[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        t[i] = _mm512_shuffle_ps(u[i], u[i + 2], 0x44);
        t[i + 1] = _mm512_shuffle_ps(u[i], u[i + 2], 0xEE);
        t[i + 2] = _mm512_shuffle_ps(u[i + 1], u[i + 3], 0x44);
        t[i + 3] = _mm512_shuffle_ps(u[i + 1], u[i + 3], 0xEE);
    }
    /* t[4q + k], block b: rows 4q .. 4q+3 of column 4b + k */
    const __m512i lo = _mm512_setr_epi32(0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
    const __m512i hi = _mm512_add_epi32(lo, _mm512_set1_epi32(8));
    const __m512i lo2 = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
    const __m512i hi2 = _mm512_add_epi32(lo2, _mm512_set1_epi32(8));
    for (int k = 0; k < 4; k++) {
        /* rows 0-7 and 8-15, blocks of columns k, 4+k (v0) and 8+k, 12+k (v1) */
        const __m512 a0 = _mm512_permutex2var_ps(t[k], lo, t[4 + k]);
        const __m512 a1 = _mm512_permutex2var_ps(t[k], hi, t[4 + k]);
        const __m512 b0 = _mm512_permutex2var_ps(t[8 + k], lo, t[12 + k]);
        const __m512 b1 = _mm512_permutex2var_ps(t[8 + k], hi, t[12 + k]);
        r[k] = _mm512_permutex2var_ps(a0, lo2, b0);
        r[4 + k] = _mm512_permutex2var_ps(a0, hi2, b0);
        r[8 + k] = _mm512_permutex2var_ps(a1, lo2, b1);
        r[12 + k] = _mm512_permutex2var_ps(a1, hi2, b1);
    }
}

#include "simd/x86-index.h"

/* Two halves of eight on the AVX2 body: SIMDe 0.7.4, which the avx512emu
   test stage builds these sources on, has neither _mm512_cvttps_epi32 nor
   _mm512_cvtepi32_epi64. */
static inline void sc_vstore_index(int64_t *dst, sc_vf off, int64_t base, int64_t step, int64_t n)
{
    sc_x86_store_index8(dst, _mm512_castps512_ps256(off), base, step, n < 8 ? n : 8);
    if (n > 8)
        sc_x86_store_index8(dst + 8, _mm512_extractf32x8_ps(off, 1), base + 8 * step, step, n - 8);
}

#endif
