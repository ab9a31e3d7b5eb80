/*
 * im2col + GEMM executor. Per (image, group) the convolution is the product
 *     C [cout_g x Ho*Wo] = W_g [cout_g x K] * B [K x Ho*Wo],  K = cin_g*KH*KW,
 * where column p of B holds the K input values output pixel p reads.
 *
 * B is never built in full: it would be K/(stride^2) times the input. For
 * each block of NC output pixels and KC reduction rows, the B panel the
 * micro-kernel wants is packed from the input ("implicit im2col"), so a
 * thread's scratch is one KC x NC panel that stays in L2 while every row
 * panel of W_g streams past it, plus a slab: the padded input rows the block
 * reads, split by column phase modulo the stride, from which every B row is
 * a plain copy (the padding maps are applied once per input element, not once
 * per tap). The weights are packed once, at create, into the micro-kernel's
 * MR-row panels.
 *
 * When output rows are wide enough to be cut into whole tiles, B is not
 * packed at all: the indirect micro-kernel reads each of its kc rows from
 * the slab through a table of row pointers (one table per output row), and
 * items are whole output rows. That saves the packing pass, which costs most
 * where few output channels share each packed value (the stem, AlexNet
 * conv1); sc_im2col_indirect_pays has the measured rule.
 *
 * Threads take (image, group, pixel block, row-panel block) items; each
 * output element is produced by one thread, summing KC blocks in ascending
 * order, so results do not depend on the thread count. Where those items
 * are too few for the threads and B is packed, the pixel blocks are cut
 * finer (sc_im2col_packed_block); only where even single-tile blocks are
 * fewer than the threads are an item's row panels split among them, each
 * part packing its own B.
 * A 1x1 convolution with stride 1 and no padding reads B directly off the
 * input planes. On small planes conv-im2col-transposed.c may serve a
 * layer first, transposed.
 */
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "conv.h"

/* Reduction rows per B panel. With SC_IM2COL_NC (conv.h), one panel is
   256 KiB: half of a Zen3 L2, leaving room for the A panels and C rows
   streaming through. */
#define SC_IM2COL_KC 256
/* Reduction rows per block on the indirect path, which keeps no B panel:
   only the A panel (6 x 512 floats for AVX2) has to stay in L1. Measured
   against 256 and 1024 on AlexNet conv1, the stem, Inception 5x5, dilated 3x3. */
#define SC_IGEMM_KC 512
/* Floats of slack before and after the slab: the vector packers read up to
   one vector (16 floats at most) past either end of a row, the indirect
   micro-kernels up to nr - 1 (31 at most) past the end of a run. */
#define SC_IM2COL_SLACK 32
/* Output rows a block may touch (nc + 1), for the packer's row table. */
#define SC_IM2COL_MAX_ROWS (SC_IM2COL_NC + 64)
/* Largest slab, in B panels (kc x nc): beyond it the general packer. */
#define SC_IM2COL_SLAB_MAX 4
/* Row panels from which the in-place 1x1 route copies each B panel (kc
   rows of nr pixels, one per input plane) into a contiguous one before
   the panels meet it. In place, its rows lie a plane apart; the copy
   costs a pass over B that only many panels repay (why the scattered rows
   cost more was not isolated: the gain also shows at 28x28, whose plane
   stride spreads over every L1 set). Measured (1 thread,
   minima, copy/in place): AVX-512 12x32 at 6 panels 1.04, 11 panels 0.89,
   22 panels 0.93-0.98, 43 panels 0.96; AVX2 6x16 at 4 panels 1.18, 8 panels
   1.08, 11 panels 0.91-0.98, 22 panels 0.95, 43 panels 0.94. Not below 64
   rows: 32 -> 192 channels at 112x112 (16 panels, AVX-512) ran 1.09.
   Below the threshold the in-place layer is bound by reading B from L3,
   not by the copy's layout: on 256 -> 64 at 56x56 (AVX-512, 1 thread) the
   kernel calls alone take 0.48 ms (91% of peak) and copying B alone 0.125
   ms, against 0.64-0.66 ms for the layer. Neither a block copy read row by
   row (0.638 against 0.664 ms, minima of 5 alternations; 1.01 at 2 threads)
   nor software prefetch of the next block into L2, spread over the calls
   (0.650; between the calls: 0.709) overlapped the two. */
#define SC_IM2COL_1X1_PACK_PANELS 10
/* Bytes of one k-block's packed weights (all its row panels) from which
   the packed route runs each A panel against every B panel of the block
   (A outer) rather than each B panel against every A panel. B outer keeps
   a B panel in L1 while the A panels stream from L2; once they no longer
   fit there they stream from memory at one call's compute per A panel
   (12 rows x 256 k: 12 KiB per 3K cycles, about 14 GB/s at 3.7 GHz, over
   the 11 GB/s one thread streams on the AVX-512 host). Measured (AVX-512, 1 thread, minima of 4
   alternations, A outer / B outer): 1024 -> 1024 3x3 at 14x14 (1 MiB
   blocks) 0.90, at 7x7 0.98, 512 -> 512 at 14x14 (528 KiB) 0.96, at 7x7
   0.98; but 5x5 256 -> 256 at 13x13 (264 KiB) 1.07. */
#define SC_IM2COL_A_OUTER_BYTES (512 * 1024)
/* Items per thread to aim for before splitting the rows of W_g. */
#define SC_IM2COL_ITEMS_PER_THREAD 2

