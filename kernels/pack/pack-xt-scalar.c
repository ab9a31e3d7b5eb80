/* Transposed im2col panel packing, scalar build of pack-xt-impl.h. */
#include "simd/scalar.h"

#define SC_PACK_XT_FN sc_pack_xt_scalar
#include "pack/pack-xt-impl.h"
