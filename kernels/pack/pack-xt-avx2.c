/* Transposed im2col panel packing, avx2 build of pack-xt-impl.h. */
#include "simd/avx2.h"

#define SC_PACK_XT_FN sc_pack_xt_avx2
#include "pack/pack-xt-impl.h"
