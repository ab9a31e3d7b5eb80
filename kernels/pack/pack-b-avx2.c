/* im2col B-row packing, avx2 build of pack-b-impl.h. */
#include "simd/avx2.h"

#define SC_PACK_B_FN sc_pack_b_avx2
#include "pack/pack-b-impl.h"
