/* Direct convolution, neon build of direct-impl.h. */
#include "simd/neon.h"

#define SC_DIRECT_FN sc_direct_neon
#include "direct/direct-impl.h"
