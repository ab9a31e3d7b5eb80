/* Bias plus activation, neon build of epilogue-impl.h, on SLEEF's Advanced SIMD
   1-ulp vector functions (called by their ISA-specific names, never the
   dispatching ones). */
#include "simd/neon.h"

#include <sleef.h>

static inline sc_vf sc_vexp(sc_vf x) { return Sleef_expf4_u10advsimd(x); }
static inline sc_vf sc_vtanh(sc_vf x) { return Sleef_tanhf4_u10advsimd(x); }
static inline sc_vf sc_verf(sc_vf x) { return Sleef_erff4_u10advsimd(x); }

#include "epilogue/epilogue-impl.h"

void sc_epilogue_neon(float *x, int64_t n, float bias, sc_activation act)
{
    sc_epilogue_body(x, n, bias, act);
}
