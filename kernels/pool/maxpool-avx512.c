/* Max pooling, avx512 build of maxpool-impl.h. */
#include "simd/avx512.h"

#define SC_MAXPOOL_FN sc_maxpool_avx512
#include "pool/maxpool-impl.h"
