/*
 * Packs one row of an im2col B panel: the values of ncur consecutive output
 * pixels for one tap, SC_VLEN at a time. The pixels run along output rows
 * (wo wide) from column ow0 of the first; rp[r] points at the value of
 * column 0 of the block's r-th output row. Pixel t goes to
 * dst[(t / nr) * panel_stride + t % nr]; lanes of the last panel past ncur
 * are zeroed, as the micro-kernel reads whole panels.
 *
 * A vector that crosses into the next output row is loaded from both rows
 * and blended, so reads reach up to SC_VLEN - 1 floats before a row's start
 * and past its end: the caller's rows lie in a slab with that much slack on
 * both sides. The values read there are blended away unused.
 *
 * nr must be a multiple of SC_VLEN. Included by pack-b-<isa>.c after
 * simd/<isa>.h with SC_PACK_B_FN defined.
 */
#include <string.h>

#include "internal.h"
#include "pack/pack-lanes.h"

#if SC_VLEN == 1
/* One lane per vector: copy runs (the part of an output row that falls in
   one panel row) with plain loops the compiler turns into block copies. */
void SC_PACK_B_FN(const float *const *rp, int64_t wo, int64_t ow0, int64_t ncur, int64_t nr,
                  int64_t panel_stride, float *dst)
{
    int64_t r = 0, ow = ow0, lane = 0, left = ncur;
    float *d = dst;
    while (left > 0) {
        int64_t seg = wo - ow < nr - lane ? wo - ow : nr - lane;
        if (seg > left)
            seg = left;
        const float *src = rp[r] + ow;
        if (seg == 8) /* a whole row of the scalar 4x8 kernel's panel: two moves */
            memcpy(d + lane, src, 8 * sizeof(float));
        else
            for (int64_t k = 0; k < seg; k++)
                d[lane + k] = src[k];
        left -= seg;
        if ((ow += seg) == wo) {
            ow = 0;
            r++;
        }
        if ((lane += seg) == nr) {
            lane = 0;
            d += panel_stride;
        }
    }
    for (; lane != 0 && lane < nr; lane++)
        d[lane] = 0.0f;
}
#else
void SC_PACK_B_FN(const float *const *rp, int64_t wo, int64_t ow0, int64_t ncur, int64_t nr,
                  int64_t panel_stride, float *dst)
{
    int64_t r = 0, ow = ow0, t = 0, lane_in_panel = 0;
    float *d = dst;
    for (; t < ncur; t += SC_VLEN) {
        sc_vf v = sc_vload(rp[r] + ow);
        /* lanes from `lane` on belong to the following rows */
        for (int64_t lane = wo - ow, rr = r + 1; lane < SC_VLEN && lane < ncur - t;
             lane += wo, rr++)
            v = sc_vblend(v, sc_vload(rp[rr] - lane), sc_pack_lanes_from(lane));
        if (ncur - t < SC_VLEN)
            v = sc_vblend(v, sc_vzero(), sc_pack_lanes_from(ncur - t));
        sc_vstore(d + lane_in_panel, v);
        if ((lane_in_panel += SC_VLEN) == nr) {
            lane_in_panel = 0;
            d += panel_stride;
        }
        ow += SC_VLEN;
        while (ow >= wo) {
            ow -= wo;
            r++;
        }
    }
    for (; lane_in_panel != 0 && lane_in_panel < nr; lane_in_panel += SC_VLEN)
        sc_vstore(d + lane_in_panel, sc_vzero());
}
#endif
