/* Bias plus activation, avx512 build of epilogue-impl.h, on SLEEF's AVX-512F
   1-ulp vector functions (called by their ISA-specific names, never the
   dispatching ones). */
#include "simd/avx512.h"

#include <sleef.h>

static inline sc_vf sc_vexp(sc_vf x) { return Sleef_expf16_u10avx512f(x); }
static inline sc_vf sc_vtanh(sc_vf x) { return Sleef_tanhf16_u10avx512f(x); }
static inline sc_vf sc_verf(sc_vf x) { return Sleef_erff16_u10avx512f(x); }

#include "epilogue/epilogue-impl.h"

void sc_epilogue_avx512(float *x, int64_t n, float bias, sc_activation act)
{
    sc_epilogue_body(x, n, bias, act);
}
