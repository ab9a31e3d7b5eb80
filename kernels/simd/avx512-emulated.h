/* AVX-512 intrinsics on CPUs without AVX-512, for the test build
   SC_EMULATE_AVX512 only (never shipped): SIMDe (Debian's libsimde-dev) maps
   the _mm512_* names onto AVX2 code, so the *-avx512.c sources run as
   written on any AVX2+FMA machine and the suite checks them where no AVX-512
   CPU or emulator exists. Included by simd/avx512.h in place of
   <immintrin.h>.

   SIMDe 0.7.4 lacks five intrinsics the kernels use; they are defined here
   lane by lane with the hardware's memory semantics: masked-off lanes of a
   load, store or gather are never accessed, so the emulation faults (and
   ASan reports) exactly where the real instruction would. */
#ifndef SC_SIMD_AVX512_EMULATED_H
#define SC_SIMD_AVX512_EMULATED_H

#if !defined(__AVX2__) || !defined(__FMA__)
#error "the emulated AVX-512 build compiles *-avx512.c with -mavx2 -mfma"
#endif

#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
#include <string.h>

static inline simde__m512 sc_emu_maskz_loadu_ps(simde__mmask16 k, const void *p)
{
    float v[16] = {0};
    for (int i = 0; i < 16; i++)
        if (k >> i & 1)
            memcpy(&v[i], (const char *)p + 4 * i, 4);
    return simde_mm512_loadu_ps(v);
}

static inline void sc_emu_mask_storeu_ps(void *p, simde__mmask16 k, simde__m512 x)
{
    float v[16];
    simde_mm512_storeu_ps(v, x);
    for (int i = 0; i < 16; i++)
        if (k >> i & 1)
            memcpy((char *)p + 4 * i, &v[i], 4);
}

static inline simde__m512 sc_emu_mask_i32gather_ps(simde__m512 src, simde__mmask16 k,
                                                   simde__m512i idx, const void *p, int scale)
{
    float v[16];
    int32_t o[16];
    simde_mm512_storeu_ps(v, src);
    simde_mm512_storeu_si512(o, idx);
    for (int i = 0; i < 16; i++)
        if (k >> i & 1)
            memcpy(&v[i], (const char *)p + (int64_t)o[i] * scale, 4);
    return simde_mm512_loadu_ps(v);
}

static inline simde__m256 sc_emu_extractf32x8_ps(simde__m512 x, int hi)
{
    float v[16];
    simde_mm512_storeu_ps(v, x);
    return simde_mm256_loadu_ps(v + (hi ? 8 : 0));
}

#define _mm512_maskz_loadu_ps(k, p) sc_emu_maskz_loadu_ps((k), (p))
#define _mm512_mask_storeu_ps(p, k, x) sc_emu_mask_storeu_ps((p), (k), (x))
#define _mm512_mask_i32gather_ps(src, k, idx, p, scale)                                         \
    sc_emu_mask_i32gather_ps((src), (k), (idx), (p), (scale))
#define _mm512_i32gather_ps(idx, p, scale)                                                      \
    sc_emu_mask_i32gather_ps(simde_mm512_setzero_ps(), (simde__mmask16)0xFFFF, (idx), (p), (scale))
#define _mm512_extractf32x8_ps(x, hi) sc_emu_extractf32x8_ps((x), (hi))

/* SLEEF's AVX-512 functions take zmm registers: the emulated epilogue runs
   each half through the AVX2 function of the same accuracy (u10) instead.
   (Macros: <sleef.h> may come after this header.) */
static inline simde__m512 sc_emu_sleef_halves(__m256 (*f)(__m256), simde__m512 x)
{
    float v[16];
    simde_mm512_storeu_ps(v, x);
    _mm256_storeu_ps(v, f(_mm256_loadu_ps(v)));
    _mm256_storeu_ps(v + 8, f(_mm256_loadu_ps(v + 8)));
    return simde_mm512_loadu_ps(v);
}
#define Sleef_expf16_u10avx512f(x) sc_emu_sleef_halves(Sleef_expf8_u10avx2, (x))
#define Sleef_tanhf16_u10avx512f(x) sc_emu_sleef_halves(Sleef_tanhf8_u10avx2, (x))
#define Sleef_erff16_u10avx512f(x) sc_emu_sleef_halves(Sleef_erff8_u10avx2, (x))

#endif