typedef struct sc_im2col_state {
    const sc_gemm_kernel *k;
    const sc_pack_kernel *pk; /* B rows from the slab */
    int64_t mr, nr;
    int64_t kdim;    /* K = cin_g * kh * kw */
    int64_t mpanels; /* ceil(cout_g / mr) */
    int64_t kc, nc;  /* block sizes; nc is a multiple of nr */
    int direct_b;    /* 1x1, stride 1, no padding: B rows are input planes */
    /* The micro-kernel reads B straight from the slab through a table of row
       pointers (one per k, per output row), so B is never packed. Items are
       then whole output rows and tiles never cross one: it pays when the
       rows are wide enough that the ragged last tile of each wastes little. */
    int indirect;
    /* B is packed from a slab (unless direct_b, or the slab would be far
       bigger than the panel it feeds): per k-block, the padded input rows
       the item's pixels read, each split into its column phases modulo the
       stride, so that every B row of every stride and dilation is a plain
       run of one phase with no border cases. Only the rows and phases some
       tap reads are kept. */
    int slab;
    int64_t slab_chans, slab_rows; /* capacity: channels, rows per channel */
    int64_t span;                  /* capacity: padded rows one item spans */
    int64_t wq;                    /* columns per phase: ceil(wp / sw) */
    int64_t nph;                   /* phases kept */
    int64_t *ph_slot;              /* [sw]: a phase's place in a slab row, -1 if unread */
    /* A thread's workspace, in floats from its start: the B block (kc x nc),
       then SC_IM2COL_SLACK floats, the slab (slab_floats), the slack again,
       then the row map (span int64s). */
    int64_t slab_off, slab_floats, rowmap_off;
    /* Per reduction index k = (ci, i, j): where its B row starts within a
       slab channel, as {ci, i*dh, column offset of phase and tap}, so the
       packers and row tables need no division per k. */
    int64_t *ktab;
    /* First output channel of the last row panel: (mpanels - 1) * mr, or
       less where that panel alone would hold fewer than mr/2 rows
       (sc_panel_row). */
    int64_t last_row;
    /* The weights of a k-block outgrow the L2 (SC_IM2COL_A_OUTER_BYTES):
       each A panel meets every B panel of the block in turn, rather than
       each B panel every A panel. */
    int a_outer;
    float *a;        /* [groups][mpanels][K][mr], zero rows past each panel's own */
} sc_im2col_state;

static int64_t sc_round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

/* Pixels per block of the packed route on a plan for nthreads threads,
   with `outer` images x groups. Where sc_im2col_block_pixels's blocks make
   fewer than two items per thread, they are cut finer (whole tiles still)
   until the items split evenly among the threads, so that each thread packs
   and computes items of its own. Sharing an item instead (as the threads
   once did, on one packed B) splits its row panels, unevenly where they
   are few (32 channels: 3 panels, 2 and 1), and every thread waited for
   the slowest at three barriers per k-block (a barrier itself costs about 0.3 us here; the
   waiting is the cost: 23% of a 2-thread profile of 7x7 32 -> 32 at 17x17
   sat in libgomp). Measured (AVX-512, 2 threads, minima of 2-3
   alternations, finer blocks / shared item), 7x7 32 -> 32 at
   17x17 (2 blocks) 0.154 / 0.373 ms, 160 channels 2.31 / 3.11, 5x5 32 -> 32
   at 17x17 0.085 / 0.201; 3x3 128 -> 128 at 14x14 (1 block, cut in 2)
   0.195 / 0.259, 5x5 256 -> 256 at 13x13 1.62 / 1.94, 3x3 64 -> 64 at 15x15
   0.070 / 0.100. The cut changes which pixels share a kernel call, never an
   output's sum, so the bits do not depend on it. */
static int64_t sc_im2col_packed_block(int64_t npix, int64_t nr, int64_t outer, int nthreads)
{
    int64_t nc = sc_im2col_block_pixels(npix, nr);
    for (int64_t npb = (npix + nc - 1) / nc; nthreads > 1 && nc > nr; npb++) {
        const int64_t items = outer * ((npix + nc - 1) / nc);
        if (items >= SC_IM2COL_ITEMS_PER_THREAD * nthreads || items % nthreads == 0)
            break;
        nc = sc_round_up((npix + npb) / (npb + 1), nr);
    }
    return nc;
}

/* First output channel (within the group) of row panel mp; mp = mpanels
   gives cout_g. Panels hold mr rows, except the last two when the last
   would hold fewer than mr/2: a tile of so few rows keeps too few
   accumulators to hide the FMA latency (6x16 on AVX2: 2 rows take the 4
   cycles a k of 4 rows takes), so those rows are spread over both (32
   channels: 6,6,6,6,4,4 rather than 6,6,6,6,6,2). */
static inline int64_t sc_panel_row(int64_t mp, int64_t mpanels, int64_t mr, int64_t last,
                                   int64_t cout_g)
{
    return mp + 1 < mpanels ? mp * mr : mp + 1 == mpanels ? last : cout_g;
}

/* Decides whether B is packed through a slab and sizes it: up to
   slab_chans channels (a k-block's) x slab_rows distinct padded rows x
   nph * wq columns. Falls back to the general packer when that would exceed
   SC_IM2COL_SLAB_MAX panels' worth (very wide rows with a small block). */
