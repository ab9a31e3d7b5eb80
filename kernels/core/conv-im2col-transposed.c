/*
 * im2col on small output planes as the transposed GEMM
 *     C^T [Ho*Wo x cout_g] = X^T [Ho*Wo x K] * W^T [K x cout_g],  K = cin_g*KH*KW,
 * on the same micro-kernel as conv-im2col.c, with the pixels on the tile's
 * broadcast side (mr rows) and the output channels in its vectors (nr).
 *
 * Why: the plain orientation puts pixels in the vectors, so a plane of 7x7
 * runs 49 pixels as 64 columns (3 tiles of 16 and one of 1), and a tile of
 * one vector is bound by the FMA latency of its 6 accumulators. Here a plane
 * costs whole rows of mr pixels, and output channels, which real layers have
 * in multiples of 16, fill the vectors.
 *
 * Two forms, one executor:
 *  - 1x1 unpadded layers (im2col_1x1t_...): X^T rows are the input planes
 *    themselves (strided layers through a table of input offsets), packed
 *    per reduction block into mr-pixel panels.
 *  - every other kernel (im2col_kt_...): per block of input channels the
 *    item first lays out their padded planes (padding mode applied, columns
 *    split into phases modulo the stride, as conv-im2col.c's slab), where
 *    each tap of a run of pixels along an output row is a run of floats;
 *    the ISA's packer (pack/pack-xt-<isa>.c) copies those runs into the
 *    panels. The reduction runs tap-major inside a channel block, k =
 *    (ky*kw + kx)*channels + c, so that the taps a panel never reads
 *    inside the input (the kernel rows above the image for a panel on the
 *    top rows, say) are a few whole ranges of k it skips: with zero padding
 *    and finite weights they only add zeros (21% of the multiplies on a
 *    7x7 plane under a 5x5 kernel, 12% on 14x14 under 7x7).
 *
 * A work item is (image, group, block of pixel panels, block of output-channel
 * panels). Per reduction block it packs its X^T panels, multiplies every
 * weight panel of the block by them into a [panel][pixel][nr] scratch, and at
 * the end copies the scratch out transposed into the NCHW planes with the
 * bias; the shared epilogue then applies the activation. Every output is one
 * sum over its panel's k ranges in ascending order, owned by one item, and the
 * panels and blocks depend only on the geometry: bits do not depend on the
 * thread count. This is the im2col algorithm (SC_CONV_IM2COL), taken where it
 * measured faster; elsewhere its create declines and conv-im2col.c serves the
 * layer.
 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "conv.h"

/* 1x1: reduction rows per block, at most: the weight panel (kc x nr) stays in
   L1 while the block's X^T panels stream past it from L2. KxK: rows of a
   channel block (taps x channels), for the same reason. */
#define SC_IMT_KC 256
/* Floats of a thread's X^T block (pixels x kc), of its scratch (output
   panels x pixels x nr) and of its padded channel block, at most: each
   about half of a 512 KiB L2. */
#define SC_IMT_XT_FLOATS (64 * 1024)
#define SC_IMT_SCRATCH_FLOATS (64 * 1024)
#define SC_IMT_PAD_FLOATS (64 * 1024)
#define SC_IMT_ITEMS_PER_THREAD 2
/* Largest plane: its X^T block (pixels x kc) is then at most 256 KiB. */
#define SC_IMT_MAX_PIXELS 1024
/* Slack around the padded block and after the X^T panels: the packers read
   up to a vector (16 floats) before and past a run and write up to one past
   a row. */
#define SC_IMT_SLACK 16

