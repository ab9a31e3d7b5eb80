/*
 * Max pooling of output rows [oh0, oh1) of one plane, written once over the
 * SIMD wrappers. The including file has included its kernels/simd/<isa>.h and
 * defined SC_MAXPOOL_FN to the kernel's name.
 *
 * Semantics are PyTorch's CPU kernel: padding taps are skipped (as if -inf),
 * taps are visited in row-major order, a tap replaces the running maximum
 * when it is greater or NaN (so the last NaN wins and ties keep the first
 * index), and the index starts at the window's first in-bounds tap.
 *
 * Windows that lie fully inside the input are vectorised over output
 * columns (SC_VLEN outputs per vector); every other window goes through
 * sc_maxpool_one, which is PyTorch's loop verbatim.
 */
#ifndef SC_MAXPOOL_FN
#error "define SC_MAXPOOL_FN and include a kernels/simd/<isa>.h before maxpool-impl.h"
#endif
#ifndef SC_VLEN
#error "include a kernels/simd/<isa>.h before maxpool-impl.h"
#endif

#include <math.h>
#include <stdint.h>

#include "internal.h"
#include "pool/pool-blocks.h"

static inline void sc_maxpool_one(const sc_pool_geom *g, const float *in, int64_t oh,
                                  int64_t ow, float *out, int64_t *index)
{
    int64_t h0 = oh * g->sh - g->ph;
    int64_t w0 = ow * g->sw - g->pw;
    int64_t h1 = h0 + (g->kh - 1) * g->dh + 1;
    int64_t w1 = w0 + (g->kw - 1) * g->dw + 1;
    if (h1 > g->h)
        h1 = g->h;
    if (w1 > g->w)
        w1 = g->w;
    /* First tap at or past 0 on the dilated grid. */
    if (h0 < 0)
        h0 += (-h0 + g->dh - 1) / g->dh * g->dh;
    if (w0 < 0)
        w0 += (-w0 + g->dw - 1) / g->dw * g->dw;

    float best = -INFINITY;
    int64_t best_at = h0 * g->w + w0;
    for (int64_t ih = h0; ih < h1; ih += g->dh) {
        for (int64_t iw = w0; iw < w1; iw += g->dw) {
            int64_t at = ih * g->w + iw;
            float v = in[at];
            if (v > best || isnan(v)) {
                best = v;
                best_at = at;
            }
        }
    }
    *out = best;
    if (index)
        *index = best_at;
}

/* n (1..SC_VLEN) lanes of output columns, lane l reading p[l * sw]. */
static inline sc_vf sc_maxpool_load(const float *p, int64_t sw, int64_t n)
{
    if (sw == 1)
        return n == SC_VLEN ? sc_vload(p) : sc_vload_partial(p, n);
    if (sw == 2 && n == SC_VLEN)
        return sc_vload_even(p);
    return n == SC_VLEN ? sc_vload_strided(p, sw) : sc_vload_strided_partial(p, sw, n);
}

/* The running maximum of one vector after tap v (number t). */
#define SC_MAXPOOL_TAKE(best, tap, v, t)                                                        \
    do {                                                                                       \
        const sc_vmask take_ = sc_vmask_or(sc_vcmp_gt(v, best), sc_visnan(v));                \
        best = sc_vblend(best, v, take_);                                                      \
        if (index)                                                                             \
            tap = sc_vblend(tap, t, take_);                                                    \
    } while (0)

static inline void sc_maxpool_indices(const sc_pool_geom *g, sc_vf tap, int64_t ih0, int64_t iw0,
                                      int64_t n, int64_t *index)
{
    float taps[SC_VLEN];
    sc_vstore(taps, tap);
    for (int64_t l = 0; l < n; l++) {
        int64_t t = (int64_t)taps[l];
        int64_t i = t / g->kw, j = t % g->kw;
        index[l] = (ih0 + i * g->dh) * g->w + iw0 + l * g->sw + j * g->dw;
    }
}

/* Outputs (oh, ow .. ow+n-1) (n <= SC_VLEN), or four whole vectors of them
   when four is set, all of whose windows are inside the input: four
   independent running maxima hide the compare-and-blend latency. */