static sc_status sc_im2col_plan_slab(const sc_conv_geom *g, sc_im2col_state *s)
{
    const int64_t khw = g->kh * g->kw;
    /* output rows an item's nc pixels touch, at most */
    const int64_t orows = sc_min64(g->ho, (s->nc + g->wo - 1) / g->wo + 1);
    const int64_t span = (orows - 1) * g->sh + (g->kh - 1) * g->dh + 1;
    s->slab_chans = sc_min64(g->cin_g, (s->kc + khw - 1) / khw + 1);
    s->slab_rows = sc_min64(span, orows * g->kh);
    s->wq = (g->wp + g->sw - 1) / g->sw;
    s->ph_slot = sc_malloc((size_t)g->sw * sizeof(int64_t));
    if (!s->ph_slot)
        return SC_OUT_OF_MEMORY;
    for (int64_t ph = 0; ph < g->sw; ph++)
        s->ph_slot[ph] = -1;
    s->nph = 0;
    for (int64_t j = 0; j < g->kw; j++) {
        const int64_t ph = j * g->dw % g->sw;
        if (s->ph_slot[ph] < 0)
            s->ph_slot[ph] = s->nph++;
    }
    int64_t f;
    const int64_t fs[] = {s->slab_chans, s->slab_rows, s->nph, s->wq};
    if (!sc_prod_i64(&f, 4, fs) || f > SC_IM2COL_SLAB_MAX * s->kc * SC_IM2COL_NC)
        return SC_OK; /* no slab */
    s->pk = sc_pick_pack(s->k->isa, s->nr);
    if (!s->pk || s->nc + 1 > SC_IM2COL_MAX_ROWS)
        return SC_OK;
    s->slab = 1;
    s->span = span;
    s->slab_floats = f;
    return SC_OK;
}

/* Whether B is read in place from the slab. Every output row then ends in
   its own ragged tile, computed at the kernel's column granularity, while
   packing costs a pass over B that fewer output channels repay. Measured
   (AVX2, 1 thread, minima) as indirect/packed time: with whole tiles
   0.77-0.85 at 32-64 channels, 0.94 at 128, 0.98 at 256; with a 14% ragged
   waste 0.94 at 32 channels, 1.00 at 64, 1.15 at 128, 1.42 at 512. */
static int sc_im2col_indirect_pays(const sc_conv_geom *g, const sc_gemm_kernel *k)
{
    const int64_t cols = (g->wo + k->nr_min - 1) / k->nr_min * k->nr_min;
    /* A row narrower than a tile is one tile of cols / nr_min vectors: with
       fewer than 12 accumulators it cannot cover the FMA latency (AVX2, 7
       wide, 6 accumulators: 24 -> 32 channels at 7x7 ran 1.10 of packed).
       With them it wins like a wide row (packed/indirect, 1 thread: AVX-512
       16 -> 32 5x5 at 28x28 0.87, 32 -> 32 3x3 at 28x28 0.87, 24 -> 32 at
       14x14 0.94; AVX2 32 -> 32 at 14x14 0.88, 16 -> 32 5x5 at 14x14 0.87). */
    if (g->wo < k->nr && cols < sc_gemm_busy_cols(k))
        return 0;
    if (cols * 100 <= g->wo * 105)
        return g->cout_g <= 256;
    return cols * 100 <= g->wo * 115 && g->cout_g <= 48;
}