typedef struct sc_imt_state {
    const sc_gemm_kernel *k;
    sc_pack_xt_fn pack; /* KxK: X^T rows from the padded block */
    int kxk;            /* 0: the 1x1 unpadded form */
    int64_t kdim;       /* K */
    int64_t kc;         /* reduction rows per block, at most (KxK: taps * cb) */
    int64_t npanels;    /* ceil(cout_g / nr) */
    int64_t ppanels;    /* ceil(ho*wo / mr) */
    int64_t ppb;        /* pixel panels per item, at most */
    int64_t per;        /* output-channel panels per item, at most */
    int64_t xt_off;     /* floats from a thread's workspace to its X^T panels */
    int64_t pad_off;    /* ... to its padded channel block (KxK) */
    float *w;           /* [groups][npanels][K][nr], zero columns past cout_g */
    int64_t *pix;       /* 1x1 strided: output pixel -> input offset; NULL at stride 1 */
    /* KxK */
    int64_t cb, ncb;     /* input channels per block, blocks */
    int64_t wq, rp, cp;  /* padded block: floats per phase row, padded row, channel */
    int64_t hpu;         /* padded rows some output reads */
    int64_t *koff;       /* [taps*cb] then [taps*cb_last]: block row -> offset in the block */
    /* A panel's reduction ranges, in taps (a block of c channels runs tap t
       as rows [t*c, (t+1)*c)): one when it reads every kernel column, else
       one per kernel row it reads; none when every tap reads padding. */
    int64_t *seg0;       /* [ppanels + 1]: a panel's first range */
    int64_t *seg_tap;    /* a range's first tap */
    int64_t *seg_ntaps;  /* its taps */
    int64_t *run0;       /* [ppanels + 1]: a panel's first run */
    int64_t *run_off;    /* a run's first pixel in a padded channel: oy*sh*rp + ox */
    int64_t *run_len;
} sc_imt_state;

static int64_t sc_ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

/* Tile cost, in rows or columns, of n rows or columns cut into tiles of
   `full` (the last one rounded up to `step`): a short last tile keeps too few
   accumulators to hide the FMA latency and is counted as at least 2/3 of a
   full one. That is the latency bound of AVX2's 6x8 tail (6 chains of 4-cycle
   FMAs: 4 cycles per k against the 6x16 tile's 6); measured, the tail costs
   more (2048 to 512 channels: 1.54 ms at 7x7, three tiles and a 1-column
   tail, against 1.60 at 8x8, four tiles, puts it near 0.85). The rule's
   thresholds below were set on measured layers with this model. */
static int64_t sc_imt_cost(int64_t n, int64_t full, int64_t step)
{
    const int64_t t = n % full, floor = 2 * full / 3;
    int64_t cost = n / full * full;
    if (t) {
        const int64_t r = sc_ceil_div(t, step) * step;
        cost += r > floor ? r : floor;
    }
    return cost;
}

/* Where the transposed orientation pays (AVX2, 1 and 2 threads, minima of
   alternating runs, time over the plain route's): where the plain route
   wastes 5% more of its tiles on a plane's ragged end (7x7: 0.72-0.81 from
   160 input channels, 0.87-0.91 at 128-256, 0.96-1.00 at 64; 5x5 0.93;
   10x10 0.91), or from 1024 input channels with 2% (14x14 0.85-0.91, 13x13
   0.84-0.94), where its own weight panels in L1 beat the plain route's
   strided B rows. It
   loses on few input channels (96 at 14x14: 1.07-1.27), where copying the
   result out transposed costs a pass per output against a short sum; on
   few output channels (128 to 32 at 28x28: 1.26, 256 to 48 at 14x14: 1.08;
   64 at 7x7 0.87 and 14x14 1.00), which share each packed input value;
   and where the plain route wastes nothing (4x4 from 1280 channels: 1.04). */
static const char *sc_imt_rule_1x1(const sc_conv_geom *g, const sc_gemm_kernel *k)
{
    const int64_t npix = g->ho * g->wo;
    if (npix > SC_IMT_MAX_PIXELS)
        return "transposed route: planes over 1024 pixels";
    if (g->cin_g < 128)
        return "transposed route: fewer than 128 input channels per group";
    if (g->cout_g < 64)
        return "transposed route: fewer than 64 output channels per group";
    /* The plain route's pixel blocks, as conv-im2col.c cuts them. */
    const int64_t nc = sc_im2col_block_pixels(npix, k->nr);
    const int64_t plain_cols = npix / nc * nc + sc_imt_cost(npix % nc, k->nr, k->nr_min);
    const double plain = (double)plain_cols * (double)sc_imt_cost(g->cout_g, k->mr, 1);
    const double t = (double)sc_imt_cost(npix, k->mr, 1) *
                     (double)sc_imt_cost(g->cout_g, k->nr, k->nr_min);
    if (plain >= 1.05 * t || (g->cin_g >= 1024 && plain >= 1.02 * t))
        return NULL;
    return "transposed route: the plain route wastes no more of its tiles";
}


/* Padded rows some output of a KxK layer reads. */
static int64_t sc_imt_padded_rows(const sc_conv_geom *g)
{
    return (g->ho - 1) * g->sh + (g->kh - 1) * g->dh + 1;
}

