/* im2col B-row packing, avx512 build of pack-b-impl.h. */
#include "simd/avx512.h"

#define SC_PACK_B_FN sc_pack_b_avx512
#include "pack/pack-b-impl.h"