static sc_status sc_im2col_create(struct sc_conv2d_plan *p, const float *weight,
                                  const char **why)
{
    const sc_gemm_kernel *k = sc_pick_gemm(p->active);
    if (!k) {
        *why = "no GEMM kernel for this ISA";
        return SC_UNSUPPORTED;
    }
    const sc_conv_geom *g = &p->g;
    const int64_t mr = k->mr, nr = k->nr;
    const int64_t kdim = g->cin_g * g->kh * g->kw; /* fits: the weight size was checked */
    const int64_t mpanels = (g->cout_g + mr - 1) / mr;

    int64_t a_count;
    const int64_t fa[4] = {g->groups, mpanels, kdim, mr};
    if (!sc_prod_i64(&a_count, 4, fa) || a_count > (int64_t)(SIZE_MAX / sizeof(float)))
        return sc_fail(SC_INVALID_ARGUMENT, "conv2d: packed weight size overflows");

    /* Equal KC blocks, so the last one is not a sliver. */
    const int64_t nkb = (kdim + SC_IM2COL_KC - 1) / SC_IM2COL_KC;
    const int64_t kc = (kdim + nkb - 1) / nkb;
    const int64_t npix = g->ho * g->wo;
    /* Indirect items are whole output rows, about as many pixels as a
       packed block. */
    /* the threads a run outside a parallel region takes (sc_threads_for_run) */
    const int run_threads = (int)sc_min64(p->nthreads, p->useful_threads);
    const int64_t nc = sc_conv_pointwise(g) ? sc_im2col_block_pixels(npix, nr)
                                            : sc_im2col_packed_block(npix, nr, g->n * g->groups,
                                                                     run_threads);
    const int64_t rows_max = sc_min64(g->ho, g->wo < SC_IM2COL_NC ? SC_IM2COL_NC / g->wo : 1);
    const int64_t nrb = (g->ho + rows_max - 1) / rows_max;
    const int64_t rows_nc = (g->ho + nrb - 1) / nrb * g->wo;

    sc_im2col_state *s = sc_calloc(sizeof *s);
    if (!s)
        return sc_fail(SC_OUT_OF_MEMORY, "conv2d: out of memory for the im2col plan");
    s->a = sc_malloc((size_t)a_count * sizeof(float));
    if (!s->a) {
        sc_free(s);
        return sc_fail(SC_OUT_OF_MEMORY, "conv2d: out of memory for %lld packed weights",
                       (long long)a_count);
    }
    s->k = k;
    s->mr = mr;
    s->nr = nr;
    s->kdim = kdim;
    s->mpanels = mpanels;
    s->kc = kc;
    s->nc = nc;
    s->direct_b = sc_conv_pointwise(g);

    const int64_t tail = g->cout_g - (mpanels - 1) * mr; /* rows of a last panel of mr */
    s->last_row = (mpanels - 1) * mr - (mpanels >= 2 && 2 * tail < mr ? (mr - tail) / 2 : 0);
    float *dst = s->a;
    for (int64_t grp = 0; grp < g->groups; grp++)
        for (int64_t mp = 0; mp < mpanels; mp++) {
            const int64_t r0 = sc_panel_row(mp, mpanels, mr, s->last_row, g->cout_g);
            const int64_t r1 = sc_panel_row(mp + 1, mpanels, mr, s->last_row, g->cout_g);
            for (int64_t kk = 0; kk < kdim; kk++)
                for (int64_t i = 0; i < mr; i++) {
                    const int64_t row = r0 + i;
                    *dst++ = row < r1 ? weight[(grp * g->cout_g + row) * kdim + kk] : 0.0f;
                }
        }

    p->state = s;
    p->isa = k->isa;
    s->indirect = !s->direct_b && sc_im2col_indirect_pays(g, k);
    if (s->indirect) {
        const int64_t nkbi = (kdim + SC_IGEMM_KC - 1) / SC_IGEMM_KC;
        s->kc = (kdim + nkbi - 1) / nkbi;
        s->nc = rows_nc;
    }
    if (!s->direct_b && sc_im2col_plan_slab(g, s) != SC_OK)
        return sc_fail(SC_OUT_OF_MEMORY, "conv2d: out of memory for the im2col phase map");
    if (s->indirect && !s->slab) {
        /* The packed blocks' slab may still fit where whole rows' did not. */
        s->indirect = 0, s->nc = nc, s->kc = kc;
        sc_free(s->ph_slot);
        s->ph_slot = NULL;
        if (sc_im2col_plan_slab(g, s) != SC_OK)
            return sc_fail(SC_OUT_OF_MEMORY, "conv2d: out of memory for the im2col phase map");
    }
    s->a_outer = !s->direct_b && !s->indirect &&
                 s->kc * mpanels * mr * (int64_t)sizeof(float) > SC_IM2COL_A_OUTER_BYTES;
    if (s->slab) {
        s->ktab = sc_malloc((size_t)kdim * 3 * sizeof(int64_t));
        if (!s->ktab)
            return sc_fail(SC_OUT_OF_MEMORY, "conv2d: out of memory for the im2col tap table");
        for (int64_t kk = 0; kk < kdim; kk++) {
            const int64_t j = kk % g->kw, coff = j * g->dw;
            s->ktab[3 * kk] = kk / (g->kh * g->kw);
            s->ktab[3 * kk + 1] = kk / g->kw % g->kh * g->dh;
            s->ktab[3 * kk + 2] = s->ph_slot[coff % g->sw] * s->wq + coff / g->sw;
        }
    }
    snprintf(p->name, sizeof p->name, "im2col_%s%s", s->direct_b ? "1x1_" : s->indirect ? "i" : "",
             k->name); /* im2col_igemm_6x16: the indirect form of the gemm_6x16 tile */
    /* In place, a thread only ever packs one panel at a time; indirect, it
       only needs the row-pointer table (kc pointers, 2 floats each). */
    int64_t ws_floats = s->direct_b ? kc * nr : s->indirect ? 6 * s->kc : kc * nc;
    if (s->slab) {
        s->slab_off = sc_round_up(ws_floats, 16) + SC_IM2COL_SLACK;
        s->rowmap_off = sc_round_up(s->slab_off + s->slab_floats + SC_IM2COL_SLACK, 16);
        ws_floats = s->rowmap_off + 2 * s->span; /* int64s, 2 floats each */
    }
    p->workspace_per_thread = (size_t)sc_round_up(ws_floats * (int64_t)sizeof(float), 64);
    return SC_OK;
}

/* Writes successive B values into NR-wide panels: lane by lane, jumping to
   the next panel (kc*nr floats on) when one fills up. */
typedef struct sc_bcursor {
    float *dst;
    int64_t lane, nr, panel_stride;
} sc_bcursor;

static inline void sc_bput(sc_bcursor *c, float v)
{
    c->dst[c->lane] = v;
    if (++c->lane == c->nr) {
        c->lane = 0;
        c->dst += c->panel_stride;
    }
}

/* count values src[0], src[stride], ... in segments that end at panel
   boundaries: the inner loops are plain copies the compiler vectorises. */
static inline void sc_bput_run(sc_bcursor *c, const float *src, int64_t stride, int64_t count)
{
    while (count > 0) {
        const int64_t seg = count < c->nr - c->lane ? count : c->nr - c->lane;
        float *d = c->dst + c->lane;
        if (stride == 1)
            for (int64_t t = 0; t < seg; t++)
                d[t] = src[t];
        else
            for (int64_t t = 0; t < seg; t++)
                d[t] = src[t * stride];
        src += seg * stride;
        count -= seg;
        c->lane += seg;
        if (c->lane == c->nr) {
            c->lane = 0;
            c->dst += c->panel_stride;
        }
    }
}

