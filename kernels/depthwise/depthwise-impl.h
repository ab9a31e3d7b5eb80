/*
 * Depthwise convolution (one input and one output channel per group) with
 * SC_VLEN channels in the lanes of a vector: every output pixel is one
 * vector of accumulators, every tap one fused multiply-add of a packed
 * weight vector by the input pixel vector. Narrow or strided planes, where
 * a plane-at-a-time kernel wastes lanes on row ends and shuffles on strided
 * loads, cost the same per output as wide ones.
 *
 * The call transposes the rows its outputs read, SC_VLEN columns of SC_VLEN
 * channels at a time, into pixel-major rows of channel vectors in scratch,
 * padding them through the column and row maps (any padding mode); its
 * output rows are transposed back into the NCHW planes. Each output sums its taps in
 * (kh, kw) order from its channel's bias with one fused multiply-add each,
 * the plane kernel's (direct-impl.h) order, so the two give the same bits
 * and the executor's split over rows and channels changes nothing.
 *
 * Included by depthwise-<isa>.c after simd/<isa>.h with SC_DEPTHWISE_FN
 * defined.
 */
#include <string.h>

#include "internal.h"

/*
 * Output pixels ow .. ow+P-1 of window rows oh, oh+1 (nrow of them), from
 * window rows starting at q (one window row: ldw floats), into stage (one
 * stage row: lds floats). P and nrow are constants once inlined: up to eight
 * named accumulators, enough independent chains to hide the FMA latency.
 */
#define SC_DW_FMA(k, x, p)                                                                      \
    if (P > k)                                                                                 \
    x = sc_vfma(wv, sc_vload((p) + (k) * sv), x)
static inline __attribute__((always_inline)) void
sc_dw_block(const sc_conv_geom *g, const float *q, int64_t ldw, const float *wp, sc_vf bv,
            const int nrow, const int P, float *stage, int64_t lds)
{
    const int64_t kh = g->kh, kw = g->kw, dh = g->dh * ldw, dw = g->dw * SC_VLEN;
    const int64_t sv = g->sw * SC_VLEN, r2 = g->sh * ldw;
    sc_vf a0 = bv, a1 = bv, a2 = bv, a3 = bv, b0 = bv, b1 = bv, b2 = bv, b3 = bv;
    for (int64_t i = 0; i < kh; i++) {
        const float *row = q + i * dh;
        for (int64_t j = 0; j < kw; j++) {
            const sc_vf wv = sc_vload(wp + (i * kw + j) * SC_VLEN);
            const float *p0 = row + j * dw, *p1 = p0 + r2;
            SC_DW_FMA(0, a0, p0);
            SC_DW_FMA(1, a1, p0);
            SC_DW_FMA(2, a2, p0);
            SC_DW_FMA(3, a3, p0);
            if (nrow > 1) {
                SC_DW_FMA(0, b0, p1);
                SC_DW_FMA(1, b1, p1);
                SC_DW_FMA(2, b2, p1);
                SC_DW_FMA(3, b3, p1);
            }
        }
    }
    sc_vstore(stage, a0);
    if (P > 1)
        sc_vstore(stage + SC_VLEN, a1);
    if (P > 2)
        sc_vstore(stage + 2 * SC_VLEN, a2);
    if (P > 3)
        sc_vstore(stage + 3 * SC_VLEN, a3);
    if (nrow > 1) {
        sc_vstore(stage + lds, b0);
        if (P > 1)
            sc_vstore(stage + lds + SC_VLEN, b1);
        if (P > 2)
            sc_vstore(stage + lds + 2 * SC_VLEN, b2);
        if (P > 3)
            sc_vstore(stage + lds + 3 * SC_VLEN, b3);
    }
}
#undef SC_DW_FMA

/* One or two output rows: blocks of four pixels, the last moved back to end
   at wo (its overlapped pixels are computed identically twice); rows under
   four pixels run one block of their width. */
static inline __attribute__((always_inline)) void
sc_dw_rows(const sc_conv_geom *g, const float *q, int64_t ldw, const float *wp, sc_vf bv,
           const int nrow, float *stage, int64_t lds)
{
    const int64_t wo = g->wo, sv = g->sw * SC_VLEN;
    if (wo >= 4) {
        for (int64_t ow = 0; ow < wo; ow += 4) {
            const int64_t o = ow < wo - 4 ? ow : wo - 4;
            sc_dw_block(g, q + o * sv, ldw, wp, bv, nrow, 4, stage + o * SC_VLEN, lds);
        }
    } else if (wo == 3) {
        sc_dw_block(g, q, ldw, wp, bv, nrow, 3, stage, lds);
    } else if (wo == 2) {
        sc_dw_block(g, q, ldw, wp, bv, nrow, 2, stage, lds);
    } else {
        sc_dw_block(g, q, ldw, wp, bv, nrow, 1, stage, lds);
    }
}

/* npx pixels of the stage (pixel-major channel vectors, output rows back
   to back) into channels c0 .. c0+nc-1 from pixel f0 of their planes. A
   channel's output rows are one contiguous run of its plane, so blocks of
   SC_VLEN pixels cross row ends and only a run's last block is partial (the
   caller passes whole blocks until the last rows): on 7-wide rows a partial
   store per row had cost as much as the taps. Reads up to SC_VLEN pixels
   past npx, never stored. */