static int sc_imt_is_1x1(const sc_conv_geom *g)
{
    return g->kh == 1 && g->kw == 1 && !g->pad_top && !g->pad_left && !g->pad_bottom &&
           !g->pad_right;
}

/* Where the KxK form pays (1 thread, minima of 3 alternations, time over
   conv-im2col.c's; AVX-512 unless marked): on planes up to 24x24, where
   its pixel panels waste less than the plain route's pixel vectors and its
   skipped taps are a large part of the work. 5x5 48 -> 128 at 7x7 0.63
   (AVX2 0.66), 32 at 17x17 0.79 (AVX2 0.77), 96 at 17x17 0.87, 256 at
   14x14 0.84, 64 at 21x21 and 24x24 0.90 (AVX2 0.87); 7x7 64 at 14x14
   0.72, 128 at 14x14 0.73 (AVX2 0.81); 3x3 stride 2 to 14x14 outputs
   0.80-0.90, dilation 2 at 14x14 0.82. It loses from 28x28 (5x5 64 1.02,
   16 -> 32 1.15; 3x3 stride 2 to 32x32 1.32), and on short reductions,
   where packing and the transposed copy-out weigh against few taps (3x3
   from 8 channels 1.07, 1.59 at 28x28; from 3 channels 2.96). Output
   channels under 16 would leave most of a panel's vectors empty. */
static const char *sc_imt_rule_kxk(const sc_conv_geom *g)
{
    if (g->ho * g->wo > 576)
        return "transposed route: output planes over 576 pixels (24x24)";
    if (g->cin_g * g->kh * g->kw < 96)
        return "transposed route: cin/groups*KH*KW < 96";
    if (g->cout_g < 16)
        return "transposed route: fewer than 16 output channels per group";
    return NULL;
}

/* The taps [ky0, ky1) x [kx0, kx1) that pixels [p0, p1) read inside the
   input, into box; all four zero when none does. */
static void sc_imt_box(const sc_conv_geom *g, int64_t p0, int64_t p1, int64_t *box)
{
    int64_t ky0 = g->kh, ky1 = 0, kx0 = g->kw, kx1 = 0;
    for (int64_t px = p0; px < p1; px++) {
        const int64_t oy = px / g->wo, ox = px % g->wo;
        for (int64_t ky = 0; ky < g->kh; ky++) {
            const int64_t r = oy * g->sh + ky * g->dh - g->pad_top;
            if (r >= 0 && r < g->h) {
                ky0 = ky < ky0 ? ky : ky0;
                ky1 = ky + 1 > ky1 ? ky + 1 : ky1;
            }
        }
        for (int64_t kx = 0; kx < g->kw; kx++) {
            const int64_t c = ox * g->sw + kx * g->dw - g->pad_left;
            if (c >= 0 && c < g->w) {
                kx0 = kx < kx0 ? kx : kx0;
                kx1 = kx + 1 > kx1 ? kx + 1 : kx1;
            }
        }
    }
    if (ky0 >= ky1 || kx0 >= kx1)
        ky0 = ky1 = kx0 = kx1 = 0;
    box[0] = ky0;
    box[1] = ky1;
    box[2] = kx0;
    box[3] = kx1;
}

static void sc_imt_free(sc_imt_state *s)
{
    if (s) {
        sc_free(s->w);
        sc_free(s->pix);
        sc_free(s->koff);
        sc_free(s->seg0);
        sc_free(s->seg_tap);
        sc_free(s->seg_ntaps);
        sc_free(s->run0);
        sc_free(s->run_off);
        sc_free(s->run_len);
        sc_free(s);
    }
}

/* KxK: channel blocks, the padded block's shape, the offset tables and the
   panels' reduction ranges and runs. */
