/*
 * Winograd convolution F(m x m, r x r), alpha = m + r - 1: F(2x2, 3x3) and
 * F(4x4, 3x3) for 3x3 kernels, F(3x3, 4x4) for 4x4 ones, at stride 1 (any
 * groups, any padding mode). Dilated layers go through
 * conv-winograd-dilated.c, strided and 5x5- or 7x7-like layers through
 * conv-winograd-poly.c; each turns the layer into a plain 3x3 or 4x4 one
 * over its input's phases (conv-winograd-phases.c).
 *
 * Per group the output is cut into m x m tiles on a grid anchored at output
 * (0, 0); tile (ti, tj) reads the alpha x alpha padded-input tile at padded
 * (ti*m, tj*m). The convolution becomes alpha^2 independent GEMMs, one per
 * transform position xi:
 *     M[xi] (cout_g x tiles) = U[xi] (cout_g x cin_g) * V[xi] (cin_g x tiles)
 * with U = G g G^T (weights, transformed once here) and V = B^T d B (input
 * tiles, transformed per run), followed by Y = A^T M A per tile.
 *
 * U is stored as the micro-kernel's packed A panels (mr rows, zero-padded),
 * V is written by the input transform straight into packed B panels (nr
 * columns), so the GEMM needs no packing step. A work item is one (group,
 * block of T tiles); its V and M live in the thread's workspace. The tiles
 * of a group are numbered image after image, so a block may span images:
 * small images (a batch of them, or the 16 7x7 phase images of a 3x3 layer
 * with dilation 4) fill whole GEMM panels rather than each leaving most of
 * one empty. With fewer blocks than threads, the threads
 * share each block instead (see sc_wino_run).
 */
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "conv.h"

/* Bytes of V plus a whole block's M, which set the tiles per block: a
   block's panels are produced and consumed close together (by one thread,
   or by all of them when they share it), so keeping them within a
   Zen3-class L2 (512 KiB) to 1 MiB avoids refetching them from L3 between
   the stages. (M is then made in chunks, below; the tile count stayed, as
   it also sets how often U is streamed.) */
#define SC_WINO_BLOCK_BYTES (768 * 1024)
/* Bytes of M computed before its output transform: the GEMMs of a few
   output-channel panels, then their transform, so M is read back from L2
   rather than L3. With few input channels (the stem's 12 phase channels)
   M dwarfs V and a whole block's M overflowed L2: 4x fewer L2 misses
   (callgrind's cache model, 512 KiB L2) and 0.70-0.92 of the time. With
   many, V is read once per chunk and the misses stay the same. */
#define SC_WINO_M_BYTES (128 * 1024)
/* Floats of padding after each transform position's plane of V and M. */
#define SC_WINO_XI_PAD 16

typedef struct sc_wino_state {
    const sc_winograd_kernel *wk;
    const sc_gemm_kernel *gk;
    int64_t m, r, alpha, a2;
    int64_t tiles_h, tiles_w, ntiles; /* per image */
    int64_t t;        /* tiles per block, a multiple of nr */
    int64_t nblocks;  /* per group: ceil(n * ntiles / t) */
    int64_t vs, ms;   /* floats between transform positions xi in V and in M */
    int64_t npm;      /* mr-row panels per group: ceil(cout_g / mr) */
    int64_t pmc;      /* panels whose M is computed and transformed together */
    float *u;         /* [group][xi][panel][cin_g][mr] */
    sc_wino_phases *phases; /* dilated, strided or 5x5-like layers: the phase plan; nothing
                               else is set */
} sc_wino_state;

/* G of F(2,3), F(4,3) and F(3,4) for the same points as the transform
   kernels (alpha x r, zero-padded to 4 columns). F(3,4)'s rows are F(4,3)'s
   scale factors times (1, p, p^2, p^3): they share B^T. */
static const double sc_wino_g2[4][4] = {
    {1.0, 0.0, 0.0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0.0, 0.0, 1.0}};
static const double sc_wino_g4[6][4] = {
    {1.0 / 4, 0.0, 0.0},
    {-1.0 / 6, -1.0 / 6, -1.0 / 6},
    {-1.0 / 6, 1.0 / 6, -1.0 / 6},
    {1.0 / 24, 1.0 / 12, 1.0 / 6},
    {1.0 / 24, -1.0 / 12, 1.0 / 6},
    {0.0, 0.0, 1.0}};
