/*
 * Winograd F(M x M, R x R) tile transforms over SC_VLEN tiles at once, for
 * F(2x2, 3x3), F(4x4, 3x3) and F(3x3, 4x4) (alpha = M + R - 1 = 4, 6, 6):
 * lane l of every vector belongs to its own tile, so one vector operation
 * transforms SC_VLEN tiles and V or M values of consecutive tiles are whole
 * vectors in the packed panels.
 *
 * Included by winograd-f<M>x<M>-<R>x<R>-<isa>.c after simd/<isa>.h (scalar.h
 * gives the one-tile build) with SC_WINO_M, SC_WINO_R (3 if unset),
 * SC_WINO_INPUT_FN and SC_WINO_OUTPUT_FN defined, and optionally the row I/O
 * below. Tiles reach the lanes through a lane-major staging buffer
 * (d[xi][lane]) filled by deinterleaving loads of whole input rows; every
 * tile then goes through the same lane arithmetic whatever path staged it,
 * so a tile's values do not depend on its neighbours, the block boundaries
 * or the thread count.
 *
 * Only additions, subtractions and multiplications are used, never a fused
 * multiply-add: the scalar build would pay for a software fmaf, and the
 * roundings per row stay the ones tests/test-winograd.c counts.
 */

#include "epilogue/epilogue-relu.h"
#include "internal.h"

#ifndef SC_WINO_R
#define SC_WINO_R 3
#endif
#define SC_WA (SC_WINO_M + SC_WINO_R - 1)
#if !((SC_WINO_M == 2 || SC_WINO_M == 4) && SC_WINO_R == 3) && \
    !(SC_WINO_M == 3 && SC_WINO_R == 4)
#error "supported: F(2x2,3x3), F(4x4,3x3), F(3x3,4x4)"
#endif

#define SC_WA2 (SC_WA * SC_WA)

#if SC_WA == 6
/*
 *   B^T = | 4  0 -5  0  1  0 |     A^T = | 1  1  1  1  1  0 |  F(4, 3)
 *         | 0 -4 -4  1  1  0 |           | 0  1 -1  2 -2  0 |
 *         | 0  4 -4 -1  1  0 |           | 0  1  1  4  4  0 |
 *         | 0 -2 -1  2  1  0 |           | 0  1 -1  8 -8  1 |
 *         | 0  2 -1 -2  1  0 |
 *         | 0  4  0 -5  0  1 |     A^T = | 1  1  1  1  1  0 |  F(3, 4)
 *                                        | 0  1 -1  2 -2  0 |
 *                                        | 0  1  1  4  4  1 |
 * (Lavin & Gray, points 0, 1, -1, 2, -2, infinity). B^T depends only on the
 * points, so F(3, 4) shares it with F(4, 3); A^T evaluates the output
 * polynomial at them, the point at infinity feeding its last row. Both are
 * evaluated through shared sums and differences: 12 operations per B^T
 * stage instead of 16, and no term passes through more roundings than its
 * row has non-zero entries.
 */
static inline void sc_wino_bt(const sc_vf x[SC_WA], sc_vf y[SC_WA])
{
    const sc_vf four = sc_vset1(4.0f), five = sc_vset1(5.0f), two = sc_vset1(2.0f);
    const sc_vf a = sc_vsub(x[4], sc_vmul(four, x[2]));
    const sc_vf b = sc_vsub(x[3], sc_vmul(four, x[1]));
    const sc_vf c = sc_vsub(x[4], x[2]);
    const sc_vf d = sc_vmul(two, sc_vsub(x[3], x[1]));
    y[0] = sc_vadd(sc_vsub(sc_vmul(four, x[0]), sc_vmul(five, x[2])), x[4]);
    y[1] = sc_vadd(a, b);
    y[2] = sc_vsub(a, b);
    y[3] = sc_vadd(c, d);
    y[4] = sc_vsub(c, d);
    y[5] = sc_vadd(sc_vsub(sc_vmul(four, x[1]), sc_vmul(five, x[3])), x[5]);
}

