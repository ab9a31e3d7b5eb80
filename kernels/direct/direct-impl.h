/*
 * Direct convolution with vector accumulators, for every shape the plan
 * accepts (any kernel size, stride, dilation, groups and padding mode); AUTO
 * gives it depthwise and other few-channel layers, where a GEMM has nothing
 * to block over.
 *
 * Each output element is one register lane summing its taps in the order
 * (ic, kh, kw), one fused multiply-add each, from its channel's bias (or
 * zero); blocks of two rows by 4 * SC_VLEN outputs share their tap loop and
 * are stored once.
 * When the executor passes scratch (the group's padded input fits in it),
 * the rows a call reads are padded once into it through the padding maps and
 * every column is interior. Otherwise the kernel reads the planes in place:
 * border columns (whose taps leave the row) sum the same order through the
 * maps with scalar fused multiply-adds, four outputs at a time. Which path a
 * column takes depends only on the geometry, so the result does not depend
 * on how the executor splits rows or channels over threads.
 *
 * Zero rows and padded zeros still contribute w * 0, as in PyTorch (a
 * non-finite weight over zero padding gives NaN, not a silent skip).
 *
 * Included by direct-<isa>.c after simd/<isa>.h with SC_DIRECT_FN defined;
 * the ISA's flags turn fmaf into its fused instruction.
 */
#include <math.h>
#include <string.h>

#include "internal.h"

/* sw1: 1 = stride 1, 2 = stride 2 (deinterleaving loads), 0 = any stride
   through lane loads. */
static inline __attribute__((always_inline)) sc_vf sc_direct_load(const float *s, const int sw1,
                                                                  int64_t sw, int64_t part)
{
    if (part > 0)
        return sw1 == 1 ? sc_vload_partial(s, part) : sc_vload_strided_partial(s, sw, part);
    return sw1 == 1 ? sc_vload(s) : sw1 == 2 ? sc_vload_even(s) : sc_vload_strided(s, sw);
}

/* Where a block reads its input: the group's planes through the padding maps
   (rows == NULL), or the padded rows [r0, ...) of every plane in scratch.
   At strides of 3 and more scratch rows are split into their column phases
   modulo the stride (toff set), so that every tap reads a contiguous run. */
typedef struct sc_direct_src {
    const float *base;   /* plane 0 */
    int64_t plane, ld;   /* floats between planes, between rows */
    int64_t col0;        /* subtracted from padded columns: pad_left, or 0 */
    int64_t r0;          /* first padded row held (scratch) */
    const int64_t *rows; /* padded row -> input row, -1 for zeros; NULL: scratch */
    const int64_t *toff; /* phase-split scratch: tap j at toff[j] from output 0's run */
} sc_direct_src;

/* The row of padded row r at column x, NULL for a zero row. */
static inline __attribute__((always_inline)) const float *
sc_direct_row(const sc_direct_src *in, const int mapped, const float *plane, int64_t r, int64_t x)
{
    if (!mapped)
        return plane + (r - in->r0) * in->ld + x;
    const int64_t s = in->rows[r];
    return s < 0 ? NULL : plane + s * in->ld + x;
}

/* acc += w * (row ? row[k * vs] : 0) for the vectors k < nvec of one row. */
#define SC_DIRECT_ROW_FMA(row, x0, x1, x2, x3)                                                  \
    do {                                                                                       \
        if (row) {                                                                             \
            const float *q_ = (row) + (phased ? in->toff[j] : j * dw);                         \
            x0 = sc_vfma(wv, sc_direct_load(q_, sw1, sw, mapped ? part : 0), x0);              \
            if (nvec > 1)                                                                      \
                x1 = sc_vfma(wv, sc_direct_load(q_ + vs, sw1, sw, 0), x1);                     \
            if (nvec > 2)                                                                      \
                x2 = sc_vfma(wv, sc_direct_load(q_ + 2 * vs, sw1, sw, 0), x2);                 \
            if (nvec > 3)                                                                      \
                x3 = sc_vfma(wv, sc_direct_load(q_ + 3 * vs, sw1, sw, 0), x3);                 \
        } else {                                                                               \
            x0 = sc_vfma(wv, sc_vzero(), x0);                                                  \
            if (nvec > 1)                                                                      \
                x1 = sc_vfma(wv, sc_vzero(), x1);                                              \
            if (nvec > 2)                                                                      \
                x2 = sc_vfma(wv, sc_vzero(), x2);                                              \
            if (nvec > 3)                                                                      \
                x3 = sc_vfma(wv, sc_vzero(), x3);                                              \
        }                                                                                      \
    } while (0)