static sc_status sc_imt_create_kxk(sc_imt_state *s, const sc_conv_geom *g, const float *weight)
{
    const int64_t mr = s->k->mr, taps = g->kh * g->kw, npix = g->ho * g->wo;
    s->wq = sc_ceil_div(g->wp, g->sw);
    s->rp = g->sw * s->wq;
    s->hpu = sc_imt_padded_rows(g);
    s->cp = s->hpu * s->rp;
    int64_t cb = sc_min64(g->cin_g, SC_IMT_KC / taps > 1 ? SC_IMT_KC / taps : 1);
    cb = sc_min64(cb, SC_IMT_PAD_FLOATS / s->cp > 1 ? SC_IMT_PAD_FLOATS / s->cp : 1);
    s->ncb = sc_ceil_div(g->cin_g, cb);
    s->cb = sc_ceil_div(g->cin_g, s->ncb); /* equal blocks but the last */
    const int64_t cbl = g->cin_g - (s->ncb - 1) * s->cb;
    s->kc = taps * s->cb;
    s->koff = sc_malloc((size_t)(taps * (s->cb + cbl)) * sizeof(int64_t));
    s->seg0 = sc_malloc((size_t)(s->ppanels + 1) * sizeof(int64_t));
    s->seg_tap = sc_malloc((size_t)(s->ppanels * g->kh) * sizeof(int64_t));
    s->seg_ntaps = sc_malloc((size_t)(s->ppanels * g->kh) * sizeof(int64_t));
    s->run0 = sc_malloc((size_t)(s->ppanels + 1) * sizeof(int64_t));
    /* a panel's pixels touch at most ceil(mr / wo) + 1 output rows */
    const int64_t max_runs = s->ppanels * (sc_ceil_div(mr, g->wo) + 1);
    s->run_off = sc_malloc((size_t)max_runs * sizeof(int64_t));
    s->run_len = sc_malloc((size_t)max_runs * sizeof(int64_t));
    if (!s->koff || !s->seg0 || !s->seg_tap || !s->seg_ntaps || !s->run0 || !s->run_off ||
        !s->run_len)
        return sc_fail(SC_OUT_OF_MEMORY, "conv2d: out of memory for the transposed im2col tables");
    for (int64_t t = 0; t < taps; t++) {
        const int64_t ky = t / g->kw, kx = t % g->kw;
        const int64_t toff = ky * g->dh * s->rp + kx * g->dw % g->sw * s->wq + kx * g->dw / g->sw;
        for (int64_t c = 0; c < s->cb; c++)
            s->koff[t * s->cb + c] = c * s->cp + toff;
        for (int64_t c = 0; c < cbl; c++)
            s->koff[taps * s->cb + t * cbl + c] = c * s->cp + toff;
    }
    /* Taps over zero padding add w * 0, which only a non-finite weight turns
       into something (NaN) a skip would lose; other modes pad with data. */
    int skip = g->padding_mode == SC_PAD_ZEROS;
    const int64_t wn = g->cout * g->cin_g * taps;
    for (int64_t i = 0; skip && i < wn; i++)
        skip = isfinite(weight[i]) != 0;
    int64_t nrun = 0, nseg = 0;
    for (int64_t q = 0; q < s->ppanels; q++) {
        const int64_t p0 = q * mr, p1 = sc_min64(npix, p0 + mr);
        int64_t box[4] = {0, g->kh, 0, g->kw};
        if (skip)
            sc_imt_box(g, p0, p1, box);
        const int full = box[2] == 0 && box[3] == g->kw;
        s->seg0[q] = nseg;
        for (int64_t ky = box[0]; ky < box[1]; ky = full ? box[1] : ky + 1) {
            s->seg_tap[nseg] = ky * g->kw + box[2];
            s->seg_ntaps[nseg++] = full ? (box[1] - box[0]) * g->kw : box[3] - box[2];
        }
        s->run0[q] = nrun;
        for (int64_t px = p0; px < p1;) {
            const int64_t oy = px / g->wo, ox = px % g->wo;
            const int64_t len = sc_min64(g->wo - ox, p1 - px);
            s->run_off[nrun] = oy * g->sh * s->rp + ox;
            s->run_len[nrun++] = len;
            px += len;
        }
    }
    s->run0[s->ppanels] = nrun;
    s->seg0[s->ppanels] = nseg;
    /* W^T rows: channel block, then tap, then the block's channels. */
    const int64_t nr = s->k->nr;
    float *dst = s->w;
    for (int64_t grp = 0; grp < g->groups; grp++)
        for (int64_t j = 0; j < s->npanels; j++)
            for (int64_t b = 0; b < s->ncb; b++) {
                const int64_t c0 = b * s->cb, n = sc_min64(s->cb, g->cin_g - c0);
                for (int64_t t = 0; t < taps; t++)
                    for (int64_t c = c0; c < c0 + n; c++)
                        for (int64_t l = 0; l < nr; l++) {
                            const int64_t oc = j * nr + l;
                            *dst++ = oc < g->cout_g
                                         ? weight[((grp * g->cout_g + oc) * g->cin_g + c) * taps + t]
                                         : 0.0f;
                        }
            }
    return SC_OK;
}

