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
 * A block of output rows reads its windows from a copy of its input rows
 * padded with -inf (sc_maxpool_padded), so every output is vectorised over
 * output columns. Rows too wide for that copy take the first path: windows
 * that lie fully inside the input are vectorised and every other window goes
 * through sc_maxpool_one, which is PyTorch's loop verbatim.
 *
 * With indices, the winning tap's offset from its window's corner (i*dh*W +
 * j*dw) rides along in float lanes, and sc_vstore_index turns it into the
 * index: exact while offsets stay below 2^24, which the kernel checks.
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

/* PyTorch's running maximum of one vector after tap v (offset t, tracked in
   tap when track is set): greater or NaN replaces. */
#define SC_MAXPOOL_TAKE(best, tap, v, t, track)                                                 \
    do {                                                                                       \
        const sc_vmask take_ = sc_vmask_or(sc_vcmp_gt(v, best), sc_visnan(v));                \
        best = sc_vblend(best, v, take_);                                                      \
        if (track)                                                                             \
            tap = sc_vblend(tap, t, take_);                                                    \
    } while (0)

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
    sc_vf b0 = sc_pool_load(base, g->sw, nl), b1 = b0, b2 = b0, b3 = b0;
    if (four) {
        b1 = sc_pool_load(base + vs, g->sw, SC_VLEN);
        b2 = sc_pool_load(base + 2 * vs, g->sw, SC_VLEN);
        b3 = sc_pool_load(base + 3 * vs, g->sw, SC_VLEN);
    }
    sc_vf t0 = sc_vzero(), t1 = t0, t2 = t0, t3 = t0;
    for (int64_t i = 0; i < g->kh; i++) {
        const float *row = base + i * g->dh * g->w;
        for (int64_t j = (i == 0 ? 1 : 0); j < g->kw; j++) {
            const sc_vf t = sc_vset1((float)(i * g->dh * g->w + j * g->dw));
            const float *p = row + j * g->dw;
            const sc_vf v0 = sc_pool_load(p, g->sw, nl);
            SC_MAXPOOL_TAKE(b0, t0, v0, t, index);
            if (four) {
                const sc_vf v1 = sc_pool_load(p + vs, g->sw, SC_VLEN);
                const sc_vf v2 = sc_pool_load(p + 2 * vs, g->sw, SC_VLEN);
                const sc_vf v3 = sc_pool_load(p + 3 * vs, g->sw, SC_VLEN);
                SC_MAXPOOL_TAKE(b1, t1, v1, t, index);
                SC_MAXPOOL_TAKE(b2, t2, v2, t, index);
                SC_MAXPOOL_TAKE(b3, t3, v3, t, index);
            }
        }
    }
    sc_pool_store(out, b0, b1, b2, b3, four, n);
    if (index) {
        const int64_t at = ih0 * g->w + iw0;
        sc_vstore_index(index, t0, at, g->sw, nl);
        if (four) {
            sc_vstore_index(index + SC_VLEN, t1, at + vs, g->sw, SC_VLEN);
            sc_vstore_index(index + 2 * SC_VLEN, t2, at + 2 * vs, g->sw, SC_VLEN);
            sc_vstore_index(index + 3 * SC_VLEN, t3, at + 3 * vs, g->sw, SC_VLEN);
        }
    }
}

/* A block of output rows reads its windows from a copy of the input rows
   they cover, padded with -inf: every output then takes the vector path,
   and -inf padding gives PyTorch's values exactly (a padding tap never
   beats an input tap, and a window of -inf gives -inf either way). Without
   indices, taps need only sc_vmax(v, m) = v > m ? v : m, which keeps the
   earlier of equal taps (the sign of zero) as PyTorch does, unless a NaN
   is among the copied rows: such a block takes PyTorch's compare-and-blend
   instead (NaN wins, the last one), as indices always do. The copy lives on
   the stack (16 KiB); rows too wide for it take the plain path. */
#define SC_MAXPOOL_PAD_FLOATS 4096

/* Padded row pr (input row pr - ph) into dst, columns [0, span): input
   column c at pw + c, -inf elsewhere; the row's stride leaves SC_VLEN of
   slack. Returns the running NaN probe: v - v is NaN for NaN and +-inf. */
static inline sc_vf sc_maxpool_pad_row(const sc_pool_geom *g, const float *in, int64_t pr,
                                       int64_t span, float *dst, sc_vf probe)
{
    const sc_vf ninf = sc_vset1(-INFINITY);
    const int64_t ih = pr - g->ph;
    if (ih < 0 || ih >= g->h) {
        for (int64_t j = 0; j < span; j += SC_VLEN)
            sc_vstore(dst + j, ninf);
        return probe;
    }
    const float *src = in + ih * g->w;
    const int64_t a = g->pw < span ? g->pw : span;
    const int64_t b = g->pw + g->w < span ? g->pw + g->w : span;
    /* Left padding first: the copy overwrites what lies past it. */
    for (int64_t j = 0; j < a; j += SC_VLEN)
        sc_vstore(dst + j, ninf);
    if (b - a >= SC_VLEN) {
        for (int64_t j = a; j < b; j += SC_VLEN) {
            const int64_t jj = j < b - SC_VLEN ? j : b - SC_VLEN;
            const sc_vf v = sc_vload(src + jj - g->pw);
            probe = sc_vadd(probe, sc_vsub(v, v));
            sc_vstore(dst + jj, v);
        }
    } else if (b > a) {
        const sc_vf v = sc_vload_partial(src, b - a);
        probe = sc_vadd(probe, sc_vsub(v, v));
        sc_vstore(dst + a, v);
    }
    /* Right padding last: it overwrites a partial copy's zero lanes. */
    for (int64_t j = b; j < span; j += SC_VLEN)
        sc_vstore(dst + j, ninf);
    return probe;
}