#define SC_DIRECT_ROW_STORE(dst, x0, x1, x2, x3)                                                \
    do {                                                                                       \
        if (part > 0) {                                                                        \
            sc_vstore_partial(dst, x0, part);                                                  \
        } else {                                                                               \
            sc_vstore(dst, x0);                                                                \
            if (nvec > 1)                                                                      \
                sc_vstore((dst) + SC_VLEN, x1);                                                \
            if (nvec > 2)                                                                      \
                sc_vstore((dst) + 2 * SC_VLEN, x2);                                            \
            if (nvec > 3)                                                                      \
                sc_vstore((dst) + 3 * SC_VLEN, x3);                                            \
        }                                                                                      \
    } while (0)

/*
 * Interior columns [ow, ow + nvec*SC_VLEN) of output rows oh .. oh+nrow-1
 * (nrow = 1 or 2, nvec = 1..4, sw1 = stride 1: constants once inlined, so
 * the up to eight named accumulators stay in registers and the stride test
 * leaves the tap loop), or the first `part` lanes of one vector when
 * part > 0. A part vector reads whole vectors from scratch, whose slack
 * (SC_DIRECT_SLACK) keeps the unused lanes' reads inside it: lane by lane
 * loads cost several times the FMAs on a 7-wide strided row. Only the
 * part lanes are stored. Two rows and four vectors give eight independent
 * chains: enough to hide the fused multiply-add latency, as every chain
 * waits on its own previous tap.
 */
static inline __attribute__((always_inline)) void
sc_direct_block(const sc_conv_geom *g, const sc_direct_src *in, const int mapped,
                const int phased, const float *w_oc, float b, int64_t oh, int64_t ow,
                const int nrow, const int nvec, const int sw1, int64_t part, float *orow,
                int64_t wo)
{
    /* Phase-split rows: outputs one float apart, taps at toff. */
    const int64_t kh = g->kh, kw = g->kw, sw = phased ? 1 : g->sw, dw = g->dw;
    const int64_t x0 = ow * sw - in->col0; /* column of tap 0 of output ow */
    const int64_t vs = SC_VLEN * sw;      /* input floats between vectors */
    const sc_vf bv = sc_vset1(b);
    sc_vf a00 = bv, a01 = bv, a02 = bv, a03 = bv;
    sc_vf a10 = bv, a11 = bv, a12 = bv, a13 = bv;
    for (int64_t ic = 0; ic < g->cin_g; ic++) {
        const float *plane = in->base + ic * in->plane;
        for (int64_t i = 0; i < kh; i++) {
            const float *src0 = sc_direct_row(in, mapped, plane, oh * g->sh + i * g->dh, x0);
            const float *src1 = NULL;
            if (nrow > 1)
                src1 = sc_direct_row(in, mapped, plane, (oh + 1) * g->sh + i * g->dh, x0);
            const float *wk = w_oc + (ic * kh + i) * kw;
            for (int64_t j = 0; j < kw; j++) {
                const sc_vf wv = sc_vset1(wk[j]);
                SC_DIRECT_ROW_FMA(src0, a00, a01, a02, a03);
                if (nrow > 1)
                    SC_DIRECT_ROW_FMA(src1, a10, a11, a12, a13);
            }
        }
    }
    SC_DIRECT_ROW_STORE(orow + ow, a00, a01, a02, a03);
    if (nrow > 1)
        SC_DIRECT_ROW_STORE(orow + wo + ow, a10, a11, a12, a13);
}

