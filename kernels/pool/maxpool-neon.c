/* Max pooling, neon build of maxpool-impl.h. */
#include "simd/neon.h"

#define SC_MAXPOOL_FN sc_maxpool_neon
#include "pool/maxpool-impl.h"
