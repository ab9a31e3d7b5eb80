/*
 * 1x1 unpadded convolutions (any stride) on small output planes, as the
 * transposed GEMM
 *     C^T [Ho*Wo x cout_g] = X^T [Ho*Wo x cin_g] * W^T [cin_g x cout_g]
 * on the same micro-kernel as conv-im2col.c, with the pixels on the tile's
 * broadcast side (mr rows) and the output channels in its vectors (nr).
 *
 * Why: the plain orientation puts pixels in the vectors, so a plane of 7x7
 * runs 49 pixels as 64 columns (3 tiles of 16 and one of 1), and a tile of
 * one vector is bound by the FMA latency of its 6 accumulators. Here a plane
 * costs whole rows of mr pixels, and output channels, which real layers have
 * in multiples of 16, fill the vectors.
 *
 * A work item is (image, group, block of output-channel panels). Per
 * reduction block it packs X^T into mr-pixel panels (strided layers through
 * a table of input offsets), multiplies every weight panel of the block by
 * them into a [panel][pixel][nr] scratch, and at the end copies the scratch
 * out transposed into the NCHW planes with the bias; the shared epilogue
 * then applies the activation. Every output is one
 * left-to-right sum over k owned by one item: bits do not depend on the
 * thread count. This is the im2col algorithm (SC_CONV_IM2COL), taken where
 * it measured faster; elsewhere its create declines and conv-im2col.c
 * serves the layer.
 */
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "conv.h"

/* Reduction rows per block, at most: the weight panel (kc x nr) stays in
   L1 while the block's X^T panels stream past it from L2. */
#define SC_1X1T_KC 256
/* Floats of a thread's X^T block (pixels x kc) and of its scratch (output
   panels x pixels x nr), at most: each about half of a 512 KiB L2. */
#define SC_1X1T_XT_FLOATS (64 * 1024)
#define SC_1X1T_SCRATCH_FLOATS (64 * 1024)
#define SC_1X1T_ITEMS_PER_THREAD 2
/* Largest plane: its X^T block (pixels x kc) is then at most 256 KiB. */
#define SC_1X1T_MAX_PIXELS 1024

typedef struct sc_1x1t_state {
    const sc_gemm_kernel *k;
    int64_t kc;      /* reduction rows per block */
    int64_t npanels; /* ceil(cout_g / nr) */
    int64_t ppanels; /* ceil(ho*wo / mr) */
    int64_t per;     /* output-channel panels per item, at most */
    int64_t xt_off;  /* floats from a thread's workspace to its X^T panels */
    float *w;        /* [groups][npanels][cin_g][nr], zero columns past cout_g */
    int64_t *pix;    /* strided: output pixel -> input offset in a plane; NULL at stride 1 */
} sc_1x1t_state;

static int64_t sc_ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

/* Tile cost, in rows or columns, of n rows or columns cut into tiles of
   `full` (the last one rounded up to `step`): a short last tile keeps too few
   accumulators to hide the FMA latency and is counted as at least 2/3 of a
   full one. That is the latency bound of AVX2's 6x8 tail (6 chains of 4-cycle
   FMAs: 4 cycles per k against the 6x16 tile's 6); measured, the tail costs
   more (2048 to 512 channels: 1.54 ms at 7x7, three tiles and a 1-column
   tail, against 1.60 at 8x8, four tiles, puts it near 0.85). The rule's
   thresholds below were set on measured layers with this model. */
static int64_t sc_1x1t_cost(int64_t n, int64_t full, int64_t step)
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
static const char *sc_1x1t_rule(const sc_conv_geom *g, const sc_gemm_kernel *k)
{
    if (g->kh != 1 || g->kw != 1 || g->pad_top || g->pad_left || g->pad_bottom || g->pad_right)
        return "transposed route: not a 1x1 unpadded layer";
    const int64_t npix = g->ho * g->wo;
    if (npix > SC_1X1T_MAX_PIXELS)
        return "transposed route: planes over 1024 pixels";
    if (g->cin_g < 128)
        return "transposed route: fewer than 128 input channels per group";
    if (g->cout_g < 64)
        return "transposed route: fewer than 64 output channels per group";
    /* The plain route's pixel blocks, as conv-im2col.c cuts them. */
    const int64_t nc = sc_im2col_block_pixels(npix, k->nr);
    const int64_t plain_cols = npix / nc * nc + sc_1x1t_cost(npix % nc, k->nr, k->nr_min);
    const double plain = (double)plain_cols * (double)sc_1x1t_cost(g->cout_g, k->mr, 1);
    const double t = (double)sc_1x1t_cost(npix, k->mr, 1) *
                     (double)sc_1x1t_cost(g->cout_g, k->nr, k->nr_min);
    if (plain >= 1.05 * t || (g->cin_g >= 1024 && plain >= 1.02 * t))
        return NULL;
    return "transposed route: the plain route wastes no more of its tiles";
}