static const double sc_wino_g34[6][4] = {
    {1.0 / 4, 0.0, 0.0, 0.0},
    {-1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6},
    {-1.0 / 6, 1.0 / 6, -1.0 / 6, 1.0 / 6},
    {1.0 / 24, 1.0 / 12, 1.0 / 6, 1.0 / 3},
    {1.0 / 24, -1.0 / 12, 1.0 / 6, -1.0 / 3},
    {0.0, 0.0, 0.0, 1.0}};

/*
 * Tile choice when options.winograd_tile is 0:
 *   - F(2x2) when the output is smaller than 4 in either dimension: a 4x4
 *     tile would then compute mostly discarded outputs.
 *   - Otherwise the tile with the smaller estimated cost per (image, group)
 *         gemm(m) + tiles(m) * (in_ops(m) cin_g + out_ops(m) cout_g)
 *         gemm(m) = alpha^2 * roundup(tiles(m), busy) * roundup(cout_g, mr) * (cin_g + 4)
 *     gemm counts the multiply-adds the micro-kernel really performs (its
 *     last column panel runs only the vectors its columns reach, but costs
 *     at least the sc_gemm_busy_cols tile that hides the FMA latency, at
 *     most a full one: busy = min(nr, sc_gemm_busy_cols); rows are padded
 *     to mr) plus a call's fixed cost of about 4 k-steps
 *     (clearing and storing the accumulators); in_ops / out_ops are the
 *     operations of one channel's input / output transform per tile (F2: 32
 *     and 24; F4: 192 and 130), counted as scalar operations although the
 *     transforms run several tiles per vector: the overcount stands for the
 *     staging and interleaving around them.
 *     With a batch, the tiles of all its images share the GEMM panels
 *     (blocks span images), so the rounding is of n * tiles, per image.
 *     Where U is over 32 MiB, streaming it once per tile block costs about
 *     7 multiply-adds a byte on top (AVX-512, one thread: 3x3 512 at 14x14
 *     ran 3.29 ms on F(2x2) against 3.62 on F(4x4), whose U is 37.7 MB;
 *     512 at 7x7 on 2 and 4 images 1.67 against 3.87 and 3.30 against 4.04).
 *     Below that the term mispredicts both ways (AlexNet conv2's phase plan,
 *     28 MB: F(4x4) 2.09 against 2.31; 384 at 13x13, 21 MB: 1.87 against
 *     1.75; 256 at 14x14, 9.4 MB: 0.775 against 0.890), so it stays out.
 * In practice F(2x2) is chosen where F(4x4)'s tile tails or the rounding of
 * a few tiles up to busy waste more than F(2x2)'s extra multiplies. (Rounded
 * up to nr instead, the rule took F(2x2) for 3x3 layers at 13x13 and 14x14 on
 * AVX-512, where F(4x4)'s 16 tiles fill half a 32-column panel: 256 channels
 * at 14x14 ran 0.890 ms against F(4x4)'s 0.775. Rounded up to nr_min alone,
 * NEON's 4-column vectors made 7x7 layers take F(4x4) on one-vector tiles.) Measured
 * with the vector transforms (Zen 3, AVX2, one thread), the rule picks the
 * faster tile on every layer tried: F(4x4) from 8 to 256 channels at 14x14
 * to 56x56 (1.2 to 1.7x faster than F(2x2)), F(2x2) at 7x7 (64 channels
 * 0.046 ms against 0.099, 512 channels 1.64 ms against 3.97).
 */
/* Tiles per block for per_tile floats of V and M per tile: a multiple of
   nr, at least one panel, within SC_WINO_BLOCK_BYTES where that allows. */
static int64_t sc_wino_block_tiles(int64_t per_tile, int64_t nr)
{
    const int64_t t = SC_WINO_BLOCK_BYTES / (int64_t)sizeof(float) / per_tile / nr * nr;
    return t < nr ? nr : t;
}