/* Four border outputs (oh[k], ow[k]) through the padding maps, in the same
   tap order with scalar fused multiply-adds: four independent chains, as
   one chain of kh*kw*cin_g dependent operations would leave the core idle. */
static void sc_direct_border4(const sc_conv_geom *g, const float *in_g, const float *w_oc,
                              float b, const int64_t oh[4], const int64_t ow[4],
                              float *const dst[4])
{
    const int64_t kh = g->kh, kw = g->kw, h = g->h, w = g->w;
    float a0 = b, a1 = b, a2 = b, a3 = b;
    for (int64_t ic = 0; ic < g->cin_g; ic++) {
        const float *plane = in_g + ic * h * w;
        for (int64_t i = 0; i < kh; i++) {
            const int64_t r0 = g->row_src[oh[0] * g->sh + i * g->dh];
            const int64_t r1 = g->row_src[oh[1] * g->sh + i * g->dh];
            const int64_t r2 = g->row_src[oh[2] * g->sh + i * g->dh];
            const int64_t r3 = g->row_src[oh[3] * g->sh + i * g->dh];
            const float *wk = w_oc + (ic * kh + i) * kw;
            for (int64_t j = 0; j < kw; j++) {
                const int64_t c0 = g->col_src[ow[0] * g->sw + j * g->dw];
                const int64_t c1 = g->col_src[ow[1] * g->sw + j * g->dw];
                const int64_t c2 = g->col_src[ow[2] * g->sw + j * g->dw];
                const int64_t c3 = g->col_src[ow[3] * g->sw + j * g->dw];
                a0 = fmaf(wk[j], r0 < 0 || c0 < 0 ? 0.0f : plane[r0 * w + c0], a0);
                a1 = fmaf(wk[j], r1 < 0 || c1 < 0 ? 0.0f : plane[r1 * w + c1], a1);
                a2 = fmaf(wk[j], r2 < 0 || c2 < 0 ? 0.0f : plane[r2 * w + c2], a2);
                a3 = fmaf(wk[j], r3 < 0 || c3 < 0 ? 0.0f : plane[r3 * w + c3], a3);
            }
        }
    }
    *dst[0] = a0;
    *dst[1] = a1;
    *dst[2] = a2;
    *dst[3] = a3;
}

/* The border columns ([0, lo) and [hi, wo)) of rows oh .. oh+nrow-1, four
   at a time; a short last group repeats its final output. */
static void sc_direct_borders(const sc_conv_geom *g, const float *in_g, const float *w_oc,
                              float b, int64_t oh, int nrow, int64_t lo, int64_t hi, float *orow)
{
    int64_t bh[4], bw[4];
    float *bd[4];
    int n = 0;
    for (int r = 0; r < nrow; r++)
        for (int64_t ow = 0; ow < g->wo; ow = ow + 1 == lo ? hi : ow + 1) {
            if (ow == lo && lo < hi) { /* lo == 0: no left border */
                ow = hi - 1;
                continue;
            }
            bh[n] = oh + r;
            bw[n] = ow;
            bd[n] = orow + r * g->wo + ow;
            if (++n == 4) {
                sc_direct_border4(g, in_g, w_oc, b, bh, bw, bd);
                n = 0;
            }
        }
    if (n > 0) {
        for (int k = n; k < 4; k++) {
            bh[k] = bh[n - 1];
            bw[k] = bw[n - 1];
            bd[k] = bd[n - 1];
        }
        sc_direct_border4(g, in_g, w_oc, b, bh, bw, bd);
    }
}

