/*
 * Average pooling of output rows [oh0, oh1) of one plane, written once over
 * the SIMD wrappers. The including file has included its kernels/simd/<isa>.h
 * and defined SC_AVGPOOL_FN to the kernel's name.
 *
 * Semantics are PyTorch's CPU kernel: the window [h0, h0+kh) is cut at
 * H + pad (so the ceil_mode overhang beyond the padding never counts), its
 * area is the count_include_pad divisor; clamped to the input it gives the
 * taps summed (row-major, from 0) and the other divisor; divisor_override,
 * when nonzero, replaces both. The result is sum / divisor, a true division.
 *
 * Pooling is separable: for a block of output rows, each row's window rows
 * are first summed per input column (vectors along the row, zeros for the
 * padding columns), then each output adds its kw column sums (vectors over
 * output columns) and divides by the row count times its column count. No
 * output needs a scalar border path. Against the row-major sum of every tap
 * (which this kernel had, bordered by scalar edges), a 3x3/1 pool with
 * padding 1 on 35x35, 192 channels, went from 0.307 to 0.134 ms (AVX2, 1
 * thread). The order of the additions differs from PyTorch's row-major one;
 * the error bound, gamma(taps) * sum|x| / divisor, is the same.
 *
 * A window that spans whole input rows with a single output per row
 * (global pooling) is summed along its contiguous run (sc_avgpool_run), in
 * an order fixed by the geometry; SC_AVGPOOL_GLOBAL_FN does so for many
 * whole planes in one call. Windows too wide for the column sums'
 * buffer, or too large for an exact float divisor, go one output at a time
 * through sc_avgpool_edge.
 */
#if !defined(SC_AVGPOOL_FN) || !defined(SC_AVGPOOL_GLOBAL_FN)
#error "define SC_AVGPOOL_FN, SC_AVGPOOL_GLOBAL_FN and include a kernels/simd/<isa>.h first"
#endif
#ifndef SC_VLEN
#error "include a kernels/simd/<isa>.h before avgpool-impl.h"
#endif

#include <stdint.h>

#include "internal.h"
#include "pool/pool-blocks.h"

/* Outputs [o0, o1) of row oh one at a time, as PyTorch sums them: the
   taps inside the input row-major from +0, then the division. Serves only
   what the column sums cannot (see the top of this file). */
static void sc_avgpool_edge(const sc_pool_geom *g, const float *in, int64_t oh, int64_t o0,
                            int64_t o1, float *orow)
{
    if (o0 >= o1)
        return;
    const int64_t w = g->w, h0 = oh * g->sh - g->ph;
    const int64_t h1 = h0 + g->kh < g->h + g->ph ? h0 + g->kh : g->h + g->ph;
    const int64_t r0 = h0 > 0 ? h0 : 0, r1 = h1 < g->h ? h1 : g->h;
    const int64_t rows_div = g->count_include_pad ? h1 - h0 : r1 - r0;
    for (int64_t ow = o0; ow < o1; ow++) {
        const int64_t w0 = ow * g->sw - g->pw;
        const int64_t w1 = w0 + g->kw < w + g->pw ? w0 + g->kw : w + g->pw;
        const int64_t c0 = w0 > 0 ? w0 : 0, c1 = w1 < w ? w1 : w;
        const int64_t divisor = g->divisor_override != 0 ? g->divisor_override
                                : g->count_include_pad  ? rows_div * (w1 - w0)
                                                        : rows_div * (c1 - c0);
        float sum = 0.0f;
        for (const float *row = in + r0 * w; row < in + r1 * w; row += w)
            for (int64_t iw = c0; iw < c1; iw++)
                sum += row[iw];
        orow[ow] = sum / (float)divisor;
    }
}

/* The column sums of a block of output rows and the column counts of their
   outputs live on the stack: an output row whose sums would not fit is cut
   into chunks of outputs, and a window wider than the buffer goes through
   sc_avgpool_edge. 20 KiB in all, well inside any thread's stack. */
#define SC_AVGPOOL_SUMS 4096 /* floats */
#define SC_AVGPOOL_OUTS 1024 /* outputs per chunk */

/* Column sums sums[j ..] (n lanes, or four vectors when four is set) of
   `rows` input rows w apart from src + j, in row order from the first row.
   A partial vector stores zeros past its n lanes: the columns there are
   padding (zero) or the slack after the row of sums. */
