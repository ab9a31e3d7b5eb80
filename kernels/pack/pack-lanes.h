/*
 * A mask of lanes [l, SC_VLEN), for the packers that blend runs of pixels
 * from two places into one vector (pack-b-impl.h, pack-xt-impl.h). The
 * including file has included its kernels/simd/<isa>.h.
 */
#ifndef SC_PACK_LANES_H
#define SC_PACK_LANES_H

static inline sc_vmask sc_pack_lanes_from(int64_t l)
{
    static const float idx[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    return sc_vcmp_ge(sc_vload(idx), sc_vset1((float)l));
}

#endif