static inline void sc_bput_zeros(sc_bcursor *c, int64_t count)
{
    while (count > 0) {
        const int64_t seg = count < c->nr - c->lane ? count : c->nr - c->lane;
        for (int64_t t = 0; t < seg; t++)
            c->dst[c->lane + t] = 0.0f;
        count -= seg;
        c->lane += seg;
        if (c->lane == c->nr) {
            c->lane = 0;
            c->dst += c->panel_stride;
        }
    }
}

/* Zero lanes past the last pixel, so the micro-kernel's full-width loads
   read finite values. */
static inline void sc_bfinish(sc_bcursor *c)
{
    if (c->lane != 0)
        sc_bput_zeros(c, c->nr - c->lane);
}

/*
 * Packs B rows [k0, k0+kc) for pixels [p0, p0+ncur) of one image and group
 * into panels at bp: panel q holds pixels p0 + q*nr .. + nr-1, row kk at
 * bp + q*kc*nr + kk*nr.
 */
static void sc_pack_b(const sc_conv_geom *g, const sc_im2col_state *s, const float *in_g,
                      int64_t k0, int64_t kc, int64_t p0, int64_t ncur, float *bp)
{
    const int64_t nr = s->nr, h = g->h, w = g->w, wo = g->wo;
    const int64_t khw = g->kh * g->kw;

    if (s->direct_b) {
        /* One panel: a ragged last one (its rows end before nr columns,
           and the last one may end the input buffer), or any, where the
           item has many row panels (SC_IM2COL_1X1_PACK_PANELS). */
        for (int64_t kk = 0; kk < kc; kk++) {
            const float *src = in_g + (k0 + kk) * h * w + p0;
            float *dst = bp + kk * nr;
            memcpy(dst, src, (size_t)ncur * sizeof(float));
            for (int64_t l = ncur; l < nr; l++)
                dst[l] = 0.0f;
        }
        return;
    }

    const int64_t oh_first = p0 / wo, ow_first = p0 % wo;
    for (int64_t kk = 0; kk < kc; kk++) {
        const int64_t kidx = k0 + kk;
        const int64_t ci = kidx / khw, i = (kidx % khw) / g->kw, j = kidx % g->kw;
        const float *plane = in_g + ci * h * w;
        const int64_t coff = j * g->dw;
        sc_bcursor cur = {bp + kk * nr, 0, nr, kc * nr};

        int64_t left = ncur, oh = oh_first, ow_a = ow_first;
        while (left > 0) {
            /* One output row's worth of pixels: [ow_a, ow_b) of row oh. */
            const int64_t ow_b = sc_min64(wo, ow_a + left);
            const int64_t r = g->row_src[oh * g->sh + i * g->dh];
            if (r < 0) {
                sc_bput_zeros(&cur, ow_b - ow_a);
            } else {
                const float *src = plane + r * w;
                const int64_t lo = sc_min64(ow_b, ow_a > g->ow_lo ? ow_a : g->ow_lo);
                const int64_t hi_raw = sc_min64(ow_b, g->ow_hi);
                const int64_t hi = hi_raw > lo ? hi_raw : lo;
                int64_t ow = ow_a;
                for (; ow < lo; ow++) {
                    const int64_t c = g->col_src[ow * g->sw + coff];
                    sc_bput(&cur, c < 0 ? 0.0f : src[c]);
                }
                /* Interior: padded column ow*sw + coff is input column
                   ow*sw + coff - pad_left, inside the row by construction. */
                const int64_t shift = coff - g->pad_left;
                if (hi > ow) {
                    sc_bput_run(&cur, src + ow * g->sw + shift, g->sw, hi - ow);
                    ow = hi;
                }
                for (; ow < ow_b; ow++) {
                    const int64_t c = g->col_src[ow * g->sw + coff];
                    sc_bput(&cur, c < 0 ? 0.0f : src[c]);
                }
            }
            left -= ow_b - ow_a;
            ow_a = 0;
            oh++;
        }
        sc_bfinish(&cur);
    }
}

/*
 * The padded rows an item reads: rowmap[r - r0] = the row's place in the
 * slab for padded rows r in [r0, r0 + span), -1 where no tap reads it.
 * Returns the number of rows kept.
 */
static int64_t sc_slab_rows(const sc_conv_geom *g, int64_t oh0, int64_t oh1, int64_t r0,
                            int64_t span, int64_t *rowmap)
{
    for (int64_t r = 0; r < span; r++)
        rowmap[r] = -1;
    for (int64_t oh = oh0; oh < oh1; oh++)
        for (int64_t i = 0; i < g->kh; i++)
            rowmap[oh * g->sh + i * g->dh - r0] = 0;
    int64_t n = 0;
    for (int64_t r = 0; r < span; r++)
        if (rowmap[r] >= 0)
            rowmap[r] = n++;
    return n;
}

/* Copies the kept rows of channels [ci0, ci0+nch) into slab, each row as its
   kept phases side by side (phase ph: padded columns ph, ph+sw, ...), through
   the padding maps once per input element. Not inlined (nor is
   sc_igemm_rows): once sc_im2col_item lost its shared-item code, GCC
   inlined both into it and the merged loops took 8% more instructions on
   the 11x11/4 seed (AVX2, callgrind). */