static sc_status sc_1x1t_create(struct sc_conv2d_plan *p, const float *weight, const char **why)
{
    const sc_gemm_kernel *k = sc_pick_gemm(p->active);
    if (!k) {
        *why = "no GEMM kernel for this ISA";
        return SC_UNSUPPORTED;
    }
    const sc_conv_geom *g = &p->g;
    const char *rule = sc_1x1t_rule(g, k);
    if (rule) {
        *why = rule;
        return SC_UNSUPPORTED;
    }
    const int64_t mr = k->mr, nr = k->nr, cin_g = g->cin_g, cout_g = g->cout_g;
    const int64_t npanels = sc_ceil_div(cout_g, nr);
    int64_t count;
    const int64_t f[4] = {g->groups, npanels, cin_g, nr};
    if (!sc_prod_i64(&count, 4, f) || count > (int64_t)(SIZE_MAX / sizeof(float)))
        return sc_fail(SC_INVALID_ARGUMENT, "conv2d: packed weight size overflows");
    sc_1x1t_state *s = sc_calloc(sizeof *s);
    if (!s)
        return sc_fail(SC_OUT_OF_MEMORY, "conv2d: out of memory for the im2col plan");
    s->w = sc_malloc((size_t)count * sizeof(float));
    if (!s->w) {
        sc_free(s);
        return sc_fail(SC_OUT_OF_MEMORY, "conv2d: out of memory for %lld packed weights",
                       (long long)count);
    }
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
            sc_free(s->w);
            sc_free(s);
            return sc_fail(SC_OUT_OF_MEMORY, "conv2d: out of memory for the pixel table");
        }
        for (int64_t oh = 0; oh < g->ho; oh++)
            for (int64_t ow = 0; ow < g->wo; ow++)
                s->pix[oh * g->wo + ow] = oh * g->sh * g->w + ow * g->sw;
    }
    s->k = k;
    s->npanels = npanels;
    s->ppanels = sc_ceil_div(g->ho * g->wo, mr);
    const int64_t rows = s->ppanels * mr; /* <= SC_1X1T_MAX_PIXELS + mr */
    const int64_t kc_max = sc_min64(SC_1X1T_KC, SC_1X1T_XT_FLOATS / rows);
    const int64_t nkb = sc_ceil_div(cin_g, kc_max);
    s->kc = sc_ceil_div(cin_g, nkb); /* equal blocks: no sliver */
    s->per = sc_min64(npanels, SC_1X1T_SCRATCH_FLOATS / (rows * nr));
    if (s->per < 1)
        s->per = 1;
    s->xt_off = (s->per * rows * nr + 15) / 16 * 16;
    p->state = s;
    p->isa = k->isa;
    snprintf(p->name, sizeof p->name, "im2col_1x1t_%s", k->name);
    p->workspace_per_thread =
        (size_t)((s->xt_off + s->ppanels * s->kc * mr) * (int64_t)sizeof(float) + 63) / 64 * 64;
    return SC_OK;
}

/* X^T rows [k0, k0 + kc) of one image and group as MR-pixel panels:
   panel q, row kk at xt + (q*kc + kk)*MR; pixels past the plane are zero.
   Output pixel p reads input offset pix[p] of each plane (input planes of
   ipl floats), or offset p when pix is NULL (stride 1). MR is a constant
   once inlined, so a row of a panel is a few moves. */