static sc_status sc_imt_create(struct sc_conv2d_plan *p, const float *weight, const char **why)
{
    const sc_gemm_kernel *k = sc_pick_gemm(p->active);
    if (!k) {
        *why = "no GEMM kernel for this ISA";
        return SC_UNSUPPORTED;
    }
    const sc_conv_geom *g = &p->g;
    const int kxk = !sc_imt_is_1x1(g);
    const sc_pack_kernel *pk = NULL;
    for (const sc_pack_kernel *c = sc_pack_kernels; c->fn && !pk; c++)
        if (c->isa == k->isa)
            pk = c;
    const char *rule = kxk ? sc_imt_rule_kxk(g) : sc_imt_rule_1x1(g, k);
    if (!rule && kxk && !pk)
        rule = "transposed route: no packer for the GEMM kernel's ISA";
    if (!rule && kxk && sc_imt_padded_rows(g) * g->wp > SC_IMT_PAD_FLOATS)
        rule = "transposed route: a padded input plane over 256 KiB";
    if (rule) {
        *why = rule;
        return SC_UNSUPPORTED;
    }
    const int64_t mr = k->mr, nr = k->nr, cin_g = g->cin_g, cout_g = g->cout_g;
    const int64_t kdim = cin_g * g->kh * g->kw;
    const int64_t npanels = sc_ceil_div(cout_g, nr);
    int64_t count;
    const int64_t f[4] = {g->groups, npanels, kdim, nr};
    if (!sc_prod_i64(&count, 4, f) || count > (int64_t)(SIZE_MAX / sizeof(float)))
        return sc_fail(SC_INVALID_ARGUMENT, "conv2d: packed weight size overflows");
    sc_imt_state *s = sc_calloc(sizeof *s);
    if (!s)
        return sc_fail(SC_OUT_OF_MEMORY, "conv2d: out of memory for the im2col plan");
    s->w = sc_malloc((size_t)count * sizeof(float));
    if (!s->w) {
        sc_imt_free(s);
        return sc_fail(SC_OUT_OF_MEMORY, "conv2d: out of memory for %lld packed weights",
                       (long long)count);
    }
    s->k = k;
    s->kxk = kxk;
    s->kdim = kdim;
    s->npanels = npanels;
    s->ppanels = sc_ceil_div(g->ho * g->wo, mr);
    if (kxk) {
        s->pack = pk->xt;
        const sc_status st = sc_imt_create_kxk(s, g, weight);
        if (st != SC_OK) {
            sc_imt_free(s);
            return st;
        }
        s->ppb = sc_min64(s->ppanels, SC_IMT_XT_FLOATS / (s->kc * mr));
        if (s->ppb < 1)
            s->ppb = 1;
    } else {
        float *dst = s->w;
        for (int64_t grp = 0; grp < g->groups; grp++)
            for (int64_t j = 0; j < npanels; j++)
                for (int64_t ci = 0; ci < cin_g; ci++)
                    for (int64_t l = 0; l < nr; l++) {
                        const int64_t oc = j * nr + l;
                        *dst++ = oc < cout_g ? weight[(grp * cout_g + oc) * cin_g + ci] : 0.0f;
                    }
        if (g->sh > 1 || g->sw > 1) {
            /* offsets below h*w, whose size validation checked */
            s->pix = sc_malloc((size_t)(g->ho * g->wo) * sizeof(int64_t));
            if (!s->pix) {
                sc_imt_free(s);
                return sc_fail(SC_OUT_OF_MEMORY, "conv2d: out of memory for the pixel table");
            }
            for (int64_t oh = 0; oh < g->ho; oh++)
                for (int64_t ow = 0; ow < g->wo; ow++)
                    s->pix[oh * g->wo + ow] = oh * g->sh * g->w + ow * g->sw;
        }
        const int64_t rows = s->ppanels * mr; /* <= SC_IMT_MAX_PIXELS + mr */
        const int64_t kc_max = sc_min64(SC_IMT_KC, SC_IMT_XT_FLOATS / rows);
        const int64_t nkb = sc_ceil_div(cin_g, kc_max);
        s->kc = sc_ceil_div(cin_g, nkb); /* equal blocks: no sliver */
        s->ppb = s->ppanels;
    }
    s->per = sc_min64(npanels, SC_IMT_SCRATCH_FLOATS / (s->ppb * mr * nr));
    if (s->per < 1)
        s->per = 1;
    s->xt_off = (s->per * s->ppb * mr * nr + 15) / 16 * 16;
    int64_t floats = s->xt_off + s->ppb * s->kc * mr;
    if (kxk) {
        s->pad_off = (floats + 2 * SC_IMT_SLACK + 15) / 16 * 16;
        floats = s->pad_off + s->cb * s->cp + SC_IMT_SLACK;
    }
    p->state = s;
    p->isa = k->isa;
    snprintf(p->name, sizeof p->name, "im2col_%s_%s", kxk ? "kt" : "1x1t", k->name);
    p->workspace_per_thread = (size_t)(floats * (int64_t)sizeof(float) + 63) / 64 * 64;
    return SC_OK;
}
/* X^T rows [k0, k0 + kc) of one image and group as MR-pixel panels:
   panel q, row kk at xt + (q*kc + kk)*MR; pixels past the plane are zero.
   Output pixel p reads input offset pix[p] of each plane (input planes of
   ipl floats), or offset p when pix is NULL (stride 1). MR is a constant
   once inlined, so a row of a panel is a few moves. */
