/* Avg pooling, avx512 build of avgpool-impl.h. */
#include "simd/avx512.h"

#define SC_AVGPOOL_FN sc_avgpool_avx512
#define SC_AVGPOOL_GLOBAL_FN sc_avgpool_global_avx512
#include "pool/avgpool-impl.h"
