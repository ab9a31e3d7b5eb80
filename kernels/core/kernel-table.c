/*
 * Every kernel variant, best first. Adding an ISA variant of a kernel is one
 * source file named for its ISA plus one row here (and its declaration in
 * kernels.h); the tests walk these tables, so the new row is tested on every
 * CPU that can run it.
 */
#include <stddef.h>

#include "conv.h"

#if defined(__x86_64__) || defined(_M_X64)
#define SC_X86 1
#elif defined(__aarch64__)
#define SC_ARM64 1
#endif

const sc_gemm_kernel sc_gemm_kernels[] = {
#if SC_X86
    {SC_ISA_AVX512, "gemm_12x32", 12, 32, 16, sc_gemm_12x32_avx512, sc_igemm_12x32_avx512},
    {SC_ISA_AVX2, "gemm_6x16", 6, 16, 8, sc_gemm_6x16_avx2, sc_igemm_6x16_avx2},
#endif
#if SC_ARM64
    {SC_ISA_NEON, "gemm_6x16", 6, 16, 4, sc_gemm_6x16_neon, sc_igemm_6x16_neon},
#endif
    {SC_ISA_SCALAR, "gemm_4x8", 4, 8, 8, sc_gemm_4x8_scalar, sc_igemm_4x8_scalar},
    {SC_ISA_SCALAR, NULL, 0, 0, 0, NULL, NULL},
};

const sc_direct_kernel sc_direct_kernels[] = {
#if SC_X86
    {SC_ISA_AVX512, "direct", sc_direct_avx512},
    {SC_ISA_AVX2, "direct", sc_direct_avx2},
#endif
#if SC_ARM64
    {SC_ISA_NEON, "direct", sc_direct_neon},
#endif
    {SC_ISA_SCALAR, "direct", sc_direct_scalar},
    {SC_ISA_SCALAR, NULL, NULL},
};

const sc_depthwise_kernel sc_depthwise_kernels[] = {
#if SC_X86
    {SC_ISA_AVX512, "depthwise", 16, sc_depthwise_avx512},
    {SC_ISA_AVX2, "depthwise", 8, sc_depthwise_avx2},
#endif
#if SC_ARM64
    {SC_ISA_NEON, "depthwise", 4, sc_depthwise_neon},
#endif
    /* No scalar row: the scalar plane kernel rounds products and sums
       separately (a software fused multiply-add would cost more than the
       lanes save), so there the plane kernel serves depthwise layers. */
    {SC_ISA_SCALAR, NULL, 0, NULL},
};

