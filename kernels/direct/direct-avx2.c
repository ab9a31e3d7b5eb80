/* Direct convolution, avx2 build of direct-impl.h. */
#include "simd/avx2.h"

#define SC_DIRECT_FN sc_direct_avx2
#include "direct/direct-impl.h"
