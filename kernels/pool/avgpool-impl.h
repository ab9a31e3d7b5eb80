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
 * Windows whose columns are inside the input are vectorised over output
 * columns, over the window rows inside the input; each lane adds the same
 * taps in the same order as the scalar sc_avgpool_edge, which serves the
 * other outputs, and divides by the same count, so results do not depend on
 * which path an output took. A window that spans whole input
 * rows with a single output per row (global pooling) is instead summed along
 * its contiguous run (sc_avgpool_run), in an order fixed by the geometry.
 */
#ifndef SC_AVGPOOL_FN
#error "define SC_AVGPOOL_FN and include a kernels/simd/<isa>.h before avgpool-impl.h"
#endif
#ifndef SC_VLEN
#error "include a kernels/simd/<isa>.h before avgpool-impl.h"
#endif

#include <stdint.h>

#include "internal.h"
#include "pool/pool-blocks.h"

/* Outputs [o0, o1) of row oh one at a time, as PyTorch sums them: the
   taps inside the input row-major from +0, then the division. The row
   bounds are worked out once per row (on a 35-wide pool with padding 1,
   the two edge outputs of a row had taken half of the kernel's
   instructions when every output recomputed them). Kept out of GCC's
   vectoriser: at -O3 its loop for runs of two or three taps cost 195
   instructions per edge output against 145 (callgrind; 0.356 against 0.308
   ms on that pool). */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-vectorize")))
#endif
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

static inline __attribute__((always_inline)) sc_vf sc_avgpool_load(const float *p, int64_t sw,
                                                                   int64_t n)
{
    if (sw == 1)
        return n == SC_VLEN ? sc_vload(p) : sc_vload_partial(p, n);
    if (sw == 2 && n == SC_VLEN)
        return sc_vload_even(p);
    return n == SC_VLEN ? sc_vload_strided(p, sw) : sc_vload_strided_partial(p, sw, n);
}

/* Outputs (oh, ow .. ow+n-1) (n <= SC_VLEN), or four whole vectors of them
   when four is set, whose windows' columns are inside the input; window rows
   [i0, i1) are the ones inside it. Four independent sums hide the addition
   latency. */
