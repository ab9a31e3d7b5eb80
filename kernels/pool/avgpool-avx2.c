/* Avg pooling, avx2 build of avgpool-impl.h. */
#include "simd/avx2.h"

#define SC_AVGPOOL_FN sc_avgpool_avx2
#define SC_AVGPOOL_GLOBAL_FN sc_avgpool_global_avx2
#include "pool/avgpool-impl.h"