static double sc_wino_cost(const sc_conv_geom *g, const sc_gemm_kernel *gk, int64_t m)
{
    const double alpha = (double)(m + 2);
    const int64_t n = g->n > 1 ? g->n : 1;
    const int64_t tiles = ((g->ho + m - 1) / m) * ((g->wo + m - 1) / m);
    const int64_t busy = sc_gemm_busy_cols(gk) < gk->nr ? sc_gemm_busy_cols(gk) : gk->nr;
    const double tiles_nr = (double)((n * tiles + busy - 1) / busy * busy) / (double)n;
    const double cout_mr = (double)((g->cout_g + gk->mr - 1) / gk->mr * gk->mr);
    const double in_ops = m == 4 ? 192.0 : 32.0, out_ops = m == 4 ? 130.0 : 24.0;
    double cost = alpha * alpha * tiles_nr * cout_mr * ((double)g->cin_g + 4.0) +
                  (double)tiles * (in_ops * (double)g->cin_g + out_ops * (double)g->cout_g);
    const double u_bytes = alpha * alpha * (double)g->cin_g * (double)g->cout_g * sizeof(float);
    if (u_bytes > 32.0 * 1024 * 1024) {
        /* tiles per block as sc_wino_create sets them, before the thread cut */
        const int64_t t =
            sc_wino_block_tiles((int64_t)(alpha * alpha) * (g->cin_g + g->cout_g), gk->nr);
        cost += 7.0 * u_bytes * (double)((n * tiles + t - 1) / t) / (double)n;
    }
    return cost;
}

static int sc_wino_choose_m(const sc_conv_geom *g, sc_isa active)
{
    if (g->ho < 4 || g->wo < 4)
        return 2;
    const sc_gemm_kernel *gk = sc_pick_gemm(active);
    const int have2 = sc_pick_winograd(active, 2, 3) != NULL;
    const int have4 = sc_pick_winograd(active, 4, 3) != NULL;
    if (!gk || !have2 || !have4)
        return have2 ? 2 : 4;
    return sc_wino_cost(g, gk, 4) <= sc_wino_cost(g, gk, 2) ? 4 : 2;
}

int sc_wino_tile_m(const sc_conv2d_plan *p, int64_t r, int64_t n, int64_t ho, int64_t wo,
                   int64_t cin_g, int64_t cout_g)
{
    if (r == 4)
        return 3;
    if (p->winograd_tile)
        return p->winograd_tile;
    sc_conv_geom g;
    memset(&g, 0, sizeof g);
    g.n = n;
    g.ho = ho;
    g.wo = wo;
    g.cin_g = cin_g;
    g.cout_g = cout_g;
    return sc_wino_choose_m(&g, p->active);
}

static void sc_wino_destroy(sc_conv2d_plan *p)
{
    sc_wino_state *st = p->state;
    if (!st)
        return;
    sc_wino_phases_destroy(st->phases);
    sc_free(st->u);
    sc_free(st);
    p->state = NULL;
}

/* U = G g G^T for every (output, input channel) pair, in double so that the
   only rounding is the final one to float, scattered into A panels. */
static void sc_wino_transform_weights(const sc_conv2d_plan *p, sc_wino_state *st,
                                      const float *weight)
{
    const sc_conv_geom *g = &p->g;
    const int64_t alpha = st->alpha, a2 = st->a2, mr = st->gk->mr, r = st->r;
    const double(*gm)[4] = r == 4 ? sc_wino_g34 : st->m == 4 ? sc_wino_g4 : sc_wino_g2;
    const int64_t panel = g->cin_g * mr;
    for (int64_t grp = 0; grp < g->groups; grp++) {
        float *ug = st->u + grp * a2 * st->npm * panel;
        for (int64_t oc = 0; oc < g->cout_g; oc++) {
            for (int64_t c = 0; c < g->cin_g; c++) {
                const float *w = weight + ((grp * g->cout_g + oc) * g->cin_g + c) * r * r;
                double gw[6][4];
                for (int64_t i = 0; i < alpha; i++)
                    for (int64_t j = 0; j < r; j++) {
                        double acc = 0.0;
                        for (int64_t k = 0; k < r; k++)
                            acc += gm[i][k] * w[k * r + j];
                        gw[i][j] = acc;
                    }
                for (int64_t i = 0; i < alpha; i++) {
                    for (int64_t j = 0; j < alpha; j++) {
                        double u = 0.0;
                        for (int64_t k = 0; k < r; k++)
                            u += gw[i][k] * gm[j][k];
                        const int64_t xi = i * alpha + j;
                        ug[(xi * st->npm + oc / mr) * panel + c * mr + oc % mr] = (float)u;
                    }
                }
            }
        }
    }
}