/* Outputs o .. o+n-1 (or four vectors) of row oh from the padded copy at
   p (the window's top-left tap of output o): exact is PyTorch's blend, else
   sc_vmax. With indices (exact then), the winning tap's offset rides along;
   a window whose maximum is -inf may have its first tap in the padding,
   where PyTorch names the first tap inside the input: such outputs are
   recomputed by sc_maxpool_one. */
static inline __attribute__((always_inline)) void
sc_maxpool_padded_block(const sc_pool_geom *g, const int64_t sw, const int64_t kh,
                        const int64_t kw, const int64_t dh, const int64_t dw, const float *in,
                        const float *p, int64_t ld, int64_t oh, int64_t o, int64_t n,
                        const int four, const int exact, const int with_idx, float *orow,
                        int64_t *irow)
{
    const int64_t vs = SC_VLEN * sw, nl = four ? SC_VLEN : n;
    const float *base = p + o * sw;
    sc_vf b0 = sc_pool_load(base, sw, nl), b1 = b0, b2 = b0, b3 = b0;
    if (four) {
        b1 = sc_pool_load(base + vs, sw, SC_VLEN);
        b2 = sc_pool_load(base + 2 * vs, sw, SC_VLEN);
        b3 = sc_pool_load(base + 3 * vs, sw, SC_VLEN);
    }
    sc_vf t0 = sc_vzero(), t1 = t0, t2 = t0, t3 = t0;
#define SC_MAXPOOL_STEP(b, tap, v)                                                              \
    do {                                                                                       \
        const sc_vf v_ = (v);                                                                  \
        if (exact)                                                                             \
            SC_MAXPOOL_TAKE(b, tap, v_, t, with_idx);                                          \
        else                                                                                   \
            b = sc_vmax(v_, b);                                                                \
    } while (0)
    for (int64_t i = 0; i < kh; i++) {
        const float *row = base + i * dh * ld;
        for (int64_t j = (i == 0 ? 1 : 0); j < kw; j++) {
            const float *q = row + j * dw;
            const sc_vf t = sc_vset1((float)(i * dh * g->w + j * dw));
            (void)t;
            SC_MAXPOOL_STEP(b0, t0, sc_pool_load(q, sw, nl));
            if (four) {
                SC_MAXPOOL_STEP(b1, t1, sc_pool_load(q + vs, sw, SC_VLEN));
                SC_MAXPOOL_STEP(b2, t2, sc_pool_load(q + 2 * vs, sw, SC_VLEN));
                SC_MAXPOOL_STEP(b3, t3, sc_pool_load(q + 3 * vs, sw, SC_VLEN));
            }
        }
    }
#undef SC_MAXPOOL_STEP
    sc_pool_store(orow + o, b0, b1, b2, b3, four, n);
    if (with_idx) {
        /* The corner may lie in the padding: such indices are overwritten
           below, all others point inside the plane. */
        const int64_t at = (oh * g->sh - g->ph) * g->w + o * sw - g->pw;
        sc_vstore_index(irow + o, t0, at, sw, nl);
        const sc_vf ninf = sc_vset1(-INFINITY);
        sc_vmask m = sc_vcmp_eq(b0, ninf);
        if (four) {
            sc_vstore_index(irow + o + SC_VLEN, t1, at + vs, sw, SC_VLEN);
            sc_vstore_index(irow + o + 2 * SC_VLEN, t2, at + 2 * vs, sw, SC_VLEN);
            sc_vstore_index(irow + o + 3 * SC_VLEN, t3, at + 3 * vs, sw, SC_VLEN);
            m = sc_vmask_or(sc_vmask_or(m, sc_vcmp_eq(b1, ninf)),
                            sc_vmask_or(sc_vcmp_eq(b2, ninf), sc_vcmp_eq(b3, ninf)));
        }
        if (sc_vmask_any(m))
            for (int64_t l = o; l < o + (four ? 4 * SC_VLEN : n); l++)
                if (orow[l] == -INFINITY)
                    sc_maxpool_one(g, in, oh, l, orow + l, irow + l);
    }
}

/* Output rows [oh, oh + nrows) from the copy at buf (rows ld apart). The
   geometry comes as arguments so that the common windows are inlined with
   constants (their loops had cost more than the taps). */
