/* Bias plus activation, avx2 build of epilogue-impl.h, on SLEEF's AVX2
   1-ulp vector functions (called by their ISA-specific names, never the
   dispatching ones). */
#include "simd/avx2.h"

#include <sleef.h>

static inline sc_vf sc_vexp(sc_vf x) { return Sleef_expf8_u10avx2(x); }
static inline sc_vf sc_vtanh(sc_vf x) { return Sleef_tanhf8_u10avx2(x); }
static inline sc_vf sc_verf(sc_vf x) { return Sleef_erff8_u10avx2(x); }

#include "epilogue/epilogue-impl.h"

void sc_epilogue_avx2(float *x, int64_t n, float bias, sc_activation act)
{
    sc_epilogue_body(x, n, bias, act);
}