int sc_wino_plain_r(const sc_conv_geom *g)
{
    const int plain = g->kh == g->kw && (g->kh == 3 || g->kh == 4) && g->sh == 1 && g->sw == 1;
    return plain ? (int)g->kh : 0;
}

static sc_status sc_wino_create(sc_conv2d_plan *p, const float *weight, const char **why)
{
    const sc_conv_geom *g = &p->g;
    const int r = sc_wino_plain_r(g);
    if (!r || g->dh != 1 || g->dw != 1) {
        /* a phase route: the state only holds its plan */
        sc_wino_state *st = sc_calloc(sizeof *st);
        if (!st)
            return sc_fail(SC_OUT_OF_MEMORY, "conv2d: out of memory for the Winograd plan");
        p->state = st;
        return r ? sc_wino_dilated_create(p, weight, &st->phases, why)
                 : sc_wino_poly_create(p, weight, &st->phases, why);
    }
    /* F(3x3, 4x4) is the one tile for 4x4 kernels: F(2x2, 4x4) would save
       too few multiplies, F(4x4, 4x4) needs a seventh point and loses
       accuracy. */
    if (r == 4 ? p->winograd_tile != 0 && p->winograd_tile != 3 : p->winograd_tile == 3) {
        *why = r == 4 ? "4x4 (phase) kernels take winograd_tile 3 (F(3x3,4x4))"
                      : "3x3 (phase) kernels take winograd_tile 2 or 4";
        return SC_UNSUPPORTED;
    }
    const int m = sc_wino_tile_m(p, r, g->n, g->ho, g->wo, g->cin_g, g->cout_g);
    const sc_winograd_kernel *wk = sc_pick_winograd(p->active, m, r);
    if (!wk) {
        *why = "no Winograd transform kernel for this tile";
        return SC_UNSUPPORTED;
    }
    /* The batched GEMMs carry most of the work, so they use the best kernel of
       the active ISA whatever the transforms' ISA; the plan reports the
       higher of the two. */
    const sc_gemm_kernel *gk = sc_pick_gemm(p->active);
    if (!gk) {
        *why = "no GEMM micro-kernel";
        return SC_UNSUPPORTED;
    }

    sc_wino_state *st = sc_calloc(sizeof *st);
    if (!st)
        return sc_fail(SC_OUT_OF_MEMORY, "conv2d: out of memory for the Winograd plan");
    st->wk = wk;
    st->gk = gk;
    st->m = m;
    st->r = r;
    st->alpha = m + r - 1;
    st->a2 = st->alpha * st->alpha;
    st->tiles_h = (g->ho + m - 1) / m;
    st->tiles_w = (g->wo + m - 1) / m;
    st->ntiles = st->tiles_h * st->tiles_w; /* <= ho*wo, which validation bounded */
    st->npm = (g->cout_g + gk->mr - 1) / gk->mr;

    const int64_t nr = gk->nr;
    int64_t per_tile; /* floats of V and M per tile */
    if (!sc_mul_i64(st->a2, g->cin_g + g->cout_g, &per_tile))
        per_tile = INT64_MAX;
    int64_t t = sc_wino_block_tiles(per_tile, nr);
    const int64_t gtiles = g->n * st->ntiles; /* <= the output size, validated */
    const int64_t tmax = (gtiles + nr - 1) / nr * nr;
    if (t > tmax)
        t = tmax;
    /* Smaller blocks when the images and groups alone give the threads too
       few items to balance. Any t gives the same output bits: every output's
       sums run in the same order whatever block holds its tile. */
    while (t > nr && g->groups * ((gtiles + t - 1) / t) < 4 * (int64_t)p->nthreads)
        t = (t / 2 + nr - 1) / nr * nr;
    st->t = t;
    st->nblocks = (gtiles + t - 1) / t;

    /* Sizes in bytes, held to the contract's int64 limit like every tensor. */
    int64_t u_bytes, ws_bytes;
    const int64_t u_f[] = {g->groups, st->a2, st->npm, gk->mr, g->cin_g, (int64_t)sizeof(float)};
    /* One cache line between the xi planes: with cin_g * t a multiple of
       1024 floats (common), the alpha^2 planes a tile's transform touches
       would otherwise fall into one L1 set and evict each other. */
    int64_t vm = INT64_MAX; /* vs + ms */
    st->pmc = SC_WINO_M_BYTES / ((int64_t)sizeof(float) * st->a2 * gk->mr * t);
    if (st->pmc < 1)
        st->pmc = 1;
    if (st->pmc > st->npm)
        st->pmc = st->npm;
    if (sc_mul_i64(g->cin_g, t, &st->vs) && sc_mul_i64(st->pmc * gk->mr, t, &st->ms) &&
        st->vs < INT64_MAX / 4 && st->ms < INT64_MAX / 4) {
        st->vs += SC_WINO_XI_PAD;
        st->ms += SC_WINO_XI_PAD;
        vm = st->vs + st->ms;
    }
    const int64_t ws_f[] = {st->a2, vm, (int64_t)sizeof(float)};
    if (vm == INT64_MAX || !sc_prod_i64(&u_bytes, 6, u_f) || !sc_prod_i64(&ws_bytes, 3, ws_f) ||
        ws_bytes > INT64_MAX - 63 || (uint64_t)u_bytes > SIZE_MAX ||
        (uint64_t)ws_bytes > SIZE_MAX - 63) {
        sc_free(st);
        return sc_fail(SC_INVALID_ARGUMENT,
                       "conv2d: Winograd transformed weights or workspace exceed int64 bytes "
                       "(cin/groups=%lld, cout/groups=%lld)",
                       (long long)g->cin_g, (long long)g->cout_g);
    }
    st->u = sc_calloc((size_t)u_bytes);
    if (!st->u) {
        sc_free(st);
        return sc_fail(SC_OUT_OF_MEMORY,
                       "conv2d: out of memory for %lld bytes of transformed Winograd weights",
                       (long long)u_bytes);
    }
    sc_wino_transform_weights(p, st, weight);

    p->state = st;
    p->isa = sc_isa_usable(wk->isa, gk->isa) ? gk->isa : wk->isa;
    snprintf(p->name, sizeof p->name, "%s", wk->name);
    p->workspace_per_thread = ((size_t)ws_bytes + 63) / 64 * 64;
    return SC_OK;
}