/* The interior of rows oh .. oh+nrow-1: blocks of four vectors, the last
   one moved back to end at hi, overlapping its neighbour (the overlapped
   outputs are computed identically twice), so that no row has a short,
   latency-bound block unless the whole interior is short. */
static inline __attribute__((always_inline)) void
sc_direct_rows(const sc_conv_geom *g, const sc_direct_src *in_g, const int mapped,
               const int phased, const float *w_oc, float b, int64_t oh,
               const int nrow, const int sw1, int64_t lo, int64_t hi, float *orow)
{
    const int64_t width = hi - lo, wo = g->wo;
    if (width >= 4 * SC_VLEN) {
        for (int64_t ow = lo; ow < hi; ow += 4 * SC_VLEN) {
            const int64_t o = ow < hi - 4 * SC_VLEN ? ow : hi - 4 * SC_VLEN;
            sc_direct_block(g, in_g, mapped, phased, w_oc, b, oh, o, nrow, 4, sw1, 0, orow, wo);
        }
    } else if (width >= 2 * SC_VLEN) {
        sc_direct_block(g, in_g, mapped, phased, w_oc, b, oh, lo, nrow, 2, sw1, 0, orow, wo);
        sc_direct_block(g, in_g, mapped, phased, w_oc, b, oh, hi - 2 * SC_VLEN, nrow, 2, sw1, 0,
                        orow, wo);
    } else if (width >= SC_VLEN) {
        sc_direct_block(g, in_g, mapped, phased, w_oc, b, oh, lo, nrow, 1, sw1, 0, orow, wo);
        sc_direct_block(g, in_g, mapped, phased, w_oc, b, oh, hi - SC_VLEN, nrow, 1, sw1, 0, orow,
                        wo);
    } else if (width > 0) {
        sc_direct_block(g, in_g, mapped, phased, w_oc, b, oh, lo, nrow, 1, sw1, width, orow, wo);
    }
}

/* sc_direct_rows with the stride kind and row count as constants. */
static inline __attribute__((always_inline)) void
sc_direct_rows_any(const sc_conv_geom *g, const sc_direct_src *in, const int mapped,
                   const float *w_oc, float b, int64_t oh, int nrow, int64_t lo, int64_t hi,
                   float *orow)
{
    if (g->sw == 1) {
        if (nrow == 2)
            sc_direct_rows(g, in, mapped, 0, w_oc, b, oh, 2, 1, lo, hi, orow);
        else
            sc_direct_rows(g, in, mapped, 0, w_oc, b, oh, 1, 1, lo, hi, orow);
    } else if (g->sw == 2) {
        if (nrow == 2)
            sc_direct_rows(g, in, mapped, 0, w_oc, b, oh, 2, 2, lo, hi, orow);
        else
            sc_direct_rows(g, in, mapped, 0, w_oc, b, oh, 1, 2, lo, hi, orow);
    } else {
        if (nrow == 2)
            sc_direct_rows(g, in, mapped, 0, w_oc, b, oh, 2, 0, lo, hi, orow);
        else
            sc_direct_rows(g, in, mapped, 0, w_oc, b, oh, 1, 0, lo, hi, orow);
    }
}

/* acc += w * the vectors at q (and q + vs when NV is 2). */
#define SC_DW3_TAP(wv, q, x0, x1)                                                               \
    do {                                                                                       \
        x0 = sc_vfma(wv, sc_direct_load(q, sw1, sw, 0), x0);                                   \
        if (NV > 1)                                                                            \
            x1 = sc_vfma(wv, sc_direct_load((q) + vs, sw1, sw, 0), x1);                        \
    } while (0)
