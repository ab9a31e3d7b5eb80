/* Direct convolution, avx512 build of direct-impl.h. */
#include "simd/avx512.h"

#define SC_DIRECT_FN sc_direct_avx512
#include "direct/direct-impl.h"
