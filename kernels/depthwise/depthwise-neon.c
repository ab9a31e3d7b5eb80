/* Depthwise convolution, channels in lanes, neon build of depthwise-impl.h. */
#include "simd/neon.h"

#define SC_DEPTHWISE_FN sc_depthwise_neon
#include "depthwise/depthwise-impl.h"