#define SC_DW3_ROW(i, wa, wb, wc)                                                               \
    do {                                                                                       \
        const float *q0 = p0[i] + x, *q1 = p1[i] + x;                                          \
        SC_DW3_TAP(wa, q0, a00, a01);                                                          \
        SC_DW3_TAP(wb, q0 + dw, a00, a01);                                                     \
        SC_DW3_TAP(wc, q0 + 2 * dw, a00, a01);                                                 \
        if (nrow > 1) {                                                                        \
            SC_DW3_TAP(wa, q1, a10, a11);                                                      \
            SC_DW3_TAP(wb, q1 + dw, a10, a11);                                                 \
            SC_DW3_TAP(wc, q1 + 2 * dw, a10, a11);                                             \
        }                                                                                      \
    } while (0)

/*
 * Depthwise 3x3 (cin_g 1) from padded rows in scratch, stride 1 or 2 (sw1),
 * rows oh .. oh+nrow-1, NV vectors a block (wo >= NV * SC_VLEN; the last
 * block moves back to end at wo). The nine weights stay in registers for
 * the whole row, beside four accumulators: the general block, which
 * reloads a weight per tap and loops over taps, spends about eight
 * instructions per FMA on such layers (callgrind). Taps are summed in the
 * general block's order, (kh, kw) from the bias, so the bits are its bits.
 */
static inline __attribute__((always_inline)) void
sc_direct_dw3_rows(const sc_conv_geom *g, const sc_direct_src *in, const float *w9, float b,
                   int64_t oh, const int nrow, const int sw1, const int NV, float *orow)
{
    const int64_t wo = g->wo, sw = g->sw, dw = g->dw, vs = SC_VLEN * sw;
    const sc_vf w0 = sc_vset1(w9[0]), w1 = sc_vset1(w9[1]), w2 = sc_vset1(w9[2]);
    const sc_vf w3 = sc_vset1(w9[3]), w4 = sc_vset1(w9[4]), w5 = sc_vset1(w9[5]);
    const sc_vf w6 = sc_vset1(w9[6]), w7 = sc_vset1(w9[7]), w8 = sc_vset1(w9[8]);
    const sc_vf bv = sc_vset1(b);
    const float *p0[3], *p1[3];
    for (int i = 0; i < 3; i++) {
        p0[i] = sc_direct_row(in, 0, in->base, oh * g->sh + i * g->dh, 0);
        p1[i] = nrow > 1 ? sc_direct_row(in, 0, in->base, (oh + 1) * g->sh + i * g->dh, 0)
                         : p0[i];
    }
    for (int64_t ow = 0; ow < wo; ow += NV * SC_VLEN) {
        const int64_t o = ow < wo - NV * SC_VLEN ? ow : wo - NV * SC_VLEN;
        const int64_t x = o * sw;
        sc_vf a00 = bv, a01 = bv, a10 = bv, a11 = bv;
        SC_DW3_ROW(0, w0, w1, w2);
        SC_DW3_ROW(1, w3, w4, w5);
        SC_DW3_ROW(2, w6, w7, w8);
        sc_vstore(orow + o, a00);
        if (NV > 1)
            sc_vstore(orow + o + SC_VLEN, a01);
        if (nrow > 1) {
            sc_vstore(orow + wo + o, a10);
            if (NV > 1)
                sc_vstore(orow + wo + o + SC_VLEN, a11);
        }
    }
}

#undef SC_DW3_ROW
#undef SC_DW3_TAP

/* sc_direct_dw3_rows with the stride kind, row count and block width as
   constants. */
static void sc_direct_dw3_any(const sc_conv_geom *g, const sc_direct_src *in, const float *w9,
                              float b, int64_t oh, int nrow, float *orow)
{
#define SC_DW3(S, NV)                                                                           \
    do {                                                                                       \
        if (nrow == 2)                                                                         \
            sc_direct_dw3_rows(g, in, w9, b, oh, 2, S, NV, orow);                              \
        else                                                                                   \
            sc_direct_dw3_rows(g, in, w9, b, oh, 1, S, NV, orow);                              \
    } while (0)
    const int wide = g->wo >= 2 * SC_VLEN;
    if (g->sw == 1 && wide)
        SC_DW3(1, 2);
    else if (g->sw == 1)
        SC_DW3(1, 1);
    else if (wide)
        SC_DW3(2, 2);
    else
        SC_DW3(2, 1);
#undef SC_DW3
}