static inline __attribute__((always_inline)) void
sc_imt_pack_mr(const int64_t MR, const float *in_g, int64_t ipl, int64_t npix,
                const int64_t *pix, int64_t k0, int64_t kc, int64_t ppanels, float *xt)
{
    for (int64_t q = 0; q < ppanels; q++) {
        const int64_t n = npix - q * MR < MR ? npix - q * MR : MR;
        const float *src = in_g + k0 * ipl + (pix ? 0 : q * MR);
        const int64_t *o = pix ? pix + q * MR : NULL;
        float *d = xt + q * kc * MR;
        if (n == MR && !pix)
            for (int64_t kk = 0; kk < kc; kk++, src += ipl, d += MR)
                for (int64_t i = 0; i < MR; i++)
                    d[i] = src[i];
        else if (n == MR)
            for (int64_t kk = 0; kk < kc; kk++, src += ipl, d += MR)
                for (int64_t i = 0; i < MR; i++)
                    d[i] = src[o[i]];
        else
            for (int64_t kk = 0; kk < kc; kk++, src += ipl, d += MR)
                for (int64_t i = 0; i < MR; i++)
                    d[i] = i < n ? src[o ? o[i] : i] : 0.0f;
    }
}

static void sc_imt_pack_1x1(const float *in_g, int64_t ipl, int64_t npix, const int64_t *pix,
                         int64_t k0, int64_t kc, int64_t mr, int64_t ppanels, float *xt)
{
    switch (mr) {
    case 4: sc_imt_pack_mr(4, in_g, ipl, npix, pix, k0, kc, ppanels, xt); break;
    case 6: sc_imt_pack_mr(6, in_g, ipl, npix, pix, k0, kc, ppanels, xt); break;
    case 8: sc_imt_pack_mr(8, in_g, ipl, npix, pix, k0, kc, ppanels, xt); break;
    default: sc_imt_pack_mr(mr, in_g, ipl, npix, pix, k0, kc, ppanels, xt); break;
    }
}

/* 1x1: the item's panels [q0, q1) (all of the plane) against output-channel
   panels [j0, j1), into the scratch. */
static void sc_imt_item_1x1(const struct sc_conv2d_plan *p, const float *in_g, const float *w_g,
                            int64_t j0, int64_t j1, float *scr, float *xt)
{
    const sc_imt_state *s = p->state;
    const sc_conv_geom *g = &p->g;
    const int64_t mr = s->k->mr, nr = s->k->nr, cin_g = g->cin_g;
    const int64_t npix = g->ho * g->wo, rows = s->ppanels * mr;
    for (int64_t k0 = 0; k0 < cin_g; k0 += s->kc) {
        const int64_t kc = sc_min64(s->kc, cin_g - k0);
        sc_imt_pack_1x1(in_g, g->h * g->w, npix, s->pix, k0, kc, mr, s->ppanels, xt);
        for (int64_t j = j0; j < j1; j++) {
            const float *b = w_g + (j * cin_g + k0) * nr;
            const int64_t n = sc_min64(nr, g->cout_g - j * nr);
            float *c = scr + (j - j0) * rows * nr;
            for (int64_t q = 0; q < s->ppanels; q++)
                s->k->fn(kc, xt + q * kc * mr, b, nr, c + q * mr * nr, nr,
                         sc_min64(mr, npix - q * mr), n, k0 > 0, NULL);
        }
    }
}