static inline __attribute__((always_inline)) void
sc_avgpool_block(const sc_pool_geom *g, const int64_t sw, const float *in, int64_t oh, int64_t ow,
                 int64_t n, const int four, int64_t i0, int64_t i1, sc_vf divisor, float *out)
{
    const float *base = in + (oh * g->sh - g->ph) * g->w + (ow * sw - g->pw);
    const int64_t vs = SC_VLEN * sw;
    sc_vf s0 = sc_vzero(), s1 = sc_vzero(), s2 = sc_vzero(), s3 = sc_vzero();
    for (int64_t i = i0; i < i1; i++) {
        const float *row = base + i * g->w;
        for (int64_t j = 0; j < g->kw; j++) {
            s0 = sc_vadd(s0, sc_avgpool_load(row + j, sw, four ? SC_VLEN : n));
            if (four) {
                s1 = sc_vadd(s1, sc_avgpool_load(row + j + vs, sw, SC_VLEN));
                s2 = sc_vadd(s2, sc_avgpool_load(row + j + 2 * vs, sw, SC_VLEN));
                s3 = sc_vadd(s3, sc_avgpool_load(row + j + 3 * vs, sw, SC_VLEN));
            }
        }
    }
    if (four) {
        sc_vstore(out, sc_vdiv(s0, divisor));
        sc_vstore(out + SC_VLEN, sc_vdiv(s1, divisor));
        sc_vstore(out + 2 * SC_VLEN, sc_vdiv(s2, divisor));
        sc_vstore(out + 3 * SC_VLEN, sc_vdiv(s3, divisor));
    } else if (n == SC_VLEN) {
        sc_vstore(out, sc_vdiv(s0, divisor));
    } else {
        sc_vstore_partial(out, sc_vdiv(s0, divisor), n);
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

/* The vector blocks of row oh's outputs [a, b). */
static inline __attribute__((always_inline)) void
sc_avgpool_blocks(const sc_pool_geom *g, const int64_t sw, const float *in, int64_t oh,
                  int64_t a, int64_t b, int64_t i0, int64_t i1, sc_vf divisor, float *orow)
{
#define SC_AVGPOOL_BLOCK(o, n, four)                                                            \
    sc_avgpool_block(g, sw, in, oh, o, n, four, i0, i1, divisor, orow + (o))
    SC_POOL_ROW_BLOCKS(a, b, SC_AVGPOOL_BLOCK);
#undef SC_AVGPOOL_BLOCK
}

void SC_AVGPOOL_FN(const sc_pool_geom *g, const float *in, float *out, int64_t *indices,
                   int64_t oh0, int64_t oh1)
{
    (void)indices; /* average pooling has none; the executor passes NULL */
    int64_t ow_lo, ow_hi;
    sc_interior_range(g->w, g->wo, g->pw, g->sw, g->kw - 1, &ow_lo, &ow_hi);
    const int vector_ok = sc_vstride_ok(g->sw);
    /* Inside the input both count_include_pad divisors are the window area. */
    const int64_t inner = g->divisor_override != 0 ? g->divisor_override : g->kh * g->kw;
    const sc_vf inner_v = sc_vset1((float)inner);
    /* One output per row whose window covers whole input rows: a run. */
    const int runs = g->wo == 1 && g->kw == g->w && g->pw == 0;

    for (int64_t oh = oh0; oh < oh1; oh++) {
        float *orow = out + oh * g->wo;
        /* Rows whose windows leave the input at the top or bottom still
           vectorise over the interior columns: the rows inside, [i0, i1) of
           the window, and one divisor for the row, as sc_avgpool_edge
           counts them (the window cut at H + ph; the rows inside). */
        const int64_t h0 = oh * g->sh - g->ph;
        int64_t i0 = 0, i1 = g->kh;
        sc_vf divisor = inner_v;
        if (h0 < 0 || h0 + g->kh > g->h) {
            const int64_t h1 = h0 + g->kh < g->h + g->ph ? h0 + g->kh : g->h + g->ph;
            i0 = h0 < 0 ? -h0 : 0;
            i1 = (h1 < g->h ? h1 : g->h) - h0;
            if (g->divisor_override == 0)
                divisor = sc_vset1((float)((g->count_include_pad ? h1 - h0 : i1 - i0) * g->kw));
        }
        int64_t a = 0, b = 0;
        if (vector_ok && i0 < i1) {
            a = ow_lo;
            b = ow_hi;
        }
        if (runs && a == 0 && b == 1 && i0 == 0 && i1 == g->kh) {
            const float sum = sc_avgpool_run(in + (oh * g->sh - g->ph) * g->w, g->kh * g->w);
            orow[0] = sum / (float)inner;
            continue;
        }
        sc_avgpool_edge(g, in, oh, 0, a, orow);
        /* Uncut rows get their own copy with the row loop from 0: one loop
           for both cost an unpadded 2x2/2 pool 5% more instructions
           (callgrind), this 2%. Stride 1 gets plain loads, inlined: 0.396
           -> 0.324 ms (AVX2) on a 35x35 3x3/1 pool of 192 channels.
           (Unrolling 3 or 2 columns as well measured no better.) */
        if (g->sw == 1 && i0 == 0 && i1 == g->kh)
            sc_avgpool_blocks(g, 1, in, oh, a, b, 0, g->kh, divisor, orow);
        else if (i0 == 0 && i1 == g->kh)
            sc_avgpool_blocks(g, g->sw, in, oh, a, b, 0, g->kh, divisor, orow);
        else
            sc_avgpool_blocks(g, g->sw, in, oh, a, b, i0, i1, divisor, orow);
        sc_avgpool_edge(g, in, oh, b, g->wo, orow);
    }
}
