/* Max pooling, scalar build of maxpool-impl.h. */
#include "simd/scalar.h"

#define SC_MAXPOOL_FN sc_maxpool_scalar
#include "pool/maxpool-impl.h"