static inline __attribute__((always_inline)) void
sc_1x1t_pack_mr(const int64_t MR, const float *in_g, int64_t ipl, int64_t npix,
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

static void sc_1x1t_pack(const float *in_g, int64_t ipl, int64_t npix, const int64_t *pix,
                         int64_t k0, int64_t kc, int64_t mr, int64_t ppanels, float *xt)
{
    switch (mr) {
    case 4: sc_1x1t_pack_mr(4, in_g, ipl, npix, pix, k0, kc, ppanels, xt); break;
    case 6: sc_1x1t_pack_mr(6, in_g, ipl, npix, pix, k0, kc, ppanels, xt); break;
    case 8: sc_1x1t_pack_mr(8, in_g, ipl, npix, pix, k0, kc, ppanels, xt); break;
    default: sc_1x1t_pack_mr(mr, in_g, ipl, npix, pix, k0, kc, ppanels, xt); break;
    }
}

static void sc_1x1t_run(const struct sc_conv2d_plan *p, const float *in, float *out, void *ws,
                        int nthreads)
{
    const sc_1x1t_state *s = p->state;
    const sc_conv_geom *g = &p->g;
    const int64_t mr = s->k->mr, nr = s->k->nr, cin_g = g->cin_g, cout_g = g->cout_g;
    const int64_t npix = g->ho * g->wo, rows = s->ppanels * mr;
    const int64_t outer = g->n * g->groups;
    /* Panels per item: at most the scratch's, fewer while threads idle. */
    int64_t per = s->per;
    const int64_t want = (int64_t)nthreads * SC_1X1T_ITEMS_PER_THREAD;
    if (nthreads > 1 && outer * sc_ceil_div(s->npanels, per) < want)
        per = sc_ceil_div(s->npanels, sc_min64(s->npanels, sc_ceil_div(want, outer)));
    const int64_t nblk = sc_ceil_div(s->npanels, per);
    const int64_t items = outer * nblk;
    const size_t slice = p->workspace_per_thread;

#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1) if (nthreads > 1)
    for (int64_t it = 0; it < items; it++) {
        float *scr = (float *)((char *)ws + (size_t)omp_get_thread_num() * slice);
        float *xt = scr + s->xt_off;
        const int64_t blk = it % nblk, grp = it / nblk % g->groups, img = it / nblk / g->groups;
        const int64_t j0 = blk * per, j1 = sc_min64(s->npanels, j0 + per);
        const float *in_g = in + (img * g->cin + grp * cin_g) * g->h * g->w;
        const float *w_g = s->w + grp * s->npanels * cin_g * nr;
        for (int64_t k0 = 0; k0 < cin_g; k0 += s->kc) {
            const int64_t kc = sc_min64(s->kc, cin_g - k0);
            sc_1x1t_pack(in_g, g->h * g->w, npix, s->pix, k0, kc, mr, s->ppanels, xt);
            for (int64_t j = j0; j < j1; j++) {
                const float *b = w_g + (j * cin_g + k0) * nr;
                const int64_t n = sc_min64(nr, cout_g - j * nr);
                float *c = scr + (j - j0) * rows * nr;
                for (int64_t q = 0; q < s->ppanels; q++)
                    s->k->fn(kc, xt + q * kc * mr, b, nr, c + q * mr * nr, nr,
                             sc_min64(mr, npix - q * mr), n, k0 > 0, NULL);
            }
        }
        for (int64_t j = j0; j < j1; j++) {
            const float *c = scr + (j - j0) * rows * nr;
            const int64_t n = sc_min64(nr, cout_g - j * nr);
            const int64_t oc0 = grp * cout_g + j * nr;
            float *y = out + (img * g->cout + oc0) * npix;
            /* The bias rides on the copy; only an activation needs a pass. */
            for (int64_t l = 0; l < n; l++) {
                const float bl = p->bias[oc0 + l];
                float *yl = y + l * npix;
                for (int64_t px = 0; px < npix; px++)
                    yl[px] = c[px * nr + l] + bl;
                sc_conv_activation(p, yl, npix);
            }
        }
    }
}

static void sc_1x1t_destroy(struct sc_conv2d_plan *p)
{
    sc_1x1t_state *s = p->state;
    if (s) {
        sc_free(s->w);
        sc_free(s->pix);
        sc_free(s);
    }
    p->state = NULL;
}

const sc_conv_algo_impl sc_conv_im2col_1x1t_impl = {
    SC_CONV_IM2COL,
    sc_1x1t_create,
    sc_1x1t_run,
    sc_1x1t_destroy,
};