static inline __attribute__((always_inline)) void
sc_avgpool_vsum(const float *src, int64_t w, int64_t rows, int64_t j, int64_t n, const int four,
                float *sums)
{
    /* Every window holds an input row (the plan checks it). */
    const float *p = src + j;
    sc_vf s0 = four || n == SC_VLEN ? sc_vload(p) : sc_vload_partial(p, n), s1 = s0, s2 = s0,
          s3 = s0;
    if (four) {
        s1 = sc_vload(p + SC_VLEN);
        s2 = sc_vload(p + 2 * SC_VLEN);
        s3 = sc_vload(p + 3 * SC_VLEN);
    }
    for (int64_t r = 1; r < rows; r++) {
        p += w;
        s0 = sc_vadd(s0, four || n == SC_VLEN ? sc_vload(p) : sc_vload_partial(p, n));
        if (four) {
            s1 = sc_vadd(s1, sc_vload(p + SC_VLEN));
            s2 = sc_vadd(s2, sc_vload(p + 2 * SC_VLEN));
            s3 = sc_vadd(s3, sc_vload(p + 3 * SC_VLEN));
        }
    }
    sc_vstore(sums + j, s0);
    if (four) {
        sc_vstore(sums + j + SC_VLEN, s1);
        sc_vstore(sums + j + 2 * SC_VLEN, s2);
        sc_vstore(sums + j + 3 * SC_VLEN, s3);
    }
}

/* Outputs o .. o+n-1 of a chunk (or four vectors of them): their windows'
   kw column sums, left to right from the first, over the divisor, which is
   the override or the row count times the output's column count. Four
   independent sums hide the addition latency. */
static inline __attribute__((always_inline)) void
sc_avgpool_hsum(const float *sums, const int64_t sw, int64_t kw, int64_t o, int64_t n,
                const int four, const float *cols, sc_vf rows_v, int over, sc_vf over_v,
                float *out)
{
    const float *p = sums + o * sw;
    const int64_t vs = SC_VLEN * sw, nl = four ? SC_VLEN : n;
    sc_vf s0 = sc_pool_load(p, sw, nl), s1 = s0, s2 = s0, s3 = s0;
    if (four) {
        s1 = sc_pool_load(p + vs, sw, SC_VLEN);
        s2 = sc_pool_load(p + 2 * vs, sw, SC_VLEN);
        s3 = sc_pool_load(p + 3 * vs, sw, SC_VLEN);
    }
    for (int64_t j = 1; j < kw; j++) {
        s0 = sc_vadd(s0, sc_pool_load(p + j, sw, nl));
        if (four) {
            s1 = sc_vadd(s1, sc_pool_load(p + j + vs, sw, SC_VLEN));
            s2 = sc_vadd(s2, sc_pool_load(p + j + 2 * vs, sw, SC_VLEN));
            s3 = sc_vadd(s3, sc_pool_load(p + j + 3 * vs, sw, SC_VLEN));
        }
    }
#define SC_AVGPOOL_DIV(k, m)                                                                    \
    (over ? over_v                                                                             \
          : sc_vmul(rows_v, (m) == SC_VLEN ? sc_vload(cols + o + (k) * SC_VLEN)                \
                                           : sc_vload_partial(cols + o, (m))))
    s0 = sc_vdiv(s0, SC_AVGPOOL_DIV(0, nl));
    if (four) {
        s1 = sc_vdiv(s1, SC_AVGPOOL_DIV(1, SC_VLEN));
        s2 = sc_vdiv(s2, SC_AVGPOOL_DIV(2, SC_VLEN));
        s3 = sc_vdiv(s3, SC_AVGPOOL_DIV(3, SC_VLEN));
    }
#undef SC_AVGPOOL_DIV
    sc_pool_store(out + o, s0, s1, s2, s3, four, n);
}

/* Column sums of output rows [oh, oh + nrows) into rows `stride` apart:
   columns [ja, jb) of the sums, input column first + j in sums[j]. Two,
   three and five window rows get their own unrolled copies (the row loop
   had cost three instructions per vector add). */