/* The tiles of block blk, numbered over the group's images: the first, and
   how many. */
static void sc_wino_block(const sc_conv2d_plan *p, const sc_wino_state *st, int64_t blk,
                          int64_t *t0, int64_t *nt)
{
    const int64_t gtiles = p->g.n * st->ntiles;
    *t0 = blk * st->t;
    *nt = *t0 + st->t <= gtiles ? st->t : gtiles - *t0;
}

/* V of input channels [c0, c1) of one (group, tile block), written into the
   packed panels at v ([xi][panel][cin_g][nr], xi stride vs); a panel's
   tiles may come from two or more images. */
static void sc_wino_input_part(const sc_conv2d_plan *p, const sc_wino_state *st, const float *in,
                               float *v, int64_t grp, int64_t blk, int64_t c0, int64_t c1)
{
    const sc_conv_geom *g = &p->g;
    const int64_t nr = st->gk->nr, cin_g = g->cin_g, ntiles = st->ntiles;
    int64_t t0, nt;
    sc_wino_block(p, st, blk, &t0, &nt);
    const int64_t npn = (nt + nr - 1) / nr;
    const int64_t plane = g->h * g->w;
    for (int64_t c = c0; c < c1; c++) {
        for (int64_t pn = 0; pn < npn; pn++) {
            const int64_t n = nt - pn * nr < nr ? nt - pn * nr : nr;
            for (int64_t j = 0; j < n;) {
                const int64_t gt = t0 + pn * nr + j, img = gt / ntiles, lt = gt % ntiles;
                const int64_t cnt = n - j < ntiles - lt ? n - j : ntiles - lt;
                st->wk->input(g, in + ((img * g->cin + grp * cin_g + c) * plane), st->tiles_w,
                              lt, cnt, v + pn * cin_g * nr + c * nr + j, st->vs);
                j += cnt;
            }
        }
        /* The micro-kernel's contract wants whole nr-wide panels, zero past
           n; the tail's columns would otherwise hold the previous block's
           data. */
        if (nt % nr)
            for (int64_t xi = 0; xi < st->a2; xi++)
                memset(v + xi * st->vs + (npn - 1) * cin_g * nr + c * nr + nt % nr, 0,
                       (size_t)(nr - nt % nr) * sizeof(float));
    }
}