/* Padded rows [r0, r1) of cbl channels from in_c into the padded block.
   Zero padding at stride 1 copies each input row between zeros with inline
   loops: on small planes the general path's calls per row (maps at the
   borders, memcpy in between) cost more than the copy (5x5 48 -> 128 at
   7x7 spent 16% of its time in them on 2 threads). */
static void sc_imt_pad_block(const sc_conv_geom *g, const sc_imt_state *s, const float *in_c,
                             int64_t cbl, int64_t r0, int64_t r1, float *pad)
{
    const int64_t w = g->w, pl = g->pad_left, rp = s->rp;
    const int fast = g->padding_mode == SC_PAD_ZEROS && g->sw == 1;
    for (int64_t c = 0; c < cbl; c++) {
        const float *plane = in_c + c * g->h * w;
        for (int64_t r = r0; r < r1; r++) {
            float *d = pad + c * s->cp + r * rp;
            const int64_t ir = g->row_src[r];
            if (!fast) {
                for (int64_t ph = 0; ph < g->sw; ph++)
                    sc_padded_row(g, ir < 0 ? NULL : plane + ir * w, ph, g->sw, s->wq,
                                  d + ph * s->wq);
            } else if (ir < 0) {
                for (int64_t x = 0; x < rp; x++)
                    d[x] = 0.0f;
            } else {
                const float *src = plane + ir * w;
                for (int64_t x = 0; x < pl; x++)
                    d[x] = 0.0f;
                for (int64_t x = 0; x < w; x++)
                    d[pl + x] = src[x];
                for (int64_t x = pl + w; x < rp; x++)
                    d[x] = 0.0f;
            }
        }
    }
}

/* KxK: per channel block, the padded block, then each panel's reduction
   ranges packed back to back and multiplied by every weight panel. */
static void sc_imt_item_kxk(const struct sc_conv2d_plan *p, const float *in_g, const float *w_g,
                            int64_t q0, int64_t q1, int64_t j0, int64_t j1, float *scr,
                            float *xt, float *pad)
{
    const sc_imt_state *s = p->state;
    const sc_conv_geom *g = &p->g;
    const int64_t mr = s->k->mr, nr = s->k->nr, taps = g->kh * g->kw;
    const int64_t npix = g->ho * g->wo, rows = (q1 - q0) * mr;
    /* the padded rows the item's pixels read */
    const int64_t pr0 = q0 * mr / g->wo * g->sh;
    const int64_t pr1 = (sc_min64(npix, q1 * mr) - 1) / g->wo * g->sh + (g->kh - 1) * g->dh + 1;
    for (int64_t cbi = 0; cbi < s->ncb; cbi++) {
        const int64_t c0 = cbi * s->cb, cbl = sc_min64(s->cb, g->cin_g - c0);
        sc_imt_pad_block(g, s, in_g + c0 * g->h * g->w, cbl, pr0, pr1, pad);
        const int64_t *kt = s->koff + (cbl == s->cb ? 0 : taps * s->cb);
        for (int64_t q = q0; q < q1; q++) {
            const int64_t r0 = s->run0[q];
            float *xq = xt + (q - q0) * s->kc * mr;
            for (int64_t e = s->seg0[q]; e < s->seg0[q + 1]; e++) {
                const int64_t len = s->seg_ntaps[e] * cbl;
                s->pack(pad, kt + s->seg_tap[e] * cbl, len, s->run_off + r0, s->run_len + r0,
                        s->run0[q + 1] - r0, mr, xq);
                xq += len * mr;
            }
        }
        for (int64_t j = j0; j < j1; j++) {
            const float *b = w_g + (j * s->kdim + c0 * taps) * nr;
            const int64_t n = sc_min64(nr, g->cout_g - j * nr);
            float *c = scr + (j - j0) * rows * nr;
            for (int64_t q = q0; q < q1; q++) {
                const int64_t m = sc_min64(mr, npix - q * mr);
                const float *xq = xt + (q - q0) * s->kc * mr;
                float *cq = c + (q - q0) * mr * nr;
                for (int64_t e = s->seg0[q]; e < s->seg0[q + 1]; e++) {
                    const int64_t len = s->seg_ntaps[e] * cbl;
                    s->k->fn(len, xq, b + s->seg_tap[e] * cbl * nr, nr, cq, nr, m, n,
                             cbi > 0 || e > s->seg0[q], NULL);
                    xq += len * mr;
                }
            }
        }
    }
    /* a panel all of whose taps read padding sums nothing */
    for (int64_t q = q0; q < q1; q++)
        if (s->seg0[q] == s->seg0[q + 1])
            for (int64_t j = j0; j < j1; j++)
                memset(scr + ((j - j0) * rows + (q - q0) * mr) * nr, 0,
                       (size_t)(mr * nr) * sizeof(float));
}