static void sc_dw_unstage(const sc_conv_geom *g, const float *stage, int64_t npx, float *out,
                          int64_t c0, int64_t nc, int64_t f0)
{
    const int64_t plane = g->ho * g->wo;
    float *base = out + c0 * plane + f0;
    for (int64_t f = 0; f < npx; f += SC_VLEN) {
        sc_vf v[SC_VLEN];
        for (int k = 0; k < SC_VLEN; k++)
            v[k] = sc_vload(stage + (f + k) * SC_VLEN);
        sc_vtranspose(v);
        const int64_t n = npx - f < SC_VLEN ? npx - f : SC_VLEN;
        for (int64_t c = 0; c < nc; c++) {
            if (n == SC_VLEN)
                sc_vstore(base + c * plane + f, v[c]);
            else
                sc_vstore_partial(base + c * plane + f, v[c], n);
        }
    }
}

/*
 * One padded row (input row rs, -1 for zeros) of channels c0 .. c0+nc-1 as
 * pixel-major channel vectors, padded columns [0, wq); lanes past nc and
 * columns past need hold zeros. The input row is loaded straight from the
 * planes in blocks of SC_VLEN columns (the last one a partial load, rows of
 * channels past nc as zeros) and transposed; each padded border column is
 * then a copy of the interior column the map names, vector by vector. (The
 * map per value cost most of the time on 7x7 and 14x14 planes; assembling
 * border blocks per channel with partial stores ran 1.2-2.6x slower on
 * Zen 3: masked stores, and loads that cannot be forwarded from them.)
 */
static void sc_dw_window_row(const sc_conv_geom *g, const float *in, int64_t c0, int64_t nc,
                             int64_t rs, int64_t need, float *dst)
{
    const int64_t wq = SC_DEPTHWISE_WQ(g), w = g->w, plane = g->h * w, left = g->pad_left;
    if (rs < 0) {
        memset(dst, 0, (size_t)(wq * SC_VLEN) * sizeof(float));
        return;
    }
    const float *src = in + c0 * plane + rs * w;
    /* interior: input column col at padded column left + col, kept below need */
    for (int64_t col = 0; col < w && left + col < need; col += SC_VLEN) {
        const int64_t n = w - col < SC_VLEN ? w - col : SC_VLEN;
        sc_vf v[SC_VLEN];
        for (int k = 0; k < SC_VLEN; k++)
            v[k] = k >= nc           ? sc_vzero()
                   : n == SC_VLEN ? sc_vload(src + k * plane + col)
                                  : sc_vload_partial(src + k * plane + col, n);
        sc_vtranspose(v);
        for (int64_t k = 0; k < n && left + col + k < need; k++)
            sc_vstore(dst + (left + col + k) * SC_VLEN, v[k]);
    }
    /* borders, from the interior columns just stored */
    for (int64_t x = 0; x < need; x++) {
        if (x == left) {
            x = left + w - 1; /* skip the interior */
            continue;
        }
        const int64_t cs = g->col_src[x];
        if (cs < 0) {
            sc_vstore(dst + x * SC_VLEN, sc_vzero());
        } else if (left + cs < need) {
            sc_vstore(dst + x * SC_VLEN, sc_vload(dst + (left + cs) * SC_VLEN));
        } else { /* a column only the padding reads (circular, strided) */
            for (int64_t c = 0; c < SC_VLEN; c++)
                dst[x * SC_VLEN + c] = c < nc ? src[c * plane + cs] : 0.0f;
        }
    }
    for (int64_t x = need; x < wq; x++)
        sc_vstore(dst + x * SC_VLEN, sc_vzero());
}

void SC_DEPTHWISE_FN(const sc_conv_geom *g, const float *in, const float *wp, const float *bias,
                     float *out, int64_t c0, int64_t oh0, int64_t oh1, float *scratch)
{
    const int64_t nc = g->cout - c0 < SC_VLEN ? g->cout - c0 : SC_VLEN;
    const int64_t ldw = SC_DEPTHWISE_WQ(g) * SC_VLEN;
    const int64_t need = (g->wo - 1) * g->sw + (g->kw - 1) * g->dw + 1;
    const int64_t r0 = oh0 * g->sh, r1 = (oh1 - 1) * g->sh + (g->kh - 1) * g->dh + 1;
    float *win = scratch;
    /* The stage: pixels carried over (under a block), two output rows, and
       the slack the last block's transpose reads, zeroed once so that it
       always holds finite values. */
    float *stage = win + (r1 - r0) * ldw;
    const int64_t lds = g->wo * SC_VLEN;
    memset(stage, 0, (size_t)((2 * g->wo + 2 * SC_VLEN) * SC_VLEN) * sizeof(float));

    for (int64_t r = r0; r < r1; r++)
        sc_dw_window_row(g, in, c0, nc, g->row_src[r], need, win + (r - r0) * ldw);

    const sc_vf bv = bias ? sc_vload_partial(bias + c0, nc) : sc_vzero();
    int64_t carry = 0, f0 = oh0 * g->wo;
    for (int64_t oh = oh0; oh < oh1;) {
        /* Rows in pairs where two remain: a row's sums do not depend on its
           pairing. */
        const int nrow = oh + 1 < oh1 ? 2 : 1;
        const float *q = win + (oh - oh0) * g->sh * ldw;
        float *st = stage + carry * SC_VLEN;
        if (nrow == 2)
            sc_dw_rows(g, q, ldw, wp, bv, 2, st, lds);
        else
            sc_dw_rows(g, q, ldw, wp, bv, 1, st, lds);
        oh += nrow;
        /* Whole blocks while rows remain, everything after the last rows;
           the rest moves to the front for the next rows. */
        const int64_t avail = carry + nrow * g->wo;
        const int64_t take = oh < oh1 ? avail / SC_VLEN * SC_VLEN : avail;
        sc_dw_unstage(g, stage, take, out, c0, nc, f0);
        carry = avail - take;
        memmove(stage, stage + take * SC_VLEN, (size_t)(carry * SC_VLEN) * sizeof(float));
        f0 += take;
    }
}
