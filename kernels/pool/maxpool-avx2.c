/* Max pooling, avx2 build of maxpool-impl.h. */
#include "simd/avx2.h"

#define SC_MAXPOOL_FN sc_maxpool_avx2
#include "pool/maxpool-impl.h"
