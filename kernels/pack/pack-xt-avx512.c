/* Transposed im2col panel packing, avx512 build of pack-xt-impl.h. */
#include "simd/avx512.h"

#define SC_PACK_XT_FN sc_pack_xt_avx512
#include "pack/pack-xt-impl.h"
