/*
 * Packs rows of a transposed im2col panel (conv-im2col-transposed.c): row kk
 * of an mr-pixel panel holds the panel's pixels' values for one reduction
 * index, read from src + koff[kk]. The pixels lie in runs, one per output
 * row the panel touches: run r is len[r] consecutive floats at off[r]. Runs
 * fill consecutive lanes; lanes past them (a plane's last, short panel) are
 * zero.
 *
 * Whole vectors are loaded and stored, so a run's copy reads up to
 * SC_VLEN - 1 floats past it and writes up to SC_VLEN - 1 past its lanes.
 * Each later run and row overwrites what the one before spilled; the caller
 * gives the source and the panel that much slack at their ends. Where a
 * panel row fits one vector, the runs after the first are loaded from
 * their lane's distance before their start and blended in, so reads also
 * reach up to SC_VLEN - 1 floats before a run: the source has slack before
 * its start as well.
 *
 * Included by pack-xt-<isa>.c after simd/<isa>.h with SC_PACK_XT_FN defined.
 */
#include "internal.h"
#include "pack/pack-lanes.h"

#if SC_VLEN > 1
/* A row of one vector from up to three runs: a load and a blend per run
   after the first (14-pixel rows put a 12-pixel panel on two rows). */
static inline __attribute__((always_inline)) void
sc_xt_rows_blend(const int NR, const float *src, const int64_t *koff, int64_t nk,
                 const int64_t *off, const int64_t *len, int64_t mr, float *dst)
{
    int64_t o[3] = {0, 0, 0}, lane = 0;
    sc_vmask m[3];
    for (int r = 0; r < NR; r++) {
        o[r] = off[r] - lane;
        m[r] = sc_pack_lanes_from(lane);
        lane += len[r];
    }
    const sc_vmask tail = sc_pack_lanes_from(lane);
    const int zero = lane < mr;
    for (int64_t kk = 0; kk < nk; kk++, dst += mr) {
        const float *s = src + koff[kk];
        sc_vf v = sc_vload(s + o[0]);
        if (NR > 1)
            v = sc_vblend(v, sc_vload(s + o[1]), m[1]);
        if (NR > 2)
            v = sc_vblend(v, sc_vload(s + o[2]), m[2]);
        if (zero)
            v = sc_vblend(v, sc_vzero(), tail);
        sc_vstore(dst, v);
    }
}
#endif

void SC_PACK_XT_FN(const float *src, const int64_t *koff, int64_t nk, const int64_t *off,
                   const int64_t *len, int64_t nruns, int64_t mr, float *dst)
{
    if (nruns == 1 && len[0] == mr) {
        /* the common panel: one run of a whole row of mr pixels */
        const float *s0 = src + off[0];
        for (int64_t kk = 0; kk < nk; kk++, dst += mr)
            for (int64_t i = 0; i < mr; i += SC_VLEN)
                sc_vstore(dst + i, sc_vload(s0 + koff[kk] + i));
        return;
    }
#if SC_VLEN > 1
    if (mr <= SC_VLEN && nruns <= 3) {
        if (nruns == 1)
            sc_xt_rows_blend(1, src, koff, nk, off, len, mr, dst);
        else if (nruns == 2)
            sc_xt_rows_blend(2, src, koff, nk, off, len, mr, dst);
        else
            sc_xt_rows_blend(3, src, koff, nk, off, len, mr, dst);
        return;
    }
#endif
    for (int64_t kk = 0; kk < nk; kk++, dst += mr) {
        const float *s = src + koff[kk];
        int64_t lane = 0;
        for (int64_t r = 0; r < nruns; r++) {
            for (int64_t i = 0; i < len[r]; i += SC_VLEN)
                sc_vstore(dst + lane + i, sc_vload(s + off[r] + i));
            lane += len[r];
        }
        for (; lane < mr; lane += SC_VLEN)
            sc_vstore(dst + lane, sc_vzero());
    }
}
