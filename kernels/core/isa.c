/* CPU dispatch: what the CPU and OS support (cpuid + XCR0 on x86, HWCAP on
   aarch64), capped by SIMDCONV_ISA or sc_isa_limit. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#if defined(__x86_64__) || defined(_M_X64)
#define SC_X86 1
#include <cpuid.h>
#elif defined(__aarch64__)
#define SC_ARM64 1
#include <sys/auxv.h>
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1UL << 1)
#endif
#endif

const char *sc_isa_name(sc_isa isa)
{
    switch (isa) {
    case SC_ISA_SCALAR: return "scalar";
    case SC_ISA_AVX2: return "avx2";
    case SC_ISA_AVX512: return "avx512";
    case SC_ISA_NEON: return "neon";
    }
    return "unknown";
}

#if SC_X86
static uint64_t sc_xgetbv0(void)
{
    uint32_t lo, hi;
    /* xgetbv by opcode: the mnemonic needs -mxsave, which baseline files lack. */
    __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

static sc_isa sc_detect(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return SC_ISA_SCALAR;
    const int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
    if (!osxsave || !avx || !fma)
        return SC_ISA_SCALAR;
    const uint64_t xcr0 = sc_xgetbv0();
    if ((xcr0 & 0x6) != 0x6) /* the OS saves XMM and YMM state */
        return SC_ISA_SCALAR;
    if (__get_cpuid_max(0, NULL) < 7)
        return SC_ISA_SCALAR;
    __cpuid_count(7, 0, a, b, c, d);
    const int avx2 = (b >> 5) & 1;
    if (!avx2)
        return SC_ISA_SCALAR;
#ifdef SC_AVX512_EMULATED
    return SC_ISA_AVX512; /* test build: the AVX-512 kernels run on AVX2+FMA */
#endif
    const int f = (b >> 16) & 1, dq = (b >> 17) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
    /* opmask, upper halves of ZMM0-15, and ZMM16-31 */
    if (f && dq && bw && vl && (xcr0 & 0xe0) == 0xe0)
        return SC_ISA_AVX512;
    return SC_ISA_AVX2;
}
#elif SC_ARM64
static sc_isa sc_detect(void)
{
    return (getauxval(AT_HWCAP) & HWCAP_ASIMD) ? SC_ISA_NEON : SC_ISA_SCALAR;
}
#else
static sc_isa sc_detect(void) { return SC_ISA_SCALAR; }
#endif

/* Rank in this architecture's order (scalar lowest); -1 if the ISA does not
   belong to this build. */
static int sc_rank(sc_isa isa)
{
    if (isa == SC_ISA_SCALAR)
        return 0;
#if SC_X86
    if (isa == SC_ISA_AVX2)
        return 1;
    if (isa == SC_ISA_AVX512)
        return 2;
#elif SC_ARM64
    if (isa == SC_ISA_NEON)
        return 1;
#endif
    return -1;
}

static atomic_int sc_detected_isa = -1;
static atomic_int sc_cap_isa = -1; /* -1: not read from the environment yet */

sc_isa sc_isa_detected(void)
{
    int d = atomic_load(&sc_detected_isa);
    if (d < 0) {
        d = (int)sc_detect();
        atomic_store(&sc_detected_isa, d);
    }
    return (sc_isa)d;
}

static int sc_env_cap(void)
{
    const sc_isa det = sc_isa_detected();
    const char *e = getenv("SIMDCONV_ISA");
    if (!e)
        return (int)det;
    const sc_isa all[] = {SC_ISA_SCALAR, SC_ISA_AVX2, SC_ISA_AVX512, SC_ISA_NEON};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(e, sc_isa_name(all[i])) == 0 && sc_rank(all[i]) >= 0)
            return (int)all[i];
    return (int)det; /* unknown or foreign to this build: silently no cap */
}

static sc_isa sc_cap(void)
{
    int c = atomic_load(&sc_cap_isa);
    if (c < 0) {
        int expected = -1;
        atomic_compare_exchange_strong(&sc_cap_isa, &expected, sc_env_cap());
        c = atomic_load(&sc_cap_isa);
    }
    return (sc_isa)c;
}

sc_isa sc_isa_active(void)
{
    const sc_isa det = sc_isa_detected();
    const sc_isa cap = sc_cap();
    return sc_rank(cap) < sc_rank(det) ? cap : det;
}

sc_status sc_isa_limit(sc_isa max)
{
    if ((int)max < (int)SC_ISA_SCALAR || (int)max > (int)SC_ISA_NEON)
        return sc_fail(SC_INVALID_ARGUMENT, "sc_isa_limit: isa=%d is not an sc_isa value", (int)max);
    if (sc_rank(max) < 0 || sc_rank(max) > sc_rank(sc_isa_detected()))
        return sc_fail(SC_UNSUPPORTED, "sc_isa_limit: isa=%s is not available on this CPU/build (detected %s)",
                       sc_isa_name(max), sc_isa_name(sc_isa_detected()));
    sc_cap();
    atomic_store(&sc_cap_isa, (int)max);
    return SC_OK;
}

int sc_isa_usable(sc_isa kernel_isa, sc_isa active)
{
    const int rk = sc_rank(kernel_isa), ra = sc_rank(active);
    return rk >= 0 && ra >= 0 && rk <= ra;
}

int sc_verbose(void)
{
    static atomic_int v = -1;
    int x = atomic_load(&v);
    if (x < 0) {
        const char *e = getenv("SIMDCONV_VERBOSE");
        x = (e && *e && strcmp(e, "0") != 0) ? 1 : 0;
        atomic_store(&v, x);
    }
    return x;
}