/* The batched GEMMs M = U V and the output transform (with the epilogue) of
   output-channel panels [pm0, pm1) of one (group, tile block). */
static void sc_wino_output_part(const sc_conv2d_plan *p, const sc_wino_state *st,
                                const float *v, float *mbuf, float *out, int64_t grp,
                                int64_t blk, int64_t pm0, int64_t pm1)
{
    const sc_conv_geom *g = &p->g;
    const int64_t m = st->m, a2 = st->a2, t = st->t;
    const int64_t mr = st->gk->mr, nr = st->gk->nr;
    const int64_t cin_g = g->cin_g, cout_g = g->cout_g;
    int64_t t0, nt;
    sc_wino_block(p, st, blk, &t0, &nt);
    const int64_t npn = (nt + nr - 1) / nr;

    const float *ug = st->u + grp * a2 * st->npm * cin_g * mr;
    for (int64_t pc = pm0; pc < pm1; pc += st->pmc) {
        const int64_t pe = pc + st->pmc < pm1 ? pc + st->pmc : pm1;
        for (int64_t xi = 0; xi < a2; xi++) {
            const float *uxi = ug + xi * st->npm * cin_g * mr;
            const float *vxi = v + xi * st->vs;
            float *mxi = mbuf + xi * st->ms;
            for (int64_t pn = 0; pn < npn; pn++) {
                const int64_t n = nt - pn * nr < nr ? nt - pn * nr : nr;
                for (int64_t pm = pc; pm < pe; pm++) {
                    const int64_t mm = cout_g - pm * mr < mr ? cout_g - pm * mr : mr;
                    st->gk->fn(cin_g, uxi + pm * cin_g * mr, vxi + pn * cin_g * nr, nr,
                               mxi + (pm - pc) * mr * t + pn * nr, t, mm, n, 0, NULL);
                }
            }
        }

        /* The output transform of the block's tiles of each image at once,
           so planes narrower than a vector of tiles still fill its lanes.
           Where they are whole tile rows, their outputs are one run of
           memory per channel and the epilogue takes them in one call (56
           wide: 14 vectors for 4 rows rather than 16); otherwise row by
           row. */
        const int64_t oc0 = pc * mr, oc1 = pe * mr < cout_g ? pe * mr : cout_g;
        const int64_t tw = st->tiles_w, ntiles = st->ntiles;
        for (int64_t s0 = 0; s0 < nt;) {
            const int64_t img = (t0 + s0) / ntiles, lt = (t0 + s0) % ntiles;
            const int64_t cnt = nt - s0 < ntiles - lt ? nt - s0 : ntiles - lt;
            const int64_t te = lt + cnt, ti0 = lt / tw, tj0 = lt % tw;
            const int whole_rows = tj0 == 0 && (te % tw == 0 || te == ntiles);
            float *out_g = out + (img * g->cout + grp * cout_g) * g->ho * g->wo;
            for (int64_t oc = oc0; oc < oc1; oc++) {
                float *yc = out_g + oc * g->ho * g->wo;
                const int64_t c = grp * cout_g + oc;
                /* The bias, ReLU and ReLU6 ride on the transform; only the
                   other activations need a pass (a pass over the stem's 3.2
                   MB output took 6% of its time on one thread, 10% on two). */
                st->wk->output(mbuf + (oc - oc0) * t + s0, st->ms, lt, cnt, tw,
                               p->has_bias ? p->bias + c : NULL, g->act, yc, g->ho, g->wo);
                if (g->act == SC_ACT_NONE || g->act == SC_ACT_RELU || g->act == SC_ACT_RELU6)
                    continue;
                if (whole_rows) {
                    const int64_t oh0 = ti0 * m;
                    const int64_t oh1 =
                        (te + tw - 1) / tw * m < g->ho ? (te + tw - 1) / tw * m : g->ho;
                    sc_conv_activation(p, yc + oh0 * g->wo, (oh1 - oh0) * g->wo);
                    continue;
                }
                for (int64_t j = 0, oh = ti0 * m, tj = tj0; j < cnt; oh += m, tj = 0) {
                    const int64_t run = tw - tj < cnt - j ? tw - tj : cnt - j;
                    const int64_t ow0 = tj * m;
                    const int64_t ow1 = (tj + run) * m < g->wo ? (tj + run) * m : g->wo;
                    const int64_t oh1 = oh + m < g->ho ? oh + m : g->ho;
                    if (run == tw)
                        sc_conv_activation(p, yc + oh * g->wo, (oh1 - oh) * g->wo);
                    else
                        for (int64_t r = oh; r < oh1; r++)
                            sc_conv_activation(p, yc + r * g->wo + ow0, ow1 - ow0);
                    j += run;
                }
            }
            s0 += cnt;
        }
    }
}

