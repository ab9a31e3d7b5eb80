/* Depthwise convolution, channels in lanes, avx512 build of depthwise-impl.h. */
#include "simd/avx512.h"

#define SC_DEPTHWISE_FN sc_depthwise_avx512
#include "depthwise/depthwise-impl.h"