static __attribute__((noinline)) void
sc_build_slab(const sc_conv_geom *g, const sc_im2col_state *s, const float *in_g, int64_t ci0,
              int64_t nch, int64_t r0, int64_t span, const int64_t *rowmap, int64_t nrows,
              float *slab)
{
    const int64_t w = g->w, sw = g->sw, wq = s->wq, ld = s->nph * wq;
    for (int64_t c = 0; c < nch; c++) {
        const float *plane = in_g + (ci0 + c) * g->h * w;
        for (int64_t r = 0; r < span; r++) {
            if (rowmap[r] < 0)
                continue;
            float *row = slab + (c * nrows + rowmap[r]) * ld;
            const int64_t rs = g->row_src[r0 + r];
            const float *src = rs < 0 ? NULL : plane + rs * w;
            for (int64_t ph = 0; ph < sw; ph++)
                if (s->ph_slot[ph] >= 0)
                    sc_padded_row(g, src, ph, sw, wq, row + s->ph_slot[ph] * wq);
        }
    }
}

/* sc_pack_b from the slab: B row (ci, i, j) of output row oh is the run of
   slab row rowmap[oh*sh + i*dh - r0], phase (j*dw) mod sw, from column
   ow + (j*dw) div sw; the ISA's packer copies it with whole vectors. */
static void sc_pack_b_slab(const sc_conv_geom *g, const sc_im2col_state *s, const float *slab,
                           int64_t ci0, int64_t r0, const int64_t *rowmap, int64_t nrows,
                           int64_t k0, int64_t kc, int64_t p0, int64_t ncur, float *bp)
{
    const int64_t wo = g->wo, ld = s->nph * s->wq;
    const int64_t oh0 = p0 / wo, ow0 = p0 % wo;
    const int64_t nout = (p0 + ncur - 1) / wo + 1 - oh0; /* <= nc + 1 */
    const float *rp[SC_IM2COL_MAX_ROWS];
    for (int64_t kk = 0; kk < kc; kk++) {
        const int64_t *kt = s->ktab + 3 * (k0 + kk);
        const float *chan = slab + (kt[0] - ci0) * nrows * ld + kt[2];
        const int64_t *rm = rowmap + oh0 * g->sh + kt[1] - r0;
        for (int64_t r = 0; r < nout; r++)
            rp[r] = chan + rm[r * g->sh] * ld;
        s->pk->fn(rp, wo, ow0, ncur, s->nr, kc * s->nr, bp + kk * s->nr);
    }
}

/* Output rows [oh0, oh1) of a block from the slab, without packing: per
   output row, a table of the kc B rows (one pointer per tap, the runs
   sc_pack_b_slab would copy), then every tile of the row reads B in place
   at its first column. */
static __attribute__((noinline)) void
sc_igemm_rows(const struct sc_conv2d_plan *p, const sc_im2col_state *s, const float *slab,
              int64_t ci0, int64_t r0, const int64_t *rowmap, int64_t nrows, int64_t k0,
              int64_t kc, int64_t oh0, int64_t oh1, const float *a_g, const float *bias_g,
              float *c_g, int64_t mp0, int64_t mp1, void *tables)
{
    const sc_conv_geom *g = &p->g;
    const int64_t wo = g->wo, npix = g->ho * wo, ld = s->nph * s->wq;
    const int64_t mr = s->mr, nr = s->nr, mpanels = s->mpanels, cout_g = g->cout_g;
    const int64_t last_row = s->last_row; /* in a register, not reloaded per call */
    const float **bt = tables, **base = bt + kc;
    int64_t *rsel = (int64_t *)(base + kc);
    for (int64_t kk = 0; kk < kc; kk++) {
        const int64_t *kt = s->ktab + 3 * (k0 + kk);
        base[kk] = slab + (kt[0] - ci0) * nrows * ld + kt[2];
        rsel[kk] = kt[1] - r0;
    }
    for (int64_t oh = oh0; oh < oh1; oh++) {
        const int64_t *rm = rowmap + oh * g->sh;
        for (int64_t kk = 0; kk < kc; kk++)
            bt[kk] = base[kk] + rm[rsel[kk]] * ld;
        for (int64_t mp = mp0; mp < mp1; mp++) {
            const float *a = a_g + (mp * s->kdim + k0) * mr;
            const int64_t row = sc_panel_row(mp, mpanels, mr, last_row, cout_g);
            const int64_t m = sc_panel_row(mp + 1, mpanels, mr, last_row, cout_g) - row;
            const float *bias = k0 == 0 && bias_g ? bias_g + row : NULL;
            float *c = c_g + row * npix + oh * wo;
            for (int64_t ow = 0; ow < wo; ow += nr)
                s->k->ifn(kc, a, bt, ow, c + ow, npix, m, sc_min64(nr, wo - ow), k0 > 0, bias);
        }
    }
}

/* One micro-kernel call: row panel mp of the k-block [k0, k0 + kc) against
   the B panel at bq (row stride ldb) for the n output pixels from p. */
static inline void sc_im2col_tile(const sc_gemm_kernel *k, const float *a_g, int64_t kdim,
                                  int64_t mr, int64_t mpanels, int64_t last_row, int64_t cout_g,
                                  const float *bias_g, int64_t npix, const float *bq,
                                  int64_t ldb, float *c_g, int64_t k0, int64_t kc, int64_t mp,
                                  int64_t pix, int64_t n)
{
    /* Every argument comes in a register: on the 1x1 route with one input
       channel a call is a single k step, and reloading the plan's fields
       around it cost 3.6% of the seed 1x1's instructions. */
    const int64_t row = sc_panel_row(mp, mpanels, mr, last_row, cout_g);
    const int64_t m = sc_panel_row(mp + 1, mpanels, mr, last_row, cout_g) - row;
    k->fn(kc, a_g + (mp * kdim + k0) * mr, bq, ldb, c_g + row * npix + pix, npix, m, n, k0 > 0,
          bias_g ? bias_g + row : NULL);
}

