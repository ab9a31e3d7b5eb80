/* Depthwise convolution, channels in lanes, avx2 build of depthwise-impl.h. */
#include "simd/avx2.h"

#define SC_DEPTHWISE_FN sc_depthwise_avx2
#include "depthwise/depthwise-impl.h"
