/* im2col B-row packing, scalar build of pack-b-impl.h. */
#include "simd/scalar.h"

#define SC_PACK_B_FN sc_pack_b_scalar
#include "pack/pack-b-impl.h"