static void sc_avgpool_vpass(const sc_pool_geom *g, const float *in, int64_t oh, int64_t nrows,
                             int64_t first, int64_t ja, int64_t jb, int64_t stride, float *sums)
{
    for (int64_t r = 0; r < nrows; r++) {
        const int64_t h0 = (oh + r) * g->sh - g->ph;
        const int64_t r0 = h0 > 0 ? h0 : 0, r1 = h0 + g->kh < g->h ? h0 + g->kh : g->h;
        const float *src = in + r0 * g->w + first;
        float *row = sums + r * stride;
#define SC_AVGPOOL_VBLOCK2(j, m, four) sc_avgpool_vsum(src, g->w, 2, j, m, four, row)
#define SC_AVGPOOL_VBLOCK3(j, m, four) sc_avgpool_vsum(src, g->w, 3, j, m, four, row)
#define SC_AVGPOOL_VBLOCK5(j, m, four) sc_avgpool_vsum(src, g->w, 5, j, m, four, row)
#define SC_AVGPOOL_VBLOCK(j, m, four) sc_avgpool_vsum(src, g->w, r1 - r0, j, m, four, row)
        if (r1 - r0 == 3)
            SC_POOL_ROW_BLOCKS(ja, jb, SC_AVGPOOL_VBLOCK3);
        else if (r1 - r0 == 2)
            SC_POOL_ROW_BLOCKS(ja, jb, SC_AVGPOOL_VBLOCK2);
        else if (r1 - r0 == 5)
            SC_POOL_ROW_BLOCKS(ja, jb, SC_AVGPOOL_VBLOCK5);
        else
            SC_POOL_ROW_BLOCKS(ja, jb, SC_AVGPOOL_VBLOCK);
#undef SC_AVGPOOL_VBLOCK
#undef SC_AVGPOOL_VBLOCK5
#undef SC_AVGPOOL_VBLOCK3
#undef SC_AVGPOOL_VBLOCK2
    }
}

/* Outputs [o0, o0 + n) of rows [oh, oh + nrows) from their column sums
   (rows `stride` apart). sw and kw are constants where the caller can make
   them so. */
static inline __attribute__((always_inline)) void
sc_avgpool_hpass(const sc_pool_geom *g, const int64_t sw, const int64_t kw, int64_t oh,
                 int64_t nrows, int64_t o0, int64_t n, int64_t stride, const float *sums,
                 const float *cols, float *out)
{
    const int over = g->divisor_override != 0;
    const sc_vf over_v = sc_vset1((float)g->divisor_override);
    for (int64_t r = 0; r < nrows; r++) {
        const int64_t h0 = (oh + r) * g->sh - g->ph;
        const int64_t h1 = h0 + g->kh < g->h + g->ph ? h0 + g->kh : g->h + g->ph;
        const int64_t r0 = h0 > 0 ? h0 : 0, r1 = h1 < g->h ? h1 : g->h;
        const sc_vf rows_v = sc_vset1((float)(g->count_include_pad ? h1 - h0 : r1 - r0));
        const float *row = sums + r * stride;
        float *orow = out + (oh + r) * g->wo + o0;
#define SC_AVGPOOL_HBLOCK(o, m, four)                                                           \
    sc_avgpool_hsum(row, sw, kw, o, m, four, cols, rows_v, over, over_v, orow)
        SC_POOL_ROW_BLOCKS(0, n, SC_AVGPOOL_HBLOCK);
#undef SC_AVGPOOL_HBLOCK
    }
}

/* A window that is one contiguous run of the plane (it spans whole rows: the
   global average pool), summed along the run in four vector accumulators
   and then across them: the order is fixed by the geometry alone. */
static inline float sc_avgpool_run(const float *p, int64_t len)
{
    sc_vf s0 = sc_vzero(), s1 = sc_vzero(), s2 = sc_vzero(), s3 = sc_vzero();
    int64_t k = 0;
    for (; k + 4 * SC_VLEN <= len; k += 4 * SC_VLEN) {
        s0 = sc_vadd(s0, sc_vload(p + k));
        s1 = sc_vadd(s1, sc_vload(p + k + SC_VLEN));
        s2 = sc_vadd(s2, sc_vload(p + k + 2 * SC_VLEN));
        s3 = sc_vadd(s3, sc_vload(p + k + 3 * SC_VLEN));
    }
    for (; k < len; k += SC_VLEN)
        s0 = sc_vadd(s0, sc_vload_partial(p + k, len - k));
    return sc_vreduce_add(sc_vadd(sc_vadd(s0, s1), sc_vadd(s2, s3)));
}