/* Item = (group, tile block), on the thread's own V and M. */
static void sc_wino_item(const sc_conv2d_plan *p, const sc_wino_state *st, const float *in,
                         float *out, float *ws, int64_t item)
{
    const int64_t blk = item % st->nblocks, grp = item / st->nblocks;
    float *v = ws;                      /* [xi][panel][cin_g][nr] */
    float *mbuf = ws + st->a2 * st->vs; /* [xi][cout_g][t], xi stride ms */
    sc_wino_input_part(p, st, in, v, grp, blk, 0, p->g.cin_g);
    sc_wino_output_part(p, st, v, mbuf, out, grp, blk, 0, st->npm);
}

static void sc_wino_run(const sc_conv2d_plan *p, const float *in, float *out, void *ws,
                        int nthreads)
{
    const sc_wino_state *st = p->state;
    if (st->phases) {
        sc_wino_phases_run(p, st->phases, in, out, ws, nthreads);
        return;
    }
    const sc_conv_geom *g = &p->g;
    const int64_t base = g->groups * st->nblocks;
    const size_t slice = p->workspace_per_thread / sizeof(float);
    if (nthreads > 1 && base < (int64_t)nthreads && st->npm > 1) {
        /* Fewer tile blocks than threads (deep layers, small images): the
           threads split each block's output channel panels, and every
           thread transforms the block's whole input into its own V. Sharing
           one V (each thread transforming some channels, a barrier, every
           thread reading all) cost more than the transform it saves: V's
           lines then cross between the cores. Timed inside a run of
           Inception's 5x5 (16 -> 32 at 28x28: one block of 64 phase
           channels, 11 panels; AVX-512, means): one thread takes 25 us for
           the input transform and 87 us for the panels; two sharing V took
           18 us each for half the transform and 62-63 us for half the
           panels; two with their own V take 28-31 us and 36-44 us. Every
           value is computed by the same operations whichever thread
           computes it. */
#pragma omp parallel num_threads(nthreads)
        {
            /* Panels by output channels, not panel counts: 128 channels in
               eleven panels of 12 (the last 8) split 60/68, not 72/56. */
            const int64_t team = omp_get_num_threads(), rank = omp_get_thread_num();
            const int64_t mr = st->gk->mr, cout_g = g->cout_g, unit = team * mr;
            const int64_t pm0 = sc_min64(st->npm, (cout_g * rank + unit / 2) / unit);
            const int64_t pm1 = rank + 1 == team
                                    ? st->npm
                                    : sc_min64(st->npm, (cout_g * (rank + 1) + unit / 2) / unit);
            float *v = (float *)ws + (size_t)rank * slice;
            float *mbuf = v + st->a2 * st->vs;
            for (int64_t item = 0; pm0 < pm1 && item < base; item++) {
                const int64_t blk = item % st->nblocks, grp = item / st->nblocks;
                sc_wino_input_part(p, st, in, v, grp, blk, 0, g->cin_g);
                sc_wino_output_part(p, st, v, mbuf, out, grp, blk, pm0, pm1);
            }
        }
        return;
    }
#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1) if (nthreads > 1)
    for (int64_t item = 0; item < base; item++)
        sc_wino_item(p, st, in, out, (float *)ws + (size_t)omp_get_thread_num() * slice, item);
}

const sc_conv_algo_impl sc_conv_winograd_impl = {
    SC_CONV_WINOGRAD,
    sc_wino_create,
    sc_wino_run,
    sc_wino_destroy,
};
