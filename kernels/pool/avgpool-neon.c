/* Avg pooling, neon build of avgpool-impl.h. */
#include "simd/neon.h"

#define SC_AVGPOOL_FN sc_avgpool_neon
#define SC_AVGPOOL_GLOBAL_FN sc_avgpool_global_neon
#include "pool/avgpool-impl.h"
