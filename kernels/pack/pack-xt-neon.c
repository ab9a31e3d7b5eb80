/* Transposed im2col panel packing, neon build of pack-xt-impl.h. */
#include "simd/neon.h"

#define SC_PACK_XT_FN sc_pack_xt_neon
#include "pack/pack-xt-impl.h"