static inline __attribute__((always_inline)) void
sc_maxpool_block(const sc_pool_geom *g, const float *in, int64_t oh, int64_t ow, int64_t n,
                 const int four, float *out, int64_t *index)
{
    const int64_t ih0 = oh * g->sh - g->ph;
    const int64_t iw0 = ow * g->sw - g->pw;
    const float *base = in + ih0 * g->w + iw0;
    const int64_t vs = SC_VLEN * g->sw, nl = four ? SC_VLEN : n;
    /* Tap 0 always replaces the initial -inf unless it is -inf itself, in
       which case the index stays at tap 0 anyway: so start from tap 0. */
    sc_vf b0 = sc_maxpool_load(base, g->sw, nl), b1 = b0, b2 = b0, b3 = b0;
    if (four) {
        b1 = sc_maxpool_load(base + vs, g->sw, SC_VLEN);
        b2 = sc_maxpool_load(base + 2 * vs, g->sw, SC_VLEN);
        b3 = sc_maxpool_load(base + 3 * vs, g->sw, SC_VLEN);
    }
    sc_vf t0 = sc_vzero(), t1 = t0, t2 = t0, t3 = t0;
    for (int64_t i = 0; i < g->kh; i++) {
        const float *row = base + i * g->dh * g->w;
        for (int64_t j = (i == 0 ? 1 : 0); j < g->kw; j++) {
            const sc_vf t = sc_vset1((float)(i * g->kw + j));
            const float *p = row + j * g->dw;
            const sc_vf v0 = sc_maxpool_load(p, g->sw, nl);
            SC_MAXPOOL_TAKE(b0, t0, v0, t);
            if (four) {
                const sc_vf v1 = sc_maxpool_load(p + vs, g->sw, SC_VLEN);
                const sc_vf v2 = sc_maxpool_load(p + 2 * vs, g->sw, SC_VLEN);
                const sc_vf v3 = sc_maxpool_load(p + 3 * vs, g->sw, SC_VLEN);
                SC_MAXPOOL_TAKE(b1, t1, v1, t);
                SC_MAXPOOL_TAKE(b2, t2, v2, t);
                SC_MAXPOOL_TAKE(b3, t3, v3, t);
            }
        }
    }
    if (four) {
        sc_vstore(out, b0);
        sc_vstore(out + SC_VLEN, b1);
        sc_vstore(out + 2 * SC_VLEN, b2);
        sc_vstore(out + 3 * SC_VLEN, b3);
        if (index) {
            sc_maxpool_indices(g, t0, ih0, iw0, SC_VLEN, index);
            sc_maxpool_indices(g, t1, ih0, iw0 + vs, SC_VLEN, index + SC_VLEN);
            sc_maxpool_indices(g, t2, ih0, iw0 + 2 * vs, SC_VLEN, index + 2 * SC_VLEN);
            sc_maxpool_indices(g, t3, ih0, iw0 + 3 * vs, SC_VLEN, index + 3 * SC_VLEN);
        }
        return;
    }
    if (n == SC_VLEN)
        sc_vstore(out, b0);
    else
        sc_vstore_partial(out, b0, n);
    if (index)
        sc_maxpool_indices(g, t0, ih0, iw0, n, index);
}

void SC_MAXPOOL_FN(const sc_pool_geom *g, const float *in, float *out, int64_t *indices,
                   int64_t oh0, int64_t oh1)
{
    int64_t oh_lo, oh_hi, ow_lo, ow_hi;
    sc_interior_range(g->h, g->ho, g->ph, g->sh, (g->kh - 1) * g->dh, &oh_lo, &oh_hi);
    sc_interior_range(g->w, g->wo, g->pw, g->sw, (g->kw - 1) * g->dw, &ow_lo, &ow_hi);
    /* Tap numbers ride in float lanes, exact below 2^24; x86 gathers take
       32-bit lane offsets. Windows beyond either limit take the plain path. */
    const int vector_ok = sc_vstride_ok(g->sw) && g->kh * g->kw <= (INT64_C(1) << 24);

    for (int64_t oh = oh0; oh < oh1; oh++) {
        float *orow = out + oh * g->wo;
        int64_t *irow = indices ? indices + oh * g->wo : NULL;
        int64_t a = 0, b = 0;
        if (vector_ok && oh >= oh_lo && oh < oh_hi) {
            a = ow_lo;
            b = ow_hi;
        }
        for (int64_t ow = 0; ow < a; ow++)
            sc_maxpool_one(g, in, oh, ow, orow + ow, irow ? irow + ow : NULL);
#define SC_MAXPOOL_BLOCK(o, n, four)                                                            \
    sc_maxpool_block(g, in, oh, o, n, four, orow + (o), irow ? irow + (o) : NULL)
        SC_POOL_ROW_BLOCKS(a, b, SC_MAXPOOL_BLOCK);
#undef SC_MAXPOOL_BLOCK
        for (int64_t ow = b; ow < g->wo; ow++)
            sc_maxpool_one(g, in, oh, ow, orow + ow, irow ? irow + ow : NULL);
    }
}