static inline __attribute__((always_inline)) void
sc_maxpool_padded_rows(const sc_pool_geom *g, const int64_t sw, const int64_t kh,
                       const int64_t kw, const int64_t dh, const int64_t dw, const float *in,
                       const float *buf, int64_t ld, int64_t oh, int64_t nrows, const int exact,
                       const int with_idx, float *out, int64_t *indices)
{
    for (int64_t r = 0; r < nrows; r++) {
        const float *p = buf + r * g->sh * ld;
        float *orow = out + (oh + r) * g->wo;
        int64_t *irow = with_idx ? indices + (oh + r) * g->wo : NULL;
#define SC_MAXPOOL_PBLOCK(o, n, four)                                                           \
    sc_maxpool_padded_block(g, sw, kh, kw, dh, dw, in, p, ld, oh + r, o, n, four, exact,       \
                            with_idx, orow, irow)
        SC_POOL_ROW_BLOCKS(0, g->wo, SC_MAXPOOL_PBLOCK);
#undef SC_MAXPOOL_PBLOCK
    }
}

/* Output rows [oh0, oh1) through padded copies; 0 if the rows do not fit. */
static int sc_maxpool_padded(const sc_pool_geom *g, const float *in, float *out,
                             int64_t *indices, int64_t oh0, int64_t oh1)
{
    const int64_t span = (g->wo - 1) * g->sw + (g->kw - 1) * g->dw + 1;
    const int64_t ld = span + SC_VLEN;
    const int64_t wrows = (g->kh - 1) * g->dh + 1; /* padded rows one output row reads */
    if (span > SC_MAXPOOL_PAD_FLOATS || wrows > SC_MAXPOOL_PAD_FLOATS / ld)
        return 0;
    /* Output rows per block: their padded rows must fit. */
    const int64_t per = (SC_MAXPOOL_PAD_FLOATS / ld - wrows) / g->sh + 1;
    const int d1 = g->dh == 1 && g->dw == 1;
    float buf[SC_MAXPOOL_PAD_FLOATS];
    for (int64_t oh = oh0; oh < oh1; oh += per) {
        const int64_t nrows = oh1 - oh < per ? oh1 - oh : per;
        const int64_t pr0 = oh * g->sh, npr = (nrows - 1) * g->sh + wrows;
        sc_vf probe = sc_vzero();
        for (int64_t r = 0; r < npr; r++)
            probe = sc_maxpool_pad_row(g, in, pr0 + r, span, buf + r * ld, probe);
        const float nan_probe = sc_vreduce_add(probe);
        /* The common windows with constants; indices always blend. */
#define SC_MAXPOOL_ROWS(SW, KH, KW, DH, DW, EXACT, IDX)                                         \
    sc_maxpool_padded_rows(g, SW, KH, KW, DH, DW, in, buf, ld, oh, nrows, EXACT, IDX, out,     \
                           indices)
#define SC_MAXPOOL_GEOMETRIES(EXACT, IDX)                                                       \
    do {                                                                                       \
        if (d1 && g->kh == 3 && g->kw == 3 && g->sw == 1)                                      \
            SC_MAXPOOL_ROWS(1, 3, 3, 1, 1, EXACT, IDX);                                        \
        else if (d1 && g->kh == 3 && g->kw == 3 && g->sw == 2)                                 \
            SC_MAXPOOL_ROWS(2, 3, 3, 1, 1, EXACT, IDX);                                        \
        else if (d1 && g->kh == 2 && g->kw == 2 && g->sw == 2)                                 \
            SC_MAXPOOL_ROWS(2, 2, 2, 1, 1, EXACT, IDX);                                        \
        else                                                                                   \
            SC_MAXPOOL_ROWS(g->sw, g->kh, g->kw, g->dh, g->dw, EXACT, IDX);                    \
    } while (0)
        if (indices)
            SC_MAXPOOL_GEOMETRIES(1, 1);
        else if (nan_probe != nan_probe)
            SC_MAXPOOL_ROWS(g->sw, g->kh, g->kw, g->dh, g->dw, 1, 0);
        else
            SC_MAXPOOL_GEOMETRIES(0, 0);
#undef SC_MAXPOOL_GEOMETRIES
#undef SC_MAXPOOL_ROWS
    }
    return 1;
}

void SC_MAXPOOL_FN(const sc_pool_geom *g, const float *in, float *out, int64_t *indices,
                   int64_t oh0, int64_t oh1)
{
    int64_t oh_lo, oh_hi, ow_lo, ow_hi;
    sc_interior_range(g->h, g->ho, g->ph, g->sh, (g->kh - 1) * g->dh, &oh_lo, &oh_hi);
    sc_interior_range(g->w, g->wo, g->pw, g->sw, (g->kw - 1) * g->dw, &ow_lo, &ow_hi);
    /* Tap offsets ride in float lanes, exact below 2^24 (with indices); x86
       gathers take 32-bit lane offsets. Windows beyond either limit take
       the scalar path. */
    const int64_t max_off = (g->kh - 1) * g->dh * g->w + (g->kw - 1) * g->dw;
    const int vector_ok = sc_vstride_ok(g->sw) && (!indices || max_off < (INT64_C(1) << 24));
    if (vector_ok && sc_maxpool_padded(g, in, out, indices, oh0, oh1))
        return;

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
