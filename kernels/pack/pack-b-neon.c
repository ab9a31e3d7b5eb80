/* im2col B-row packing, neon build of pack-b-impl.h. */
#include "simd/neon.h"

#define SC_PACK_B_FN sc_pack_b_neon
#include "pack/pack-b-impl.h"