/* Pixels [*p0, *p0 + *n) of pixel block pb. The indirect route's blocks
   are nc pixels (whole output rows). The others share the plane's tiles
   out as evenly as whole tiles go, at most nc / nr each: blocks of 224,
   224, 224 and 112 pixels (784 in tiles of 32) left one of 2 threads a
   third idle; 192, 192, 192 and 208 do not (1x1 512 -> 128 at 28x28, AVX-512,
   2 threads: 0.30 -> 0.27 ms). The cut never changes an output's sum. */
static inline void sc_im2col_block(const sc_im2col_state *s, int64_t npix, int64_t pb,
                                   int64_t *p0, int64_t *n)
{
    if (s->indirect) {
        *p0 = pb * s->nc;
        *n = sc_min64(s->nc, npix - *p0);
        return;
    }
    const int64_t npb = (npix + s->nc - 1) / s->nc, tiles = (npix + s->nr - 1) / s->nr;
    *p0 = pb * tiles / npb * s->nr;
    *n = sc_min64(npix, (pb + 1) * tiles / npb * s->nr) - *p0;
}

/*
 * One item: pixels [p0, p0 + ncur) (pixel block pb) of image b and group
 * grp, output-channel panels [mp0, mp1), on the thread's scratch at bp.
 */
static void sc_im2col_item(const struct sc_conv2d_plan *p, const sc_im2col_state *s,
                           const float *in, float *out, float *bp, int64_t b, int64_t grp,
                           int64_t pb, int64_t mp0, int64_t mp1)
{
    const sc_conv_geom *g = &p->g;
    const int64_t mr = s->mr, nr = s->nr, kdim = s->kdim, mpanels = s->mpanels;
    const int64_t npix = g->ho * g->wo;
    int64_t p0, ncur;
    sc_im2col_block(s, npix, pb, &p0, &ncur);
    const float *in_g = in + (b * g->cin + grp * g->cin_g) * g->h * g->w;
    float *c_g = out + (b * g->cout + grp * g->cout_g) * npix;
    const float *a_g = s->a + grp * mpanels * kdim * mr;
    const int64_t cout_g = g->cout_g;
    const int64_t last_row = s->last_row; /* in a register, not reloaded per call */

    /* The rows this item's pixels read, the same for every k-block. */
    int64_t *rowmap = NULL, r0 = 0, span = 0, nrows = 0;
    if (s->slab) {
        const int64_t oh0 = p0 / g->wo, oh1 = (p0 + ncur - 1) / g->wo + 1;
        rowmap = (int64_t *)(bp + s->rowmap_off);
        r0 = oh0 * g->sh;
        span = (oh1 - oh0 - 1) * g->sh + (g->kh - 1) * g->dh + 1;
        /* The slack is read, never used: finite values all the same. */
        memset(bp + s->slab_off - SC_IM2COL_SLACK, 0, SC_IM2COL_SLACK * sizeof(float));
        memset(bp + s->slab_off + s->slab_floats, 0, SC_IM2COL_SLACK * sizeof(float));
        nrows = sc_slab_rows(g, oh0, oh1, r0, span, rowmap);
    }
    for (int64_t k0 = 0; k0 < kdim; k0 += s->kc) {
        const int64_t kc = sc_min64(s->kc, kdim - k0);
        const int last = k0 + kc == kdim;
        if (s->slab) {
            const int64_t khw = g->kh * g->kw;
            const int64_t ci0 = k0 / khw, ci1 = (k0 + kc - 1) / khw + 1;
            float *slab = bp + s->slab_off;
            sc_build_slab(g, s, in_g, ci0, ci1 - ci0, r0, span, rowmap, nrows, slab);
            if (s->indirect)
                sc_igemm_rows(p, s, slab, ci0, r0, rowmap, nrows, k0, kc, p0 / g->wo,
                              (p0 + ncur) / g->wo, a_g,
                              p->has_bias ? p->bias + grp * g->cout_g : NULL, c_g, mp0, mp1,
                              bp);
            else
                sc_pack_b_slab(g, s, slab, ci0, r0, rowmap, nrows, k0, kc, p0, ncur, bp);
        } else if (!s->direct_b) {
            sc_pack_b(g, s, in_g, k0, kc, p0, ncur, bp);
        }
        /* One B panel (kc x nr, L1-sized) meets every A panel of the
           block, which stream from L2. Packing the whole block first
           costs less than packing each panel just before use (measured:
           the per-call set-up of 16-pixel packs outweighs the L1 reuse).
           A k-block of weights too big for the L2 goes the other way. */
        const float *bias_g = k0 == 0 && p->has_bias ? p->bias + grp * cout_g : NULL;
        /* 1x1 in place: whether each full B panel is copied first */
        const int copy_b = mp1 - mp0 >= SC_IM2COL_1X1_PACK_PANELS && kc >= 64;
        for (int64_t mp = mp0; s->a_outer && mp < mp1; mp++)
            for (int64_t q = 0; q * nr < ncur; q++)
                sc_im2col_tile(s->k, a_g, kdim, mr, mpanels, last_row, cout_g, bias_g, npix,
                               bp + q * kc * nr, nr, c_g, k0, kc, mp, p0 + q * nr,
                               sc_min64(nr, ncur - q * nr));
        for (int64_t q = 0; !s->indirect && !s->a_outer && q * nr < ncur; q++) {
            const int64_t n = sc_min64(nr, ncur - q * nr);
            const float *bq;
            int64_t ldb;
            if (!s->direct_b) {
                bq = bp + q * kc * nr;
                ldb = nr;
            } else if (n == nr && !copy_b) {
                bq = in_g + k0 * npix + p0 + q * nr; /* the input planes, in place */
                ldb = npix;
            } else {
                sc_pack_b(g, s, in_g, k0, kc, p0 + q * nr, n, bp);
                bq = bp;
                ldb = nr;
            }
            for (int64_t mp = mp0; mp < mp1; mp++)
                sc_im2col_tile(s->k, a_g, kdim, mr, mpanels, last_row, cout_g, bias_g, npix,
                               bq, ldb, c_g, k0, kc, mp, p0 + q * nr, n);
        }
        /* The block's rows are final and still in L2: one activation call
           per row segment, not per tile row (a call per 16 outputs cost
           more than the vector exp itself). */
        if (last && g->act != SC_ACT_NONE)
            for (int64_t row = sc_panel_row(mp0, mpanels, mr, last_row, cout_g);
                 row < sc_panel_row(mp1, mpanels, mr, last_row, cout_g); row++)
                sc_conv_activation(p, c_g + row * npix + p0, ncur);
    }
}