static inline void sc_wino_at(const sc_vf x[SC_WA], sc_vf y[SC_WINO_M])
{
    const sc_vf two = sc_vset1(2.0f), four = sc_vset1(4.0f);
    const sc_vf s12 = sc_vadd(x[1], x[2]), d12 = sc_vsub(x[1], x[2]);
    const sc_vf s34 = sc_vadd(x[3], x[4]), d34 = sc_vsub(x[3], x[4]);
    y[0] = sc_vadd(sc_vadd(x[0], s12), s34);
    y[1] = sc_vadd(d12, sc_vmul(two, d34));
#if SC_WINO_M == 4
    y[2] = sc_vadd(s12, sc_vmul(four, s34));
    y[3] = sc_vadd(sc_vadd(d12, sc_vmul(sc_vset1(8.0f), d34)), x[5]);
#else
    y[2] = sc_vadd(sc_vadd(s12, sc_vmul(four, s34)), x[5]);
#endif
}
#else
/*
 *   B^T = | 1  0 -1  0 |     A^T = | 1  1  1  0 |
 *         | 0  1  1  0 |           | 0  1 -1 -1 |
 *         | 0 -1  1  0 |
 *         | 0  1  0 -1 |
 * (points 0, 1, -1, infinity): every coefficient is +-1, so each stage is
 * exact up to its additions.
 */
static inline void sc_wino_bt(const sc_vf x[SC_WA], sc_vf y[SC_WA])
{
    y[0] = sc_vsub(x[0], x[2]);
    y[1] = sc_vadd(x[1], x[2]);
    y[2] = sc_vsub(x[2], x[1]);
    y[3] = sc_vsub(x[1], x[3]);
}

static inline void sc_wino_at(const sc_vf x[SC_WA], sc_vf y[SC_WINO_M])
{
    y[0] = sc_vadd(sc_vadd(x[0], x[1]), x[2]);
    y[1] = sc_vsub(sc_vsub(x[1], x[2]), x[3]);
}
#endif

/*
 * Row I/O between memory and lanes. An ISA file may define SC_WINO_ROW_IO and
 * provide, for SC_VLEN tiles whose first columns lie SC_WINO_M apart:
 *   sc_wino_load_row(src, x):  x[j] lane l = src[l*SC_WINO_M + j], j < alpha,
 *       reading no more than src[0 .. SC_WINO_ROW_READ)
 *   sc_wino_store_row(dst, y): dst[l*SC_WINO_M + q] = y[q] lane l, q < SC_WINO_M
 * (deinterleaving shuffles or structure loads); these are the lane-by-lane
 * versions.
 */
#ifndef SC_WINO_ROW_IO
#define SC_WINO_ROW_READ ((SC_VLEN - 1) * SC_WINO_M + SC_WA)
static inline void sc_wino_load_row(const float *src, sc_vf x[SC_WA])
{
    for (int j = 0; j < SC_WA; j++)
        x[j] = sc_vload_strided(src + j, SC_WINO_M);
}
static inline void sc_wino_store_row(float *dst, const sc_vf y[SC_WINO_M])
{
    float o[SC_WINO_M * SC_VLEN];
    for (int q = 0; q < SC_WINO_M; q++)
        sc_vstore(o + q * SC_VLEN, y[q]);
    for (int l = 0; l < SC_VLEN; l++)
        for (int q = 0; q < SC_WINO_M; q++)
            dst[l * SC_WINO_M + q] = o[q * SC_VLEN + l];
}
#endif

/* The output transform's 36 (or 16) loads of a tile group lie at fixed
   multiples of a run-time stride. Left to itself the compiler keeps one
   stepping pointer per load, spills them, and adds to each in memory every
   group (31 read-modify-writes per 8 tiles on AVX2); stepping one pointer
   it cannot see through keeps them in a register. The one-tile scalar
   build addresses them better itself (20% fewer instructions there):
   SC_WINO_STEP(ptr, i, stride) is the i-th of the loads, in order. */
#if SC_VLEN > 1
static inline const float *sc_wino_step(const float **p, int64_t stride)
{
    const float *at = *p;
    __asm__("" : "+r"(at));
    *p = at + stride;
    return at;
}
#define SC_WINO_STEP(ptr, i, stride) sc_wino_step(&(ptr), stride)
#else
#define SC_WINO_STEP(ptr, i, stride) ((ptr) + (i) * (stride))
#endif

/* Row stride of the border buffer: one row of a group's window, in whole
   vectors. */
#define SC_WINO_BUF_LD ((SC_WINO_ROW_READ + SC_VLEN - 1) / SC_VLEN * SC_VLEN)

/* Border windows, one per thread. load_row reads whole rows of it, and the
   columns outside the run being staged must hold finite, defined values
   (their lanes are blended away): thread storage starts zeroed and is only
   ever overwritten with input values or zeros, which spares each call a
   clearing pass. */
static _Thread_local float sc_wino_buf[SC_WA * SC_WINO_BUF_LD];

