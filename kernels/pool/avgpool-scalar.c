/* Avg pooling, scalar build of avgpool-impl.h. */
#include "simd/scalar.h"

#define SC_AVGPOOL_FN sc_avgpool_scalar
#define SC_AVGPOOL_GLOBAL_FN sc_avgpool_global_scalar
#include "pool/avgpool-impl.h"