static void sc_im2col_run(const struct sc_conv2d_plan *p, const float *in, float *out, void *ws,
                          int nthreads)
{
    const sc_im2col_state *s = p->state;
    const sc_conv_geom *g = &p->g;
    const int64_t mpanels = s->mpanels;
    const int64_t npix = g->ho * g->wo;
    const int64_t n_pb = (npix + s->nc - 1) / s->nc;
    const int64_t base_items = g->n * g->groups * n_pb;
    const int64_t want = (int64_t)nthreads * SC_IM2COL_ITEMS_PER_THREAD;
    const size_t slice = p->workspace_per_thread;

    /* Split W_g's row panels only when pixel blocks leave threads idle.
       Each item packs its own B, so a packing route's items, which
       sc_im2col_packed_block made too few only on planes of at most one
       tile, split into just enough parts for every thread to hold the same
       number of items (one image, 2 threads: 2 parts). Sharing each item
       among the threads instead (one packed B, barriers between packing and
       computing) cost more than the packing it saved: the waiting, and the
       packed lines crossing between the cores. AVX-512, minima of 3,
       sharing / own B: 2x2 160 -> 160 on 4x4 outputs, 2 threads 0.0267 /
       0.0217 ms (1 thread 0.030), 3 threads on the 2 cores 0.162 / 0.039;
       3x3 256 on 4x4, 2 threads 0.115 / 0.097 (1 thread 0.16), 3 threads
       0.60 / 0.17; 512 on 5x5, 2 threads 0.563 / 0.514. */
    int64_t n_mb = 1;
    if (nthreads > 1 && base_items < nthreads && !s->direct_b && !s->indirect) {
        int64_t a = base_items, b = nthreads; /* nthreads / gcd */
        while (b) {
            const int64_t r = a % b;
            a = b;
            b = r;
        }
        n_mb = sc_min64(mpanels, nthreads / a);
    } else if (nthreads > 1 && base_items < want) {
        n_mb = sc_min64(mpanels, (want + base_items - 1) / base_items);
    }
    const int64_t mb_size = (mpanels + n_mb - 1) / n_mb;
    n_mb = (mpanels + mb_size - 1) / mb_size;
    const int64_t items = base_items * n_mb;

    /* Static: each thread takes one contiguous run of items, the same every
       run, so its pixel blocks' input rows and output stay in its own
       caches (dynamic handed consecutive rows to alternating threads). AVX-512,
       2 threads, minima of 4 alternations, dynamic / static: 3x3/2 3 -> 32
       at 224x224 (indirect) 0.158 / 0.087 ms, 3x3 128 in 32 groups at 56x56
       0.281 / 0.207, 1x1 144 -> 24 at 56x56 0.073 / 0.064, 64 -> 256 0.343 /
       0.320, 3x3/2 64 -> 128 from 112x112 1.53 / 1.48. Winograd stays
       dynamic: static measured slower there (3x3 64 at 56x56 0.294 / 0.326). */
#pragma omp parallel for num_threads(nthreads) schedule(static) if (nthreads > 1)
    for (int64_t it = 0; it < items; it++) {
        float *bp = (float *)((char *)ws + (size_t)omp_get_thread_num() * slice);
        const int64_t mb = it % n_mb;
        int64_t rest = it / n_mb;
        const int64_t pb = rest % n_pb;
        rest /= n_pb;
        const int64_t grp = rest % g->groups;
        const int64_t mp0 = mb * mb_size, mp1 = sc_min64(mpanels, mp0 + mb_size);
        sc_im2col_item(p, s, in, out, bp, rest / g->groups, grp, pb, mp0, mp1);
    }
}

static void sc_im2col_destroy(struct sc_conv2d_plan *p)
{
    sc_im2col_state *s = p->state;
    if (s) {
        sc_free(s->a);
        sc_free(s->ph_slot);
        sc_free(s->ktab);
        sc_free(s);
    }
    p->state = NULL;
}

const sc_conv_algo_impl sc_conv_im2col_impl = {
    SC_CONV_IM2COL,
    sc_im2col_create,
    sc_im2col_run,
    sc_im2col_destroy,
};