static void sc_imt_run(const struct sc_conv2d_plan *p, const float *in, float *out, void *ws,
                       int nthreads)
{
    const sc_imt_state *s = p->state;
    const sc_conv_geom *g = &p->g;
    const int64_t mr = s->k->mr, nr = s->k->nr, cout_g = g->cout_g;
    const int64_t npix = g->ho * g->wo;
    const int64_t outer = g->n * g->groups;
    const int64_t want = (int64_t)nthreads * SC_IMT_ITEMS_PER_THREAD;
    /* Items: pixel blocks, then output-channel panel blocks, finer while
       threads idle. KxK cuts the pixels first: every part of a plane then
       packs only its own panels. */
    int64_t npb = sc_ceil_div(s->ppanels, s->ppb), per = s->per;
    if (nthreads > 1 && s->kxk && outer * npb * sc_ceil_div(s->npanels, per) < want)
        npb = sc_min64(s->ppanels, sc_ceil_div(want, outer * sc_ceil_div(s->npanels, per)));
    if (nthreads > 1 && outer * npb * sc_ceil_div(s->npanels, per) < want)
        per = sc_ceil_div(s->npanels, sc_min64(s->npanels, sc_ceil_div(want, outer * npb)));
    const int64_t nblk = sc_ceil_div(s->npanels, per);
    const int64_t items = outer * npb * nblk;
    const size_t slice = p->workspace_per_thread;

    /* Static, as conv-im2col.c: 5x5 32 at 17x17 on 2 threads 0.0496 ->
       0.0478 ms, 16 -> 48 at 14x14 0.0271 -> 0.0259. */
#pragma omp parallel for num_threads(nthreads) schedule(static) if (nthreads > 1)
    for (int64_t it = 0; it < items; it++) {
        float *scr = (float *)((char *)ws + (size_t)omp_get_thread_num() * slice);
        const int64_t blk = it % nblk, pb = it / nblk % npb, grp = it / nblk / npb % g->groups;
        const int64_t img = it / nblk / npb / g->groups;
        const int64_t j0 = blk * per, j1 = sc_min64(s->npanels, j0 + per);
        /* equal pixel blocks, each at most ppb panels */
        const int64_t q0 = pb * s->ppanels / npb, q1 = (pb + 1) * s->ppanels / npb;
        const float *in_g = in + (img * g->cin + grp * g->cin_g) * g->h * g->w;
        const float *w_g = s->w + grp * s->npanels * s->kdim * nr;
        if (s->kxk)
            sc_imt_item_kxk(p, in_g, w_g, q0, q1, j0, j1, scr, scr + s->xt_off,
                            scr + s->pad_off);
        else
            sc_imt_item_1x1(p, in_g, w_g, j0, j1, scr, scr + s->xt_off);
        const int64_t p0 = q0 * mr, p1 = sc_min64(npix, q1 * mr), rows = (q1 - q0) * mr;
        for (int64_t j = j0; j < j1; j++) {
            const float *c = scr + (j - j0) * rows * nr;
            const int64_t n = sc_min64(nr, cout_g - j * nr);
            const int64_t oc0 = grp * cout_g + j * nr;
            float *y = out + (img * g->cout + oc0) * npix;
            /* The bias rides on the copy; only an activation needs a pass. */
            for (int64_t l = 0; l < n; l++) {
                const float bl = p->bias[oc0 + l];
                float *yl = y + l * npix;
                for (int64_t px = p0; px < p1; px++)
                    yl[px] = c[(px - p0) * nr + l] + bl;
                sc_conv_activation(p, yl + p0, p1 - p0);
            }
        }
    }
}

static void sc_imt_destroy(struct sc_conv2d_plan *p)
{
    sc_imt_free(p->state);
    p->state = NULL;
}

const sc_conv_algo_impl sc_conv_im2col_t_impl = {
    SC_CONV_IM2COL,
    sc_imt_create,
    sc_imt_run,
    sc_imt_destroy,
};