void SC_AVGPOOL_FN(const sc_pool_geom *g, const float *in, float *out, int64_t *indices,
                   int64_t oh0, int64_t oh1)
{
    (void)indices; /* average pooling has none; the executor passes NULL */
    const int64_t w = g->w, kw = g->kw, sw = g->sw, pw = g->pw;

    /* One output per row whose window covers whole input rows: a run. */
    if (g->wo == 1 && kw == w && pw == 0) {
        for (int64_t oh = oh0; oh < oh1; oh++) {
            const int64_t h0 = oh * g->sh - g->ph;
            if (h0 >= 0 && h0 + g->kh <= g->h) {
                const float sum = sc_avgpool_run(in + h0 * w, g->kh * w);
                const int64_t d = g->divisor_override != 0 ? g->divisor_override : g->kh * w;
                out[oh] = sum / (float)d;
            } else {
                sc_avgpool_edge(g, in, oh, 0, 1, out + oh * g->wo);
            }
        }
        return;
    }
    /* Column sums need the window inside the buffer, and the divisor as a
       float product of counts exact: area below 2^24. */
    if (!sc_vstride_ok(sw) || kw > SC_AVGPOOL_SUMS - SC_VLEN ||
        g->kh * kw >= (INT64_C(1) << 24)) {
        for (int64_t oh = oh0; oh < oh1; oh++)
            sc_avgpool_edge(g, in, oh, 0, g->wo, out + oh * g->wo);
        return;
    }

    float sums[SC_AVGPOOL_SUMS], cols[SC_AVGPOOL_OUTS];
    int64_t chunk = (SC_AVGPOOL_SUMS - SC_VLEN - kw) / sw + 1;
    if (chunk > SC_AVGPOOL_OUTS)
        chunk = SC_AVGPOOL_OUTS;
    for (int64_t o0 = 0; o0 < g->wo; o0 += chunk) {
        const int64_t n = g->wo - o0 < chunk ? g->wo - o0 : chunk;
        /* Sums of the padded columns [o0*sw, o0*sw + span), input column
           first + j in sums[j]; rows `stride` apart, the slack after each
           absorbing a partial vector's zero lanes. */
        const int64_t span = (n - 1) * sw + kw, stride = span + SC_VLEN;
        const int64_t first = o0 * sw - pw;
        const int64_t ja = first < 0 ? (-first < span ? -first : span) : 0;
        const int64_t jb = w - first < span ? (w - first > ja ? w - first : ja) : span;
        int64_t rows = SC_AVGPOOL_SUMS / stride;
        if (rows > oh1 - oh0)
            rows = oh1 - oh0;
        /* Column counts: kw inside the input, worked out at the borders. */
        for (int64_t k = 0; k < n; k++) {
            const int64_t w0 = (o0 + k) * sw - pw;
            if (w0 >= 0 && w0 + kw <= w) {
                cols[k] = (float)kw;
                continue;
            }
            const int64_t w1 = w0 + kw < w + pw ? w0 + kw : w + pw;
            const int64_t c0 = w0 > 0 ? w0 : 0, c1 = w1 < w ? w1 : w;
            cols[k] = (float)(g->count_include_pad ? w1 - w0 : c1 - c0);
        }
        /* The padding columns are zero in every row: stored once, long
           before the first window sum reads them, as whole vectors (the
           column sums overwrite what lies past ja; the slack takes what
           lies past the row). */
        if (ja > 0 || jb < span)
            for (int64_t r = 0; r < rows; r++) {
                for (int64_t j = 0; j < ja; j += SC_VLEN)
                    sc_vstore(sums + r * stride + j, sc_vzero());
                for (int64_t j = jb; j < span; j += SC_VLEN)
                    sc_vstore(sums + r * stride + j, sc_vzero());
            }
        for (int64_t oh = oh0; oh < oh1; oh += rows) {
            const int64_t nrows = oh1 - oh < rows ? oh1 - oh : rows;
            /* All the rows' sums first: read right after they were stored,
               the unaligned loads of the window sums would wait for the
               stores. */
            sc_avgpool_vpass(g, in, oh, nrows, first, ja, jb, stride, sums);
            /* Stride 1 with plain loads, and the common window widths
               unrolled, inlined. */
#define SC_AVGPOOL_H(SW, KW) sc_avgpool_hpass(g, SW, KW, oh, nrows, o0, n, stride, sums, cols, out)
            if (sw == 1 && kw == 3)
                SC_AVGPOOL_H(1, 3);
            else if (sw == 2 && kw == 3)
                SC_AVGPOOL_H(2, 3);
            else if (sw == 2 && kw == 2)
                SC_AVGPOOL_H(2, 2);
            else if (sw == 1 && kw == 5)
                SC_AVGPOOL_H(1, 5);
            else if (sw == 1)
                SC_AVGPOOL_H(1, kw);
            else
                SC_AVGPOOL_H(sw, kw);
#undef SC_AVGPOOL_H
        }
    }
}

/* Global pooling of nplanes consecutive planes of len floats, each window
   the whole plane: out[i] = sum of plane i / divisor, summed as the one-plane
   path sums it. One call for many planes: called per plane, 2048 planes of
   7x7 took 20 us (AVX-512, 1 thread), mostly the call's set-up. */
void SC_AVGPOOL_GLOBAL_FN(const float *in, int64_t len, int64_t nplanes, int64_t divisor,
                          float *out)
{
    const float d = (float)divisor;
    for (int64_t i = 0; i < nplanes; i++)
        out[i] = sc_avgpool_run(in + i * len, len) / d;
}