#define SC_WINOGRAD_ROW(isa_enum, m, r, isa)                                                   \
    {isa_enum, "winograd_f" #m "x" #m "_" #r "x" #r, m, r,                                     \
     sc_winograd_f##m##x##m##_##r##x##r##_input_##isa,                                         \
     sc_winograd_f##m##x##m##_##r##x##r##_output_##isa}
#define SC_WINOGRAD_ROWS(isa_enum, isa)                                                        \
    SC_WINOGRAD_ROW(isa_enum, 4, 3, isa), SC_WINOGRAD_ROW(isa_enum, 2, 3, isa),                \
        SC_WINOGRAD_ROW(isa_enum, 3, 4, isa)

const sc_winograd_kernel sc_winograd_kernels[] = {
#if SC_X86
    SC_WINOGRAD_ROWS(SC_ISA_AVX512, avx512),
    SC_WINOGRAD_ROWS(SC_ISA_AVX2, avx2),
#endif
#if SC_ARM64
    SC_WINOGRAD_ROWS(SC_ISA_NEON, neon),
#endif
    SC_WINOGRAD_ROWS(SC_ISA_SCALAR, scalar),
    {SC_ISA_SCALAR, NULL, 0, 0, NULL, NULL},
};

const sc_pack_kernel sc_pack_kernels[] = {
#if SC_X86
    {SC_ISA_AVX512, 16, sc_pack_b_avx512, sc_pack_xt_avx512},
    {SC_ISA_AVX2, 8, sc_pack_b_avx2, sc_pack_xt_avx2},
#endif
#if SC_ARM64
    {SC_ISA_NEON, 4, sc_pack_b_neon, sc_pack_xt_neon},
#endif
    {SC_ISA_SCALAR, 1, sc_pack_b_scalar, sc_pack_xt_scalar},
    {SC_ISA_SCALAR, 0, NULL, NULL},
};

const sc_pool_kernel sc_maxpool_kernels[] = {
#if SC_X86
    {SC_ISA_AVX512, "maxpool", sc_maxpool_avx512, NULL},
    {SC_ISA_AVX2, "maxpool", sc_maxpool_avx2, NULL},
#endif
#if SC_ARM64
    {SC_ISA_NEON, "maxpool", sc_maxpool_neon, NULL},
#endif
    {SC_ISA_SCALAR, "maxpool", sc_maxpool_scalar, NULL},
    {SC_ISA_SCALAR, NULL, NULL, NULL},
};

const sc_pool_kernel sc_avgpool_kernels[] = {
#if SC_X86
    {SC_ISA_AVX512, "avgpool", sc_avgpool_avx512, sc_avgpool_global_avx512},
    {SC_ISA_AVX2, "avgpool", sc_avgpool_avx2, sc_avgpool_global_avx2},
#endif
#if SC_ARM64
    {SC_ISA_NEON, "avgpool", sc_avgpool_neon, sc_avgpool_global_neon},
#endif
    {SC_ISA_SCALAR, "avgpool", sc_avgpool_scalar, sc_avgpool_global_scalar},
    {SC_ISA_SCALAR, NULL, NULL, NULL},
};

const sc_epilogue_kernel sc_epilogue_kernels[] = {
#if SC_X86
    {SC_ISA_AVX512, sc_epilogue_avx512},
    {SC_ISA_AVX2, sc_epilogue_avx2},
#endif
#if SC_ARM64
    {SC_ISA_NEON, sc_epilogue_neon},
#endif
    {SC_ISA_SCALAR, sc_epilogue_scalar},
    {SC_ISA_SCALAR, NULL},
};

sc_epilogue_fn sc_epilogue_for(sc_isa isa)
{
    for (const sc_epilogue_kernel *k = sc_epilogue_kernels; k->fn; k++)
        if (sc_isa_usable(k->isa, isa))
            return k->fn;
    return sc_epilogue_scalar;
}

const sc_gemm_kernel *sc_pick_gemm(sc_isa active)
{
    for (const sc_gemm_kernel *k = sc_gemm_kernels; k->name; k++)
        if (sc_isa_usable(k->isa, active))
            return k;
    return NULL;
}

const sc_depthwise_kernel *sc_pick_depthwise(sc_isa active)
{
    for (const sc_depthwise_kernel *k = sc_depthwise_kernels; k->name; k++)
        if (sc_isa_usable(k->isa, active))
            return k;
    return NULL;
}

const sc_direct_kernel *sc_pick_direct(sc_isa active)
{
    for (const sc_direct_kernel *k = sc_direct_kernels; k->name; k++)
        if (sc_isa_usable(k->isa, active))
            return k;
    return NULL;
}

const sc_winograd_kernel *sc_pick_winograd(sc_isa active, int m, int r)
{
    for (const sc_winograd_kernel *k = sc_winograd_kernels; k->name; k++)
        if (k->m == m && k->r == r && sc_isa_usable(k->isa, active))
            return k;
    return NULL;
}

const sc_pack_kernel *sc_pick_pack(sc_isa active, int64_t nr)
{
    for (const sc_pack_kernel *k = sc_pack_kernels; k->fn; k++)
        if (sc_isa_usable(k->isa, active) && nr % k->vlen == 0)
            return k;
    return NULL;
}