/*
 * 1x1 stride-1 unpadded layers: output pixel p reads input pixel p of each
 * plane, so the rows [oh0, oh1) of a plane are one flat run of n pixels and
 * a call needs no row structure at all. Four vectors a step, each lane
 * summing bias then ic ascending with one fused multiply-add: the general
 * block's order, so the same bits. On few channels the general block's per-
 * row and per-block set-up had cost more than the sum itself (1 channel at
 * 227x227: 23 instructions per output vector, callgrind).
 */
static void sc_direct_pointwise(const float *x, int64_t plane, int64_t cin_g, const float *w_oc,
                                float b, int64_t n, float *y)
{
    const sc_vf bv = sc_vset1(b);
    int64_t p = 0;
    for (; p + 4 * SC_VLEN <= n; p += 4 * SC_VLEN) {
        sc_vf a0 = bv, a1 = bv, a2 = bv, a3 = bv;
        const float *q = x + p;
        for (int64_t ic = 0; ic < cin_g; ic++, q += plane) {
            const sc_vf wv = sc_vset1(w_oc[ic]);
            a0 = sc_vfma(wv, sc_vload(q), a0);
            a1 = sc_vfma(wv, sc_vload(q + SC_VLEN), a1);
            a2 = sc_vfma(wv, sc_vload(q + 2 * SC_VLEN), a2);
            a3 = sc_vfma(wv, sc_vload(q + 3 * SC_VLEN), a3);
        }
        sc_vstore(y + p, a0);
        sc_vstore(y + p + SC_VLEN, a1);
        sc_vstore(y + p + 2 * SC_VLEN, a2);
        sc_vstore(y + p + 3 * SC_VLEN, a3);
    }
    for (; p < n; p += SC_VLEN) {
        const int64_t part = n - p < SC_VLEN ? n - p : SC_VLEN;
        sc_vf a = bv;
        const float *q = x + p;
        for (int64_t ic = 0; ic < cin_g; ic++, q += plane) {
            const sc_vf v = part < SC_VLEN ? sc_vload_partial(q, part) : sc_vload(q);
            a = sc_vfma(sc_vset1(w_oc[ic]), v, a);
        }
        if (part < SC_VLEN)
            sc_vstore_partial(y + p, a, part);
        else
            sc_vstore(y + p, a);
    }
}

/* Copies padded rows [r0, r1) of the group's cin_g planes into scratch
   (plane after plane, ld floats a row: the padded row, or its nph column
   phases of wq floats each), through the padding maps once per input
   element, and zeroes the slack after them (read by the unused lanes of
   part vectors, so they hold finite values). */
static void sc_direct_pad(const sc_conv_geom *g, const float *in_g, int64_t r0, int64_t r1,
                          float *scratch)
{
    const int64_t nph = SC_DIRECT_PHASES(g), wq = SC_DIRECT_WQ(g), ld = nph * wq;
    for (int64_t ic = 0; ic < g->cin_g; ic++) {
        const float *plane = in_g + ic * g->h * g->w;
        for (int64_t r = r0; r < r1; r++) {
            const int64_t rs = g->row_src[r];
            float *dst = scratch + (ic * (r1 - r0) + r - r0) * ld;
            for (int64_t f = 0; f < nph; f++)
                sc_padded_row(g, rs < 0 ? NULL : plane + rs * g->w, f, nph, wq, dst + f * wq);
        }
    }
    memset(scratch + g->cin_g * (r1 - r0) * ld, 0, (size_t)SC_DIRECT_SLACK(g) * sizeof(float));
}