/* Lanes [l0, l1) set. */
static inline sc_vmask sc_wino_lanes(int64_t l0, int64_t l1)
{
    static const float idx[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    const sc_vf i = sc_vload(idx);
    return sc_vmask_and(sc_vcmp_ge(i, sc_vset1((float)l0)), sc_vcmp_lt(i, sc_vset1((float)l1)));
}

/*
 * Stages tiles tile .. tile+n-1 (n <= SC_VLEN) into d[xi * SC_VLEN + lane],
 * lanes from n on zero. The group is cut into runs of tiles sharing a tile
 * row; a run's alpha x (cnt*m + 2) window is read in place when it lies
 * inside the plane, otherwise copied through the padding maps into buf at the
 * run's lane offset. Either way load_row sees lane l's tile at column l*m,
 * and lanes of other runs are blended away.
 */
static inline void sc_wino_stage_in(const sc_conv_geom *g, const float *plane, int64_t tiles_w,
                                    int64_t tile, int64_t n, float *d)
{
    const int64_t top = g->pad_top, left = g->pad_left, h = g->h, w = g->w;
    float *buf = sc_wino_buf;
    for (int64_t l0 = 0; l0 < n;) {
        const int64_t ti = (tile + l0) / tiles_w, tj = (tile + l0) % tiles_w;
        const int64_t cnt = n - l0 < tiles_w - tj ? n - l0 : tiles_w - tj;
        const int64_t r0 = ti * SC_WINO_M, c0 = tj * SC_WINO_M;
        const int64_t ncols = (cnt - 1) * SC_WINO_M + SC_WA;
        /* In place: the window is inside the plane, and so is everything
           load_row touches from lane 0's (virtual) column on. */
        const int64_t first = (r0 - top) * w + (c0 - left) - l0 * SC_WINO_M;
        const float *base;
        int64_t ld;
        if (r0 >= top && r0 + SC_WA <= top + h && c0 >= left && c0 + ncols <= left + w &&
            first >= 0 && first + (SC_WA - 1) * w + SC_WINO_ROW_READ <= h * w) {
            base = plane + first;
            ld = w;
        } else {
            for (int i = 0; i < SC_WA; i++) {
                const int64_t r = r0 + i;
                const int64_t rs = r < g->hp ? g->row_src[r] : -1;
                sc_padded_row(g, rs < 0 ? NULL : plane + rs * w, c0, 1, ncols,
                              buf + i * SC_WINO_BUF_LD + l0 * SC_WINO_M);
            }
            base = buf;
            ld = SC_WINO_BUF_LD;
        }
        const int whole = l0 == 0 && cnt == SC_VLEN;
        const sc_vmask keep = sc_wino_lanes(l0, l0 + cnt);
        for (int i = 0; i < SC_WA; i++) {
            sc_vf x[SC_WA];
            sc_wino_load_row(base + i * ld, x);
            for (int j = 0; j < SC_WA; j++) {
                float *dj = d + (i * SC_WA + j) * SC_VLEN;
                sc_vstore(dj, whole ? x[j] : sc_vblend(l0 == 0 ? sc_vzero() : sc_vload(dj), x[j], keep));
            }
        }
        l0 += cnt;
    }
}

void SC_WINO_INPUT_FN(const sc_conv_geom *g, const float *plane, int64_t tiles_w,
                      int64_t tile0, int64_t count, float *v, int64_t v_stride)
{
    float d[SC_WA2 * SC_VLEN];
    for (int64_t g0 = 0; g0 < count; g0 += SC_VLEN) {
        const int64_t n = count - g0 < SC_VLEN ? count - g0 : SC_VLEN;
        sc_wino_stage_in(g, plane, tiles_w, tile0 + g0, n, d);
        sc_vf x[SC_WA], y[SC_WA];
        /* d = B^T d column by column, in place */
        for (int j = 0; j < SC_WA; j++) {
            for (int i = 0; i < SC_WA; i++)
                x[i] = sc_vload(d + (i * SC_WA + j) * SC_VLEN);
            sc_wino_bt(x, y);
            for (int i = 0; i < SC_WA; i++)
                sc_vstore(d + (i * SC_WA + j) * SC_VLEN, y[i]);
        }
        /* V = (B^T d) B row by row, straight into the panel */
        for (int i = 0; i < SC_WA; i++) {
            for (int j = 0; j < SC_WA; j++)
                x[j] = sc_vload(d + (i * SC_WA + j) * SC_VLEN);
            sc_wino_bt(x, y);
            float *dst = v + (int64_t)i * SC_WA * v_stride + g0;
            if (n == SC_VLEN)
                for (int j = 0; j < SC_WA; j++)
                    sc_vstore(dst + j * v_stride, y[j]);
            else
                for (int j = 0; j < SC_WA; j++)
                    sc_vstore_partial(dst + j * v_stride, y[j], n);
        }
    }
}

/* ncols values of an output row from o at dst, whole vectors read. */
static inline void sc_wino_put_row(float *dst, const float *o, int64_t ncols)
{
    for (int64_t c = 0; c < ncols; c += SC_VLEN)
        sc_vstore_partial(dst + c, sc_vload(o + c), ncols - c < SC_VLEN ? ncols - c : SC_VLEN);
}

/* s = A^T M column by column for the n tiles of a group (lane l: tile l). */
static inline void sc_wino_at_columns(const float *m_in, int64_t m_stride, int64_t n, float *s)
{
    const int64_t row_stride = SC_WA * m_stride;
    sc_vf x[SC_WA], t[SC_WINO_M];
    for (int j = 0; j < SC_WA; j++) {
        const float *src = m_in + (int64_t)j * m_stride;
        if (n == SC_VLEN)
            for (int i = 0; i < SC_WA; i++)
                x[i] = sc_vload(SC_WINO_STEP(src, i, row_stride));
        else
            for (int i = 0; i < SC_WA; i++)
                x[i] = sc_vload_partial(src + i * row_stride, n);
        sc_wino_at(x, t);
        for (int p = 0; p < SC_WINO_M; p++)
            sc_vstore(s + (p * SC_WA + j) * SC_VLEN, t[p]);
    }
}

/* Row p of Y = (A^T M) A from s, plus the bias b when HB (one rounded add
   per output, as the epilogue's), then ReLU (CL = 1) or ReLU6 (CL = 2). HB
   and CL are constants in each of SC_WINO_OUTPUT_FN's instances: tested per
   row, they cost the scalar build 4-5% more instructions. */
static inline __attribute__((always_inline)) void
sc_wino_at_row(const float *s, int64_t p, const int HB, sc_vf b, const int CL,
               sc_vf t[SC_WINO_M])
{
    sc_vf x[SC_WA];
    for (int j = 0; j < SC_WA; j++)
        x[j] = sc_vload(s + (p * SC_WA + j) * SC_VLEN);
    sc_wino_at(x, t);
    for (int q = 0; q < SC_WINO_M; q++) {
        if (HB)
            t[q] = sc_vadd(t[q], b);
        if (CL == 1)
            t[q] = sc_epi_relu(t[q]);
        else if (CL == 2)
            t[q] = sc_epi_relu6(t[q]);
    }
}

/* count tiles side by side in one tile row: rows x cols outputs at y. */
static inline __attribute__((always_inline)) void
sc_wino_output_run(const float *m_in, int64_t m_stride, int64_t count, const int HB, sc_vf b,
                   const int CL, float *y, int64_t ldy, int64_t rows, int64_t cols)
{
    float s[SC_WINO_M * SC_WA * SC_VLEN], o[SC_WINO_M * SC_VLEN];
    for (int64_t g0 = 0; g0 < count; g0 += SC_VLEN) {
        const int64_t n = count - g0 < SC_VLEN ? count - g0 : SC_VLEN;
        const int64_t c0 = g0 * SC_WINO_M; /* columns of y this group writes */
        const int64_t nc = cols - c0 < SC_VLEN * SC_WINO_M ? cols - c0 : SC_VLEN * SC_WINO_M;
        sc_wino_at_columns(m_in + g0, m_stride, n, s);
        for (int64_t p = 0; p < rows; p++) {
            sc_vf t[SC_WINO_M];
            sc_wino_at_row(s, p, HB, b, CL, t);
            if (nc == SC_VLEN * SC_WINO_M) {
                sc_wino_store_row(y + p * ldy + c0, t);
            } else {
                sc_wino_store_row(o, t);
                sc_wino_put_row(y + p * ldy + c0, o, nc);
            }
        }
    }
}

/* Tile rows of at most half a vector: a group of lanes spans rows (4 tiles
   a row fill 16 lanes, not 4), and each run of lanes sharing a tile row
   gets its segment. */
static inline __attribute__((always_inline)) void
sc_wino_output_span(const float *m_in, int64_t m_stride, int64_t tile0, int64_t count,
                    int64_t tiles_w, const int HB, sc_vf b, const int CL, float *y, int64_t ho,
                    int64_t wo)
{
    /* o holds one output row of a group, lane-major; the extra vector lets
       sc_wino_put_row read whole vectors from any lane's offset. */
    float s[SC_WINO_M * SC_WA * SC_VLEN], o[(SC_WINO_M + 1) * SC_VLEN];
    sc_vstore(o + SC_WINO_M * SC_VLEN, sc_vzero());
    for (int64_t g0 = 0; g0 < count; g0 += SC_VLEN) {
        const int64_t n = count - g0 < SC_VLEN ? count - g0 : SC_VLEN;
        const int64_t ti = (tile0 + g0) / tiles_w, tj = (tile0 + g0) % tiles_w;
        sc_wino_at_columns(m_in + g0, m_stride, n, s);
        for (int64_t p = 0; p < SC_WINO_M && ti * SC_WINO_M + p < ho; p++) {
            sc_vf t[SC_WINO_M];
            sc_wino_at_row(s, p, HB, b, CL, t);
            sc_wino_store_row(o, t);
            float *row = y + (ti * SC_WINO_M + p) * wo;
            for (int64_t l0 = 0, tc = tj; l0 < n && row < y + ho * wo;
                 row += SC_WINO_M * wo, tc = 0) {
                const int64_t cnt = n - l0 < tiles_w - tc ? n - l0 : tiles_w - tc;
                const int64_t ow = tc * SC_WINO_M;
                sc_wino_put_row(row + ow, o + l0 * SC_WINO_M,
                                wo - ow < cnt * SC_WINO_M ? wo - ow : cnt * SC_WINO_M);
                l0 += cnt;
            }
        }
    }
}

/* One instance per (bias or not, clamp). */
static inline __attribute__((always_inline)) void
sc_wino_output_body(const float *m_in, int64_t m_stride, int64_t tile0, int64_t count,
                    int64_t tiles_w, const int HB, sc_vf b, const int CL, float *y, int64_t ho,
                    int64_t wo)
{
    /* Wider rows run tile row by tile row: spanning rows there would save
       little arithmetic for a second run of partial stores per group (AVX2,
       7 tiles a row: 22% more instructions). */
    if (2 * tiles_w <= SC_VLEN) {
        sc_wino_output_span(m_in, m_stride, tile0, count, tiles_w, HB, b, CL, y, ho, wo);
        return;
    }
    int64_t oh = tile0 / tiles_w * SC_WINO_M, tj = tile0 % tiles_w;
    for (int64_t j = 0; j < count; oh += SC_WINO_M, tj = 0) {
        const int64_t run = tiles_w - tj < count - j ? tiles_w - tj : count - j;
        const int64_t ow = tj * SC_WINO_M;
        sc_wino_output_run(m_in + j, m_stride, run, HB, b, CL, y + oh * wo + ow, wo,
                           ho - oh < SC_WINO_M ? ho - oh : SC_WINO_M,
                           wo - ow < run * SC_WINO_M ? wo - ow : run * SC_WINO_M);
        j += run;
    }
}

void SC_WINO_OUTPUT_FN(const float *m_in, int64_t m_stride, int64_t tile0, int64_t count,
                       int64_t tiles_w, const float *bias, sc_activation act, float *y,
                       int64_t ho, int64_t wo)
{
    const int cl = act == SC_ACT_RELU ? 1 : act == SC_ACT_RELU6 ? 2 : 0;
    const sc_vf b = sc_vset1(bias ? *bias : 0.0f);
    if (!bias && cl == 0)
        sc_wino_output_body(m_in, m_stride, tile0, count, tiles_w, 0, b, 0, y, ho, wo);
    else if (!bias && cl == 1)
        sc_wino_output_body(m_in, m_stride, tile0, count, tiles_w, 0, b, 1, y, ho, wo);
    else if (!bias)
        sc_wino_output_body(m_in, m_stride, tile0, count, tiles_w, 0, b, 2, y, ho, wo);
    else if (cl == 0)
        sc_wino_output_body(m_in, m_stride, tile0, count, tiles_w, 1, b, 0, y, ho, wo);
    else if (cl == 1)
        sc_wino_output_body(m_in, m_stride, tile0, count, tiles_w, 1, b, 1, y, ho, wo);
    else
        sc_wino_output_body(m_in, m_stride, tile0, count, tiles_w, 1, b, 2, y, ho, wo);
}

#undef SC_WA
#undef SC_WA2
#undef SC_WINO_BUF_LD
#undef SC_WINO_R