void SC_DIRECT_FN(const sc_conv_geom *g, const float *in, const float *weight, const float *bias,
                  const int64_t *tap_off, float *out, int64_t oc0, int64_t oc1, int64_t oh0,
                  int64_t oh1, float *scratch)
{
    const int64_t cin_g = g->cin_g, wo = g->wo;
    const int64_t ksize = cin_g * g->kh * g->kw;
    const int64_t grp = oc0 / g->cout_g; /* the executor keeps a call within one group */
    const float *in_g = in + grp * cin_g * g->h * g->w;
    sc_direct_src src = {in_g, g->h * g->w, g->w, g->pad_left, 0, g->row_src, NULL};
    /* Interior columns read their taps in place; lane loads of a strided
       row need the stride to fit the ISA's gather offsets. */
    int64_t lo = g->ow_lo, hi = g->ow_hi > g->ow_lo ? g->ow_hi : g->ow_lo;
    if (!sc_vstride_ok(g->sw))
        lo = hi = 0;
    if (scratch && sc_vstride_ok(g->sw) && (lo > 0 || hi < wo || g->sw >= 3)) {
        /* Pad the rows these outputs read once, so that every column is
           interior and the borders cost what the middle does; at strides of
           3 and more also split them into column phases, so that loads are
           contiguous instead of lane by lane. (Without border columns, at
           stride 1 or 2, the planes are read in place.) */
        const int64_t r0 = oh0 * g->sh, r1 = (oh1 - 1) * g->sh + (g->kh - 1) * g->dh + 1;
        const int64_t ld = SC_DIRECT_PHASES(g) * SC_DIRECT_WQ(g);
        sc_direct_pad(g, in_g, r0, r1, scratch);
        src = (sc_direct_src){scratch, (r1 - r0) * ld, ld, 0, r0, NULL,
                              SC_DIRECT_PHASES(g) > 1 ? tap_off : NULL};
        lo = 0;
        hi = wo;
    }
    if (sc_conv_pointwise(g)) {
        for (int64_t oc = oc0; oc < oc1; oc++)
            sc_direct_pointwise(in_g + oh0 * wo, g->h * g->w, cin_g, weight + oc * ksize,
                                bias ? bias[oc] : 0.0f, (oh1 - oh0) * wo,
                                out + (oc * g->ho + oh0) * wo);
        return;
    }
    /* Depthwise 3x3 layers, from scratch: their own row loop. */
    const int dw3 = !src.rows && cin_g == 1 && g->kh == 3 && g->kw == 3 &&
                    (g->sw == 1 || g->sw == 2) && wo >= SC_VLEN;
    for (int64_t oc = oc0; oc < oc1; oc++) {
        const float *w_oc = weight + oc * ksize;
        const float b = bias ? bias[oc] : 0.0f;
        for (int64_t oh = oh0; oh < oh1;) {
            float *orow = out + (oc * g->ho + oh) * wo;
            /* Rows in pairs where two remain: each row's sums are the same
               whichever pairing the executor's row split gives. */
            const int nrow = oh + 1 < oh1 ? 2 : 1;
            if (dw3) {
                sc_direct_dw3_any(g, &src, w_oc, b, oh, nrow, orow);
                oh += nrow;
                continue;
            }
            if (lo > 0 || hi < wo)
                sc_direct_borders(g, in_g, w_oc, b, oh, nrow, lo, hi, orow);
            if (src.rows)
                sc_direct_rows_any(g, &src, 1, w_oc, b, oh, nrow, lo, hi, orow);
            else if (src.toff && nrow == 2)
                sc_direct_rows(g, &src, 0, 1, w_oc, b, oh, 2, 1, lo, hi, orow);
            else if (src.toff)
                sc_direct_rows(g, &src, 0, 1, w_oc, b, oh, 1, 1, lo, hi, orow);
            else
                sc_direct_rows_any(g, &src, 0, w_oc, b, oh, nrow, lo, hi, orow);
            oh += nrow;
        }
    }
}
