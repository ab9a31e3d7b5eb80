/*
 * Winograd F(2x2,3x3), F(4x4,3x3) and F(3x3,4x4): every transform kernel in
 * sc_winograd_kernels on its own, then whole convolutions forced onto
 * Winograd for every ISA this machine can run, compared with a
 * double-precision direct convolution under a bound derived for Winograd.
 * The tile m names the pair: m = 3 is the 4x4 kernel, 2 and 4 the 3x3 one.
 *
 * The bound. The test keeps its own copies of Lavin's matrices (points 0, 1,
 * -1, [2, -2,] infinity; F(3x3,4x4) has F(4x4,3x3)'s B^T, G built on the
 * same points and scale factors, and A^T's first three rows with the point
 * at infinity moved to the last). For one output y at position (p, q) of its
 * tile, written out as a sum of leaf products, Winograd computes
 *     y = sum_c [A^T ((G g_c G^T) . (B^T d_c B)) A]_{pq} (+ bias),
 * and every leaf reaches the result through at most n roundings, so
 * (Higham, lemma 3.3) |y_computed - y| <= gamma_n * S with
 *     S = sum_c [|A^T| ((|G||g_c||G^T|) . (|B^T||d_c||B|)) |A|]_{pq} + |bias|.
 * n = cin_g + c_t counts, along the longest path of one leaf:
 *   cin_g  the GEMM's product and its cin_g - 1 additions;
 *   2      U = G g G^T, computed in double (error < 2^-50 relative, far below
 *          one float rounding) and rounded once to float;
 *   2 kB   B^T d B: two stages, each a row of at most kB non-zeros, so at
 *          most kB roundings (one product, kB - 1 additions; multiplying by
 *          a power of two is exact but counted anyway) in any evaluation
 *          order; kB = 2 for F2 and 4 for F4 and F3;
 *   2 kA   A^T M A likewise, kA = 3 for F2 and 5 for F4 and F3;
 *   1      the bias addition.
 * So c_t = 2 + 2*2 + 2*3 + 1 = 13 for F(2x2) and 2 + 2*4 + 2*5 + 1 = 21 for
 * F(4x4) and F(3x3). (The GEMM term counts cin_g products: the r^2 taps are
 * folded into the transformed weights.)
 * Activations: relu and relu6 are exact and 1-Lipschitz, so the bound passes
 * through unchanged (as for none). The others add L_act * bound (L_act the
 * largest |f'|: sigmoid 1/4, tanh 1, silu 1.10, gelu and gelu_tanh 1.13,
 * mish 1.09) plus 8 * 2^-24 * (|ref| + |pre|) for the activation's own
 * rounding; the |pre| term covers gelu's 1 + erf(x) cancellation at very
 * negative x, whose absolute error is about |x| 2^-24.
 *
 * Why this is looser than the direct convolution's bound gamma_{r^2 cin_g}
 * sum |w||x|: the transforms mix the r^2 taps and alpha^2 inputs with
 * coefficients up to 5 (B^T), 8 (A^T) and 1/6 (G) before they cancel again in
 * exact arithmetic; floating point rounds the large intermediates, so the
 * error scales with the transform-domain magnitudes S rather than with
 * sum |w||x|. On uniform random data S is 20 to 500 times (mean 80) sum |w||x|
 * for F(4x4), 4 to 14 times (mean 7) for F(2x2); the shorter chain
 * cin_g + c_t against 9 cin_g only partly makes up for it.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "conv.h"

/* ---- the test's own transform matrices ---- */

static const double BT2[4][4] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
static const double G2[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
static const double AT2[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};

static const double BT4[6][6] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0},
                                 {0, 4, -4, -1, 1, 0}, {0, -2, -1, 2, 1, 0},
                                 {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
static const double G4[6][3] = {{1.0 / 4, 0, 0},
                                {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                {0, 0, 1}};
static const double AT4[4][6] = {
    {1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};

static const double G34[6][4] = {{1.0 / 4, 0, 0, 0},
                                 {-1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6},
                                 {-1.0 / 6, 1.0 / 6, -1.0 / 6, 1.0 / 6},
                                 {1.0 / 24, 1.0 / 12, 1.0 / 6, 1.0 / 3},
                                 {1.0 / 24, -1.0 / 12, 1.0 / 6, -1.0 / 3},
                                 {0, 0, 0, 1}};
static const double AT3[3][6] = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 1}};

/* The kernel size of tile m's transforms. */
static int tile_r(int m) { return m == 3 ? 4 : 3; }

typedef struct wino_mats {
    int m, r, alpha;
    double bt[6][6], g[6][4], at[4][6];
    int kb, ka; /* most non-zeros in a row of B^T, of A^T */
} wino_mats;

static void mats_init(wino_mats *w, int m)
{
    memset(w, 0, sizeof *w);
    w->m = m;
    w->r = tile_r(m);
    w->alpha = m + w->r - 1;
    if (m == 4 || m == 3) {
        memcpy(w->bt, BT4, sizeof BT4);
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < w->r; j++)
                w->g[i][j] = m == 4 ? G4[i][j] : G34[i][j];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < 6; j++)
                w->at[i][j] = m == 4 ? AT4[i][j] : AT3[i][j];
    } else {
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++)
                w->bt[i][j] = BT2[i][j];
            for (int j = 0; j < 3; j++)
                w->g[i][j] = G2[i][j];
        }
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 4; j++)
                w->at[i][j] = AT2[i][j];
    }
    for (int i = 0; i < w->alpha; i++) {
        int nz = 0;
        for (int j = 0; j < w->alpha; j++)
            nz += w->bt[i][j] != 0;
        w->kb = nz > w->kb ? nz : w->kb;
    }
    for (int i = 0; i < m; i++) {
        int nz = 0;
        for (int j = 0; j < w->alpha; j++)
            nz += w->at[i][j] != 0;
        w->ka = nz > w->ka ? nz : w->ka;
    }
}

/* Roundings along a leaf's longest path, outside the GEMM (see the top). */
static int64_t mats_ct(const wino_mats *w) { return 2 + 2 * w->kb + 2 * w->ka + 1; }

/* out = (abs ? |L| |X| |R| : L X R) with L r x k, X k x k, R = L^T-shaped k x r
   given as Lr (r x k, used transposed). */
static void sandwich(int r, int k, const double *l, int ldl, const double *x, double *out,
                     int absval)
{
    double t[6][6];
    for (int i = 0; i < r; i++)
        for (int j = 0; j < k; j++) {
            double s = 0;
            for (int q = 0; q < k; q++) {
                double a = l[i * ldl + q], b = x[q * k + j];
                s += absval ? fabs(a) * fabs(b) : a * b;
            }
            t[i][j] = s;
        }
    for (int i = 0; i < r; i++)
        for (int j = 0; j < r; j++) {
            double s = 0;
            for (int q = 0; q < k; q++) {
                double a = t[i][q], b = l[j * ldl + q];
                s += absval ? fabs(a) * fabs(b) : a * b;
            }
            out[i * r + j] = s;
        }
}

/* ---- the double reference ---- */

static int64_t ref_map(int64_t r, int64_t lo, int64_t n, sc_padding_mode mode)
{
    int64_t i = r - lo;
    if (i >= 0 && i < n)
        return i;
    switch (mode) {
    case SC_PAD_ZEROS: return -1;
    case SC_PAD_REFLECT: return i < 0 ? -i : 2 * (n - 1) - i;
    case SC_PAD_REPLICATE: return i < 0 ? 0 : n - 1;
    case SC_PAD_CIRCULAR: return ((i % n) + n) % n;
    }
    return -1;
}

static double ref_act(double x, sc_activation a)
{
    switch (a) {
    case SC_ACT_NONE: return x;
    case SC_ACT_RELU: return x < 0 ? 0 : x;
    case SC_ACT_RELU6: return x < 0 ? 0 : (x > 6 ? 6 : x);
    case SC_ACT_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case SC_ACT_TANH: return tanh(x);
    case SC_ACT_SILU: return x / (1.0 + exp(-x));
    case SC_ACT_GELU: return 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
    case SC_ACT_GELU_TANH:
        return 0.5 * x * (1.0 + tanh(sqrt(2.0 / 3.14159265358979323846) * (x + 0.044715 * x * x * x)));
    case SC_ACT_MISH: return x * tanh(x > 30 ? x : log1p(exp(x)));
    }
    return x;
}

/* Largest |f'|, rounded up. 0 for the exact, 1-Lipschitz passthroughs. */
static double act_lipschitz(sc_activation a)
{
    switch (a) {
    case SC_ACT_SIGMOID: return 0.25;
    case SC_ACT_TANH: return 1.0;
    case SC_ACT_SILU: return 1.10;
    case SC_ACT_GELU:
    case SC_ACT_GELU_TANH: return 1.13;
    case SC_ACT_MISH: return 1.09;
    default: return 0.0;
    }
}

typedef struct conv_case {
    sc_conv2d_desc d;
    int64_t ho, wo, pt, pb, pl, pr;
    int has_bias;
} conv_case;

/* pre[] = conv + bias in double; s[] = the Winograd magnitude S (with |bias|)
   for tile size w->m. Both n*cout*ho*wo. */
static void ref_conv_and_bound(const conv_case *cc, const wino_mats *w, const float *in,
                               const float *wt, const float *bias, double *pre, double *s)
{
    const sc_conv2d_desc *d = &cc->d;
    const int64_t cin_g = d->in_channels / d->groups, cout_g = d->out_channels / d->groups;
    const int64_t H = d->in_height, W = d->in_width, ho = cc->ho, wo = cc->wo;
    const int64_t hp = H + cc->pt + cc->pb, wp = W + cc->pl + cc->pr;
    const int m = w->m, r = w->r, alpha = w->alpha, a2 = alpha * alpha;
    int64_t *rmap = malloc((size_t)(hp + wp) * sizeof(int64_t)), *cmap = rmap + hp;
    if (!rmap) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    for (int64_t r = 0; r < hp; r++)
        rmap[r] = ref_map(r, cc->pt, H, d->padding_mode);
    for (int64_t c = 0; c < wp; c++)
        cmap[c] = ref_map(c, cc->pl, W, d->padding_mode);
    /* padded value at (r, c), zero past the padded extent */
#define PADV(plane, r, c)                                                                      \
    (((r) >= hp || (c) >= wp || rmap[r] < 0 || cmap[c] < 0)                                    \
         ? 0.0                                                                                 \
         : (double)(plane)[rmap[r] * W + cmap[c]])
    for (int64_t n = 0; n < d->batch; n++)
        for (int64_t oc = 0; oc < d->out_channels; oc++) {
            const int64_t grp = oc / cout_g;
            for (int64_t oh = 0; oh < ho; oh++)
                for (int64_t ow = 0; ow < wo; ow++) {
                    double acc = bias ? bias[oc] : 0.0;
                    for (int64_t c = 0; c < cin_g; c++) {
                        const float *pl = in + (n * d->in_channels + grp * cin_g + c) * H * W;
                        const float *k = wt + (oc * cin_g + c) * r * r;
                        for (int i = 0; i < r; i++)
                            for (int j = 0; j < r; j++)
                                acc += (double)k[i * r + j] * PADV(pl, oh + i, ow + j);
                    }
                    pre[((n * d->out_channels + oc) * ho + oh) * wo + ow] = acc;
                }
        }

    const int64_t th = (ho + m - 1) / m, tw = (wo + m - 1) / m;
    double *vabs = malloc((size_t)(cin_g * a2) * sizeof(double));
    double *uabs = malloc((size_t)(d->out_channels * cin_g * a2) * sizeof(double));
    if (!vabs || !uabs) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    for (int64_t oc = 0; oc < d->out_channels; oc++)
        for (int64_t c = 0; c < cin_g; c++) {
            const float *k = wt + (oc * cin_g + c) * r * r;
            double gk[6][4];
            for (int i = 0; i < alpha; i++)
                for (int j = 0; j < r; j++) {
                    double acc = 0;
                    for (int q = 0; q < r; q++)
                        acc += fabs(w->g[i][q]) * fabs((double)k[q * r + j]);
                    gk[i][j] = acc;
                }
            double *u = uabs + (oc * cin_g + c) * a2;
            for (int i = 0; i < alpha; i++)
                for (int j = 0; j < alpha; j++) {
                    double acc = 0;
                    for (int q = 0; q < r; q++)
                        acc += gk[i][q] * fabs(w->g[j][q]);
                    u[i * alpha + j] = acc;
                }
        }
    for (int64_t n = 0; n < d->batch; n++)
        for (int64_t grp = 0; grp < d->groups; grp++)
            for (int64_t ti = 0; ti < th; ti++)
                for (int64_t tj = 0; tj < tw; tj++) {
                    for (int64_t c = 0; c < cin_g; c++) {
                        const float *pl = in + (n * d->in_channels + grp * cin_g + c) * H * W;
                        double dt[36];
                        for (int i = 0; i < alpha; i++)
                            for (int j = 0; j < alpha; j++)
                                dt[i * alpha + j] = PADV(pl, ti * m + i, tj * m + j);
                        sandwich(alpha, alpha, &w->bt[0][0], 6, dt, vabs + c * a2, 1);
                    }
                    for (int64_t o = 0; o < cout_g; o++) {
                        const int64_t oc = grp * cout_g + o;
                        double x[36] = {0}, sm[16];
                        for (int64_t c = 0; c < cin_g; c++)
                            for (int xi = 0; xi < a2; xi++)
                                x[xi] += uabs[(oc * cin_g + c) * a2 + xi] * vabs[c * a2 + xi];
                        sandwich(m, alpha, &w->at[0][0], 6, x, sm, 1);
                        for (int p = 0; p < m && ti * m + p < ho; p++)
                            for (int q = 0; q < m && tj * m + q < wo; q++)
                                s[((n * d->out_channels + oc) * ho + ti * m + p) * wo + tj * m +
                                  q] = sm[p * m + q] + (bias ? fabs((double)bias[oc]) : 0.0);
                    }
                }
#undef PADV
    free(rmap);
    free(vabs);
    free(uabs);
}

/* ---- expectations from the kernel table ---- */

static const sc_winograd_kernel *expected_kernel(sc_isa active, int m)
{
    for (const sc_winograd_kernel *k = sc_winograd_kernels; k->name; k++)
        if (k->m == m && k->r == tile_r(m) && sc_isa_usable(k->isa, active))
            return k;
    return NULL;
}

static double worst_ratio[5];  /* by m */
static double worst_direct[5]; /* error / direct bound, for the record */

/* ---- every transform kernel of the table, on its own ---- */

/* Input transforms of runs of tiles over planes narrow and wide (a vector
   kernel reads whole groups of tiles in place only when the plane is wide
   enough), through zero and reflect padding, every start tile and run
   lengths around the vector widths. Each tile's V is checked against the
   double transform within gamma_{2 kB} |B^T| |d| |B|, bitwise against the
   same tile transformed alone, and the slots around the written lanes must
   keep their NaN sentinels. */
static void test_input_kernel(tc_rng *rng, const sc_winograd_kernel *k, const wino_mats *w)
{
    const int alpha = w->alpha, a2 = alpha * alpha, m = k->m;
    const struct {
        int64_t h, w, pad;
        sc_padding_mode mode;
    } planes[] = {
        {9, 7, 1, SC_PAD_ZEROS},       {13, 45, 1, SC_PAD_ZEROS},
        {12, 70, 2, SC_PAD_REFLECT},   {10, 139, 0, SC_PAD_ZEROS},
        {6, 37, 1, SC_PAD_REPLICATE},
    };
    const int64_t counts[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 23, 31, 32, 33};
    for (size_t pi = 0; pi < sizeof planes / sizeof planes[0]; pi++) {
        sc_conv_geom g;
        memset(&g, 0, sizeof g);
        g.h = planes[pi].h;
        g.w = planes[pi].w;
        g.pad_top = g.pad_bottom = g.pad_left = g.pad_right = planes[pi].pad;
        g.hp = g.h + 2 * planes[pi].pad;
        g.wp = g.w + 2 * planes[pi].pad;
        int64_t *rmap = malloc((size_t)(g.hp + g.wp) * sizeof(int64_t)), *cmap = rmap + g.hp;
        float *plane = malloc((size_t)(g.h * g.w) * sizeof(float));
        if (!rmap || !plane) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
        for (int64_t r = 0; r < g.hp; r++)
            rmap[r] = ref_map(r, planes[pi].pad, g.h, planes[pi].mode);
        for (int64_t c = 0; c < g.wp; c++)
            cmap[c] = ref_map(c, planes[pi].pad, g.w, planes[pi].mode);
        g.row_src = rmap;
        g.col_src = cmap;
        tc_fill(rng, plane, g.h * g.w, -1.0f, 1.0f);
        const int64_t tiles_w = (g.wp - (w->r - 1) + m - 1) / m;
        const int64_t tiles_h = (g.hp - (w->r - 1) + m - 1) / m;
        const int64_t ntiles = tiles_w * tiles_h;

        /* Every tile alone: the reference bits, checked against the bound. */
        float *alone = malloc((size_t)(ntiles * a2) * sizeof(float));
        int good = 1;
        for (int64_t t = 0; t < ntiles; t++) {
            float v[36];
            k->input(&g, plane, tiles_w, t, 1, v, 1);
            const int64_t r0 = t / tiles_w * m, c0 = t % tiles_w * m;
            double dt[36], ex[36], ab[36];
            for (int i = 0; i < alpha; i++)
                for (int j = 0; j < alpha; j++) {
                    const int64_t r = r0 + i, c = c0 + j;
                    const int ok = r < g.hp && c < g.wp && rmap[r] >= 0 && cmap[c] >= 0;
                    dt[i * alpha + j] = ok ? plane[rmap[r] * g.w + cmap[c]] : 0.0;
                }
            sandwich(alpha, alpha, &w->bt[0][0], 6, dt, ex, 0);
            sandwich(alpha, alpha, &w->bt[0][0], 6, dt, ab, 1);
            const double gam = tc_gamma(2 * w->kb);
            for (int xi = 0; xi < a2; xi++) {
                good &= fabs((double)v[xi] - ex[xi]) <= gam * ab[xi];
                alone[t * a2 + xi] = v[xi];
            }
        }
        tc_check(good, "%s/%s input on %lldx%lld pad %lld: a tile beyond the bound", k->name,
                 sc_isa_name(k->isa), (long long)g.h, (long long)g.w, (long long)planes[pi].pad);

        /* Runs: the same bits in every lane, nothing outside them written. */
        for (size_t ci = 0; ci < sizeof counts / sizeof counts[0]; ci++) {
            const int64_t count = counts[ci], stride = count + 3;
            float *v = malloc((size_t)(a2 * stride) * sizeof(float));
            int same = 1, clean = 1;
            for (int64_t t0 = 0; t0 + count <= ntiles; t0++) {
                for (int64_t i = 0; i < a2 * stride; i++)
                    v[i] = NAN;
                k->input(&g, plane, tiles_w, t0, count, v + 1, stride);
                for (int xi = 0; xi < a2; xi++) {
                    clean &= isnan(v[xi * stride]) && isnan(v[xi * stride + count + 1]) &&
                             isnan(v[xi * stride + count + 2]);
                    for (int64_t l = 0; l < count; l++)
                        same &= memcmp(&v[xi * stride + 1 + l], &alone[(t0 + l) * a2 + xi],
                                       sizeof(float)) == 0;
                }
            }
            tc_check(same, "%s/%s input runs of %lld on %lldx%lld: a lane differs from its "
                     "tile alone", k->name, sc_isa_name(k->isa), (long long)count,
                     (long long)g.h, (long long)g.w);
            tc_check(clean, "%s/%s input runs of %lld on %lldx%lld: wrote outside its lanes",
                     k->name, sc_isa_name(k->isa), (long long)count, (long long)g.h,
                     (long long)g.w);
            free(v);
        }
        free(alone);
        free(plane);
        free(rmap);
    }
}

/* Output transforms of 1 to 33 tiles from several starts, on tile grids 1 to
   17 tiles wide (so a call's tiles span several tile rows) and planes
   clipped by 0 to m-1 outputs at the right and bottom edges: within
   gamma_{2 kA} |A^T| |M| |A| of the double transform, bitwise equal to each
   tile alone, and nothing written outside the tiles' clipped outputs (the
   plane sits between guard zones). */
static void test_output_kernel(tc_rng *rng, const sc_winograd_kernel *k, const wino_mats *w)
{
    const int alpha = w->alpha, a2 = alpha * alpha, m = k->m;
    static const int64_t widths[] = {1, 2, 3, 5, 7, 16, 17};
    const int64_t guard = 37;
    for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++)
        for (int e = 0; e < m; e++) {
            const int64_t tw = widths[wi], th = 35 / tw + 3, ntiles = tw * th;
            const int64_t wo = tw * m - e, ho = th * m - e, plane = ho * wo;
            const int64_t ms = 36;
            float *mi = malloc((size_t)(a2 * ms) * sizeof(float));
            float *buf = malloc((size_t)(plane + 2 * guard) * sizeof(float));
            float *y = buf + guard;
            tc_fill(rng, mi, a2 * ms, -4.0f, 4.0f);
            const int64_t starts[] = {0, 1, tw - 1, tw + 2};
            int good = 1, same = 1, clean = 1;
            for (int si = 0; si < 4; si++)
                for (int64_t count = 1; count <= 33; count++) {
                    const int64_t t0 = starts[si];
                    if (t0 + count > ntiles || (si > 0 && t0 == starts[si - 1]))
                        continue;
                    for (int64_t i = 0; i < plane + 2 * guard; i++)
                        buf[i] = NAN;
                    /* odd counts add a bias: the tile's Y, then one rounded
                       add; every third count then ReLU, every fifth ReLU6 */
                    const float bv = 0.375f, *bp = count % 2 ? &bv : NULL;
                    const sc_activation act = count % 3 == 0   ? SC_ACT_RELU
                                              : count % 5 == 0 ? SC_ACT_RELU6
                                                               : SC_ACT_NONE;
                    k->output(mi + 1, ms, t0, count, tw, bp, act, y, ho, wo);
                    int64_t written = 0;
                    for (int64_t l = 0; l < count; l++) {
                        double md[36], ex[16], ab[16];
                        float yt[4 * 4];
                        for (int xi = 0; xi < a2; xi++)
                            md[xi] = mi[1 + xi * ms + l];
                        sandwich(m, alpha, &w->at[0][0], 6, md, ex, 0);
                        sandwich(m, alpha, &w->at[0][0], 6, md, ab, 1);
                        k->output(mi + 1 + l, ms, 0, 1, 1, NULL, SC_ACT_NONE, yt, m, m);
                        const double gam = tc_gamma(2 * w->ka);
                        const int64_t r0 = (t0 + l) / tw * m, c0 = (t0 + l) % tw * m;
                        for (int p = 0; p < m && r0 + p < ho; p++)
                            for (int q = 0; q < m && c0 + q < wo; q++) {
                                const float got = y[(r0 + p) * wo + c0 + q];
                                double want = ex[p * m + q] + (bp ? bv : 0.0);
                                const double slack = bp ? fabs(want) * FLT_EPSILON : 0.0;
                                float alone = bp ? yt[p * m + q] + bv : yt[p * m + q];
                                if (act != SC_ACT_NONE) {
                                    want = want < 0.0 ? 0.0 : want;
                                    alone = alone < 0.0f ? 0.0f : alone;
                                }
                                if (act == SC_ACT_RELU6) {
                                    want = want > 6.0 ? 6.0 : want;
                                    alone = alone > 6.0f ? 6.0f : alone;
                                }
                                good &= fabs((double)got - want) <= gam * ab[p * m + q] + slack;
                                same &= memcmp(&got, &alone, sizeof(float)) == 0;
                                written++;
                            }
                    }
                    /* every value the tiles own is finite (checked above),
                       so the NaNs left count what was not written */
                    int64_t untouched = 0;
                    for (int64_t i = 0; i < plane + 2 * guard; i++)
                        untouched += isnan(buf[i]) != 0;
                    clean &= untouched == plane + 2 * guard - written;
                }
            tc_check(good, "%s/%s output, %lld tiles wide, edge %d: beyond the bound", k->name,
                     sc_isa_name(k->isa), (long long)tw, e);
            tc_check(same, "%s/%s output, %lld tiles wide, edge %d: a tile differs from the "
                     "tile alone", k->name, sc_isa_name(k->isa), (long long)tw, e);
            tc_check(clean, "%s/%s output, %lld tiles wide, edge %d: wrote outside its tiles",
                     k->name, sc_isa_name(k->isa), (long long)tw, e);
            free(mi);
            free(buf);
        }
}

static void test_transform_kernels(tc_rng *rng)
{
    const sc_isa cpu = sc_isa_detected();
    for (const sc_winograd_kernel *k = sc_winograd_kernels; k->name; k++) {
        if (!sc_isa_usable(k->isa, cpu))
            continue;
        char want[32];
        snprintf(want, sizeof want, "winograd_f%dx%d_%dx%d", k->m, k->m, k->r, k->r);
        tc_check(k->r == tile_r(k->m) && strcmp(k->name, want) == 0,
                 "table entry %s: m=%d r=%d", k->name, k->m, k->r);
        wino_mats w;
        mats_init(&w, k->m);
        test_input_kernel(rng, k, &w);
        test_output_kernel(rng, k, &w);
    }
}

/* ---- whole convolutions ---- */

/* A random r x r stride-1 layer. */
static void random_case(tc_rng *rng, int idx, conv_case *cc, int big, int r)
{
    sc_conv2d_desc *d = &cc->d;
    int64_t groups, cin_g, cout_g;
    const int kind = (int)tc_rng_int(rng, 0, 3);
    if (kind == 0) { /* depthwise */
        groups = tc_rng_int(rng, 1, 5);
        cin_g = cout_g = 1;
    } else {
        groups = kind == 1 ? tc_rng_int(rng, 2, 3) : 1;
        cin_g = tc_rng_int(rng, 1, big ? 40 : 7);
        cout_g = tc_rng_int(rng, 1, big ? 20 : 9);
    }
    int64_t H = tc_rng_int(rng, 1, big ? 37 : 14), W = tc_rng_int(rng, 1, big ? 37 : 14);
    const sc_padding_mode mode = (sc_padding_mode)(idx % 4);
    /* Reflect needs pad < size (and 'same' pads up to r - 1 - (r-1)/2); a
       small input needs pads for any output. */
    if (mode == SC_PAD_REFLECT || (mode == SC_PAD_CIRCULAR && r == 4)) {
        const int64_t least = mode == SC_PAD_REFLECT ? r - 1 : 2;
        H = H < least ? least : H;
        W = W < least ? least : W;
    }
    sc_conv2d_desc_init(d, tc_rng_int(rng, 1, 3), groups * cin_g, H, W, groups * cout_g, r, r);
    d->groups = groups;
    d->padding_mode = mode;
    d->activation = (sc_activation)((idx / 4) % 9);
    d->padding_same = idx % 5 == 0;
    const int64_t limit_h = mode == SC_PAD_REFLECT ? H - 1 : mode == SC_PAD_CIRCULAR ? H : 2;
    const int64_t limit_w = mode == SC_PAD_REFLECT ? W - 1 : mode == SC_PAD_CIRCULAR ? W : 2;
    d->pad_h = tc_rng_int(rng, 0, limit_h < 2 ? limit_h : 2);
    d->pad_w = tc_rng_int(rng, 0, limit_w < 2 ? limit_w : 2);
    while (H + 2 * d->pad_h < r)
        d->pad_h++;
    while (W + 2 * d->pad_w < r)
        d->pad_w++;
    /* PyTorch's 'same': the odd pixel of an even kernel goes to the end */
    cc->pt = d->padding_same ? (r - 1) / 2 : d->pad_h;
    cc->pb = d->padding_same ? r - 1 - (r - 1) / 2 : d->pad_h;
    cc->pl = d->padding_same ? (r - 1) / 2 : d->pad_w;
    cc->pr = d->padding_same ? r - 1 - (r - 1) / 2 : d->pad_w;
    cc->has_bias = (int)tc_rng_int(rng, 0, 1);
}

static const char *case_str(const conv_case *cc, int m, sc_isa isa)
{
    static char buf[256];
    const sc_conv2d_desc *d = &cc->d;
    snprintf(buf, sizeof buf,
             "[%s F%d N=%lld C=%lld %lldx%lld K=%lld g=%lld pad=%lld,%lld same=%d mode=%d act=%d "
             "bias=%d]",
             sc_isa_name(isa), m, (long long)d->batch, (long long)d->in_channels,
             (long long)d->in_height, (long long)d->in_width, (long long)d->out_channels,
             (long long)d->groups, (long long)d->pad_h, (long long)d->pad_w, d->padding_same,
             (int)d->padding_mode, (int)d->activation, cc->has_bias);
    return buf;
}

/* out (cc's output, F(m) under isa) against the reference within the bound
   derived from the transforms; pre and s are scratch of the output's size. */
static void check_bound(const conv_case *cc, int m, sc_isa isa, const float *in, const float *wt,
                        const float *bias, const float *out, double *pre, double *s)
{
    const sc_conv2d_desc *d = &cc->d;
    const int64_t cin_g = d->in_channels / d->groups;
    const int64_t n_out = d->batch * d->out_channels * cc->ho * cc->wo;
    wino_mats w;
    mats_init(&w, m);
    ref_conv_and_bound(cc, &w, in, wt, bias, pre, s);
    const double gam = tc_gamma(cin_g + mats_ct(&w));
    const double lip = act_lipschitz(d->activation);
    const double u = ldexp(1.0, -24);
    int64_t bad = 0, first = -1;
    for (int64_t i = 0; i < n_out; i++) {
        const double ref = ref_act(pre[i], d->activation);
        const double tol_pre = gam * s[i];
        double tol = tol_pre;
        if (lip > 0)
            tol = lip * tol_pre * (1 + 8 * u) + 8 * u * (fabs(ref) + fabs(pre[i]));
        const double err = fabs((double)out[i] - ref);
        if (!(err <= tol)) {
            if (!bad)
                first = i;
            bad++;
        }
        if (tol > 0 && err / tol > worst_ratio[m])
            worst_ratio[m] = err / tol;
    }
    if (!tc_check(bad == 0, "%s %lld outputs beyond the bound, first at %lld: got %.9g",
                  case_str(cc, m, isa), (long long)bad, (long long)first,
                  first >= 0 ? (double)out[first] : 0.0))
        printf("   ref %.9g bound %.3g\n", ref_act(pre[first], d->activation),
               gam * s[first]);
}

/* Runs one case forced onto F(m) under the current ISA cap; returns 0 if the
   plan could not be made (already reported). */
static void run_case(tc_rng *rng, conv_case *cc, sc_isa isa, int m)
{
    sc_conv2d_desc *d = &cc->d;
    if (!tc_check(sc_conv2d_output_size(d, &cc->ho, &cc->wo) == SC_OK, "%s output_size: %s",
                  case_str(cc, m, isa), sc_last_error()))
        return;
    const int64_t cin_g = d->in_channels / d->groups;
    const int64_t n_in = d->batch * d->in_channels * d->in_height * d->in_width;
    const int64_t n_w = d->out_channels * cin_g * d->kernel_h * d->kernel_w;
    const int64_t n_out = d->batch * d->out_channels * cc->ho * cc->wo;
    float *in = malloc((size_t)n_in * sizeof(float));
    float *wt = malloc((size_t)n_w * sizeof(float));
    float *bias = malloc((size_t)d->out_channels * sizeof(float));
    float *out = tc_alloc_guarded(n_out);
    double *pre = malloc((size_t)n_out * sizeof(double));
    double *s = malloc((size_t)n_out * sizeof(double));
    if (!in || !wt || !bias || !pre || !s) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    tc_fill(rng, in, n_in, -1.0f, 1.0f);
    tc_fill(rng, wt, n_w, -1.0f, 1.0f);
    tc_fill(rng, bias, d->out_channels, -1.0f, 1.0f);

    sc_conv2d_options opt = {SC_CONV_WINOGRAD, (int)tc_rng_int(rng, 1, 3), m};
    sc_conv2d_plan *plan = NULL;
    sc_status st = sc_conv2d_plan_create(d, wt, cc->has_bias ? bias : NULL, &opt, &plan);
    if (tc_check(st == SC_OK, "%s plan_create: %s (%s)", case_str(cc, m, isa),
                 sc_status_string(st), sc_last_error())) {
        /* The transforms from the Winograd table, the GEMM from the GEMM
           table; the plan reports the higher of their ISAs. */
        const sc_winograd_kernel *k = expected_kernel(isa, m);
        const sc_gemm_kernel *gk = sc_pick_gemm(isa);
        const sc_isa plan_isa =
            k && gk && sc_isa_usable(k->isa, gk->isa) ? gk->isa : (k ? k->isa : isa);
        char want[64];
        snprintf(want, sizeof want, "%s/%s", k ? k->name : "?", k ? sc_isa_name(plan_isa) : "?");
        tc_check(strcmp(sc_conv2d_plan_describe(plan), want) == 0, "%s ran %s, expected %s",
                 case_str(cc, m, isa), sc_conv2d_plan_describe(plan), want);
        st = sc_conv2d_run(plan, in, out);
        tc_check(st == SC_OK, "%s run: %s", case_str(cc, m, isa), sc_last_error());
        tc_check(tc_guard_intact(out, n_out), "%s wrote past the output", case_str(cc, m, isa));

        check_bound(cc, m, isa, in, wt, cc->has_bias ? bias : NULL, out, pre, s);
        sc_conv2d_plan_destroy(plan);
    }
    tc_free(out);
    free(in);
    free(wt);
    free(bias);
    free(pre);
    free(s);
}

/* Padded (r, q) of one input plane as the phase routes' images hold it: rows
   past hp (the last one an output reads) are zeros, and so are columns past
   wp unless they lie inside the input (the plan keeps no map for them, and
   copies input runs whole). */
static float phase_value(const conv_case *cc, const float *plane, int64_t r, int64_t q,
                         int64_t hp, int64_t wp)
{
    const sc_conv2d_desc *d = &cc->d;
    const int64_t H = d->in_height, W = d->in_width;
    const int64_t sr = r < hp ? ref_map(r, cc->pt, H, d->padding_mode) : -1;
    const int64_t sq = q >= cc->pl && q < cc->pl + W ? q - cc->pl
                       : q < wp                     ? ref_map(q, cc->pl, W, d->padding_mode)
                                                    : -1;
    return sr < 0 || sq < 0 ? 0.0f : plane[sr * W + sq];
}

/*
 * A dilated 3x3 layer runs as one Winograd plan over its input's dilation
 * phases. Checked two ways: bitwise against a Winograd plan run here on the
 * phase images (every dh-th row and dw-th column of the padded input, built
 * with the reference padding rules), interleaved back; and those phase
 * outputs against the bound derived from the transforms.
 */
static void run_dilated_case(tc_rng *rng, int idx, sc_isa isa, int m)
{
    conv_case cc, ph;
    memset(&cc, 0, sizeof cc);
    memset(&ph, 0, sizeof ph);
    const int r = tile_r(m);
    random_case(rng, idx, &cc, idx % 3 == 2, r);
    sc_conv2d_desc *d = &cc.d;
    const int64_t dh = tc_rng_int(rng, 1, 3), dw = tc_rng_int(rng, dh == 1 ? 2 : 1, 3);
    d->dilation_h = dh;
    d->dilation_w = dw;
    if (d->in_height < (r - 1) * dh + 1)
        d->in_height = (r - 1) * dh + 1; /* room for 'same' pads under reflect, and an output */
    if (d->in_width < (r - 1) * dw + 1)
        d->in_width = (r - 1) * dw + 1;
    if (d->padding_same) { /* total (r-1)*d, the odd pixel at the end */
        cc.pt = (r - 1) * dh / 2;
        cc.pb = (r - 1) * dh - cc.pt;
        cc.pl = (r - 1) * dw / 2;
        cc.pr = (r - 1) * dw - cc.pl;
    }
    if (!tc_check(sc_conv2d_output_size(d, &cc.ho, &cc.wo) == SC_OK, "dilated %s: %s",
                  case_str(&cc, m, isa), sc_last_error()))
        return;
    const int64_t N = d->batch, C = d->in_channels, K = d->out_channels;
    const int64_t H = d->in_height, W = d->in_width, P = dh * dw;
    const int64_t hp = H + cc.pt + cc.pb, wp = W + cc.pl + cc.pr;
    const int64_t hq = (hp + dh - 1) / dh, wq = (wp + dw - 1) / dw;
    sc_conv2d_desc_init(&ph.d, N * P, C, hq, wq, K, r, r);
    ph.d.groups = d->groups;
    ph.d.activation = d->activation;
    ph.has_bias = cc.has_bias;
    ph.ho = hq - (r - 1);
    ph.wo = wq - (r - 1);

    const int64_t n_in = N * C * H * W, n_w = K * (C / d->groups) * r * r;
    const int64_t n_out = N * K * cc.ho * cc.wo, n_pin = N * P * C * hq * wq;
    const int64_t n_pout = N * P * K * ph.ho * ph.wo;
    float *in = malloc((size_t)n_in * sizeof(float)), *pin = malloc((size_t)n_pin * sizeof(float));
    float *wt = malloc((size_t)n_w * sizeof(float)), *bias = malloc((size_t)K * sizeof(float));
    float *out = tc_alloc_guarded(n_out), *pout = tc_alloc_guarded(n_pout);
    double *pre = malloc((size_t)n_pout * sizeof(double)), *s = malloc((size_t)n_pout * sizeof(double));
    if (!in || !pin || !wt || !bias || !pre || !s) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    tc_fill(rng, in, n_in, -1.0f, 1.0f);
    tc_fill(rng, wt, n_w, -1.0f, 1.0f);
    tc_fill(rng, bias, K, -1.0f, 1.0f);
    for (int64_t n = 0; n < N; n++)
        for (int64_t a = 0; a < dh; a++)
            for (int64_t b = 0; b < dw; b++)
                for (int64_t c = 0; c < C; c++)
                    for (int64_t u = 0; u < hq; u++)
                        for (int64_t v = 0; v < wq; v++) {
                            pin[((((n * dh + a) * dw + b) * C + c) * hq + u) * wq + v] =
                                phase_value(&cc, in + (n * C + c) * H * W, a + dh * u,
                                            b + dw * v, hp, wp);
                        }

    sc_conv2d_options opt = {SC_CONV_WINOGRAD, (int)tc_rng_int(rng, 1, 3), m};
    sc_conv2d_plan *plan = NULL, *pplan = NULL;
    const float *bp = cc.has_bias ? bias : NULL;
    sc_status st = sc_conv2d_plan_create(d, wt, bp, &opt, &plan);
    if (tc_check(st == SC_OK, "dilated %lldx%lld %s plan_create: %s (%s)", (long long)dh,
                 (long long)dw, case_str(&cc, m, isa), sc_status_string(st), sc_last_error()) &&
        tc_check(sc_conv2d_plan_create(&ph.d, wt, bp, &opt, &pplan) == SC_OK,
                 "phase plan: %s", sc_last_error())) {
        tc_check(strcmp(sc_conv2d_plan_describe(plan), sc_conv2d_plan_describe(pplan)) == 0,
                 "dilated %s ran %s, its phases %s", case_str(&cc, m, isa),
                 sc_conv2d_plan_describe(plan), sc_conv2d_plan_describe(pplan));
        tc_check(sc_conv2d_run(plan, in, out) == SC_OK && sc_conv2d_run(pplan, pin, pout) == SC_OK,
                 "dilated %s run: %s", case_str(&cc, m, isa), sc_last_error());
        tc_check(tc_guard_intact(out, n_out), "dilated %s wrote past the output",
                 case_str(&cc, m, isa));
        int64_t diff = 0;
        for (int64_t n = 0; n < N; n++)
            for (int64_t k = 0; k < K; k++)
                for (int64_t oh = 0; oh < cc.ho; oh++)
                    for (int64_t ow = 0; ow < cc.wo; ow++) {
                        const int64_t a = oh % dh, b = ow % dw;
                        const float want = pout[((((n * dh + a) * dw + b) * K + k) * ph.ho +
                                                 oh / dh) * ph.wo + ow / dw];
                        const float got = out[((n * K + k) * cc.ho + oh) * cc.wo + ow];
                        diff += memcmp(&want, &got, sizeof got) != 0;
                    }
        tc_check(diff == 0, "dilated %lldx%lld %s: %lld outputs differ from the phase plan's",
                 (long long)dh, (long long)dw, case_str(&cc, m, isa), (long long)diff);
        check_bound(&ph, m, isa, pin, wt, bp, pout, pre, s);
    }
    sc_conv2d_plan_destroy(plan);
    sc_conv2d_plan_destroy(pplan);
    free(in);
    free(pin);
    free(wt);
    free(bias);
    tc_free(out);
    tc_free(pout);
    free(pre);
    free(s);
}

/*
 * A strided layer, or a stride-1 one with a 5x5- or 7x7-like kernel, runs as
 * one 3x3 or 4x4 Winograd plan over its input's stride phases taken as
 * channels. Per dimension, output o = f*u + a reads padded input s*o + i;
 * with S = s*f that is row u + q of phase image ph (every S-th padded row
 * from ph) when i = S*q + ph - s*a, so the phase problem's kernel is
 * w[S*q + ph - s*a] (zero outside the kernel; q < r, the phase kernel's
 * size) and output phase a is its output channel. The
 * test builds that problem itself (phase images through the reference
 * padding rules, rearranged weights, repeated bias) and checks:
 *   - the decomposition: the phase problem's double-precision sums equal the
 *     layer's own direct convolution (to double rounding);
 *   - the route: its output is bitwise the phase plan's, interleaved back
 *     (bitwise needs the same phase images: rows and columns no output
 *     reads are zeros in both);
 *   - the arithmetic: the phase outputs against the transforms' bound.
 */
typedef struct poly_kind {
    int64_t k, s, f;
} poly_kind;

/* kernel, stride and the output phase factor that gives r-wide phases,
   written out by hand; the last kind of each is the plain r x r one */
static const poly_kind poly_kinds3[] = {{5, 1, 2}, {11, 4, 1}, {5, 2, 1}, {6, 2, 1}, {7, 2, 2},
                                        {8, 2, 2}, {9, 3, 1},  {7, 3, 1}, {9, 2, 2}, {3, 1, 1}};
static const poly_kind poly_kinds4[] = {{7, 2, 1},  {8, 2, 1},  {7, 1, 2},  {6, 1, 2},
                                        {10, 3, 1}, {13, 4, 1}, {11, 2, 2}, {4, 1, 1}};

static void run_poly_case(tc_rng *rng, int idx, sc_isa isa, int m)
{
    conv_case cc, ph;
    memset(&cc, 0, sizeof cc);
    memset(&ph, 0, sizeof ph);
    const int rk = tile_r(m);
    random_case(rng, idx, &cc, idx % 3 == 2, rk);
    sc_conv2d_desc *d = &cc.d;
    const poly_kind *kinds = rk == 4 ? poly_kinds4 : poly_kinds3;
    const int nk = rk == 4 ? (int)(sizeof poly_kinds4 / sizeof poly_kinds4[0])
                           : (int)(sizeof poly_kinds3 / sizeof poly_kinds3[0]);
    /* the last kind (plain) only beside a phase-split one */
    const poly_kind kh = kinds[tc_rng_int(rng, 0, nk - 2)];
    const poly_kind kw = kinds[tc_rng_int(rng, 0, nk - 1)];
    const int swap = (int)tc_rng_int(rng, 0, 1);
    const poly_kind ky = swap ? kw : kh, kx = swap ? kh : kw;
    d->kernel_h = ky.k;
    d->kernel_w = kx.k;
    d->stride_h = ky.s;
    d->stride_w = kx.s;
    d->in_height += ky.k + ky.s * tc_rng_int(rng, 0, 6);
    d->in_width += kx.k + kx.s * tc_rng_int(rng, 0, 6);
    if (d->padding_same && (ky.s > 1 || kx.s > 1))
        d->padding_same = 0;
    cc.pt = cc.pb = d->pad_h;
    cc.pl = cc.pr = d->pad_w;
    if (d->padding_same) { /* PyTorch: the odd pixel goes to the bottom / right */
        cc.pt = (ky.k - 1) / 2;
        cc.pb = ky.k - 1 - cc.pt;
        cc.pl = (kx.k - 1) / 2;
        cc.pr = kx.k - 1 - cc.pl;
    }
    if (!tc_check(sc_conv2d_output_size(d, &cc.ho, &cc.wo) == SC_OK, "poly %s: %s",
                  case_str(&cc, m, isa), sc_last_error()))
        return;
    const int64_t N = d->batch, C = d->in_channels, K = d->out_channels, G = d->groups;
    const int64_t H = d->in_height, W = d->in_width, cin_g = C / G;
    const int64_t qh = ky.s * ky.f, qw = kx.s * kx.f, fh = ky.f, fw = kx.f;
    /* the padded extent outputs read (see phase_value): the rest meets only
       zero taps, but the transforms would round it */
    const int64_t hp = (cc.ho - 1) * ky.s + ky.k, wp = (cc.wo - 1) * kx.s + kx.k;
    const int64_t hoq = (cc.ho + fh - 1) / fh, woq = (cc.wo + fw - 1) / fw;
    const int64_t hq = hoq + rk - 1, wq = woq + rk - 1, Cq = C * qh * qw, Kq = K * fh * fw;
    sc_conv2d_desc_init(&ph.d, N, Cq, hq, wq, Kq, rk, rk);
    ph.d.groups = G;
    ph.d.activation = d->activation;
    ph.has_bias = cc.has_bias;
    ph.ho = hoq;
    ph.wo = woq;

    const int64_t n_in = N * C * H * W, n_w = K * cin_g * ky.k * kx.k;
    const int64_t n_wq = Kq * (Cq / G) * rk * rk;
    const int64_t n_out = N * K * cc.ho * cc.wo, n_pin = N * Cq * hq * wq;
    const int64_t n_pout = N * Kq * hoq * woq;
    float *in = malloc((size_t)n_in * sizeof(float)), *pin = malloc((size_t)n_pin * sizeof(float));
    float *wt = malloc((size_t)n_w * sizeof(float)), *wtq = malloc((size_t)n_wq * sizeof(float));
    float *bias = malloc((size_t)K * sizeof(float)), *bq = malloc((size_t)Kq * sizeof(float));
    float *out = tc_alloc_guarded(n_out), *pout = tc_alloc_guarded(n_pout);
    double *pre = malloc((size_t)n_pout * sizeof(double));
    double *s = malloc((size_t)n_pout * sizeof(double));
    if (!in || !pin || !wt || !wtq || !bias || !bq || !pre || !s) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    tc_fill(rng, in, n_in, -1.0f, 1.0f);
    tc_fill(rng, wt, n_w, -1.0f, 1.0f);
    tc_fill(rng, bias, K, -1.0f, 1.0f);
    for (int64_t o = 0; o < Kq; o++)
        bq[o] = bias[o / (fh * fw)];
    for (int64_t n = 0; n < N; n++)
        for (int64_t c = 0; c < C; c++)
            for (int64_t a = 0; a < qh; a++)
                for (int64_t b = 0; b < qw; b++)
                    for (int64_t u = 0; u < hq; u++)
                        for (int64_t v = 0; v < wq; v++) {
                            pin[((((n * C + c) * qh + a) * qw + b) * hq + u) * wq + v] =
                                phase_value(&cc, in + (n * C + c) * H * W, a + qh * u,
                                            b + qw * v, hp, wp);
                        }
    for (int64_t o = 0; o < K; o++)
        for (int64_t a = 0; a < fh; a++)
            for (int64_t b = 0; b < fw; b++)
                for (int64_t c = 0; c < cin_g; c++)
                    for (int64_t pa = 0; pa < qh; pa++)
                        for (int64_t pb = 0; pb < qw; pb++)
                            for (int64_t q = 0; q < rk; q++)
                                for (int64_t r = 0; r < rk; r++) {
                                    const int64_t i = qh * q + pa - ky.s * a;
                                    const int64_t j = qw * r + pb - kx.s * b;
                                    const int64_t oq = (o * fh + a) * fw + b;
                                    const int64_t cq = (c * qh + pa) * qw + pb;
                                    wtq[(oq * (Cq / G) + cq) * rk * rk + q * rk + r] =
                                        i >= 0 && i < ky.k && j >= 0 && j < kx.k
                                            ? wt[((o * cin_g + c) * ky.k + i) * kx.k + j]
                                            : 0.0f;
                                }

    sc_conv2d_options opt = {SC_CONV_WINOGRAD, (int)tc_rng_int(rng, 1, 3), m};
    sc_conv2d_plan *plan = NULL, *pplan = NULL;
    const float *bp = cc.has_bias ? bias : NULL;
    sc_status st = sc_conv2d_plan_create(d, wt, bp, &opt, &plan);
    char what[320];
    snprintf(what, sizeof what, "poly %lldx%lld/%lldx%lld %s", (long long)ky.k, (long long)kx.k,
             (long long)ky.s, (long long)kx.s, case_str(&cc, m, isa));
    if (tc_check(st == SC_OK, "%s plan_create: %s (%s)", what, sc_status_string(st),
                 sc_last_error()) &&
        tc_check(sc_conv2d_plan_create(&ph.d, wtq, cc.has_bias ? bq : NULL, &opt, &pplan) ==
                     SC_OK,
                 "phase plan: %s", sc_last_error())) {
        tc_check(strcmp(sc_conv2d_plan_describe(plan), sc_conv2d_plan_describe(pplan)) == 0,
                 "%s ran %s, its phases %s", what, sc_conv2d_plan_describe(plan),
                 sc_conv2d_plan_describe(pplan));
        tc_check(sc_conv2d_run(plan, in, out) == SC_OK && sc_conv2d_run(pplan, pin, pout) == SC_OK,
                 "%s run: %s", what, sc_last_error());
        tc_check(tc_guard_intact(out, n_out), "%s wrote past the output", what);
        check_bound(&ph, m, isa, pin, wtq, cc.has_bias ? bq : NULL, pout, pre, s);
        int64_t diff = 0, off = 0;
        for (int64_t n = 0; n < N; n++)
            for (int64_t k = 0; k < K; k++)
                for (int64_t oh = 0; oh < cc.ho; oh++)
                    for (int64_t ow = 0; ow < cc.wo; ow++) {
                        const int64_t kq = (k * fh + oh % fh) * fw + ow % fw;
                        const int64_t iq = ((n * Kq + kq) * hoq + oh / fh) * woq + ow / fw;
                        const float got = out[((n * K + k) * cc.ho + oh) * cc.wo + ow];
                        diff += memcmp(&pout[iq], &got, sizeof got) != 0;
                        /* the layer's own sum, from the unsplit input */
                        double acc = cc.has_bias ? bias[k] : 0.0, mag = fabs(acc);
                        const int64_t grp = k / (K / G);
                        for (int64_t c = 0; c < cin_g; c++)
                            for (int64_t i = 0; i < ky.k; i++)
                                for (int64_t j = 0; j < kx.k; j++) {
                                    const int64_t sr = ref_map(oh * ky.s + i, cc.pt, H,
                                                               d->padding_mode);
                                    const int64_t sq = ref_map(ow * kx.s + j, cc.pl, W,
                                                               d->padding_mode);
                                    const double x =
                                        sr < 0 || sq < 0
                                            ? 0.0
                                            : in[((n * C + grp * cin_g + c) * H + sr) * W + sq];
                                    const double p =
                                        x * wt[((k * cin_g + c) * ky.k + i) * kx.k + j];
                                    acc += p;
                                    mag += fabs(p);
                                }
                        off += !(fabs(acc - pre[iq]) <= 1e-12 * (mag + 1.0));
                    }
        tc_check(diff == 0, "%s: %lld outputs differ from the phase plan's", what,
                 (long long)diff);
        tc_check(off == 0, "%s: %lld phase sums differ from the layer's direct sums", what,
                 (long long)off);
    }
    sc_conv2d_plan_destroy(plan);
    sc_conv2d_plan_destroy(pplan);
    free(in);
    free(pin);
    free(wt);
    free(wtq);
    free(bias);
    free(bq);
    tc_free(out);
    tc_free(pout);
    free(pre);
    free(s);
}

/* For the record: how far the error sits above what the direct bound
   gamma_{r^2 cin_g} sum|w||x| would allow, on one deep layer without bias or
   activation. */
static void direct_bound_ratio(tc_rng *rng, int m)
{
    const int r = tile_r(m);
    conv_case cc;
    memset(&cc, 0, sizeof cc);
    sc_conv2d_desc_init(&cc.d, 1, 32, 20, 20, 8, r, r);
    cc.d.pad_h = cc.d.pad_w = 1;
    cc.pt = cc.pb = cc.pl = cc.pr = 1;
    sc_conv2d_output_size(&cc.d, &cc.ho, &cc.wo);
    const int64_t n_in = 32 * 400, n_w = 8 * 32 * r * r, n_out = 8 * cc.ho * cc.wo;
    float *in = malloc(n_in * sizeof(float)), *wt = malloc(n_w * sizeof(float));
    float *out = tc_alloc_guarded(n_out);
    double *pre = malloc(n_out * sizeof(double)), *s = malloc(n_out * sizeof(double));
    tc_fill(rng, in, n_in, -1, 1);
    tc_fill(rng, wt, n_w, -1, 1);
    sc_conv2d_options opt = {SC_CONV_WINOGRAD, 1, m};
    sc_conv2d_plan *plan = NULL;
    if (sc_conv2d_plan_create(&cc.d, wt, NULL, &opt, &plan) == SC_OK &&
        sc_conv2d_run(plan, in, out) == SC_OK) {
        wino_mats w;
        mats_init(&w, m);
        ref_conv_and_bound(&cc, &w, in, wt, NULL, pre, s);
        for (int64_t oc = 0; oc < 8; oc++)
            for (int64_t oh = 0; oh < cc.ho; oh++)
                for (int64_t ow = 0; ow < cc.wo; ow++) {
                    double sum = 0;
                    for (int64_t c = 0; c < 32; c++)
                        for (int i = 0; i < r; i++)
                            for (int j = 0; j < r; j++) {
                                int64_t y = oh + i - 1, x = ow + j - 1;
                                if (y >= 0 && y < 20 && x >= 0 && x < 20)
                                    sum += fabs(wt[((oc * 32 + c) * r + i) * r + j]) *
                                           fabs(in[c * 400 + y * 20 + x]);
                            }
                    const int64_t idx = (oc * cc.ho + oh) * cc.wo + ow;
                    const double ratio =
                        fabs(out[idx] - pre[idx]) / (tc_gamma(r * r * 32) * sum);
                    if (ratio > worst_direct[m])
                        worst_direct[m] = ratio;
                }
    }
    sc_conv2d_plan_destroy(plan);
    free(in);
    free(wt);
    tc_free(out);
    free(pre);
    free(s);
}

/* ---- rejections, determinism, workspaces, tile choice ---- */

static void test_rejections(void)
{
    const float wt[64 * 81] = {0};
    sc_conv2d_plan *plan = NULL;
    sc_conv2d_options opt = {SC_CONV_WINOGRAD, 1, 0};
    struct {
        int64_t k, stride, dil;
        const char *word;
    } cases[] = {{9, 1, 1, "3x3"},      {3, 2, 1, "stride"},     {4, 2, 1, "stride"},
                 {5, 3, 1, "stride"},   {1, 1, 1, "3x3"},        {2, 1, 1, "4x4"},
                 {1, 1, 2, "3x3"},      {5, 1, 2, "dilation"},   {11, 4, 2, "dilation"},
                 {7, 2, 2, "dilation"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sc_conv2d_desc d;
        sc_conv2d_desc_init(&d, 1, 2, 24, 24, 2, cases[i].k, cases[i].k);
        d.stride_h = d.stride_w = cases[i].stride;
        d.dilation_h = d.dilation_w = cases[i].dil;
        for (int m = 0; m <= 4; m += m ? 1 : 2) {
            opt.winograd_tile = m;
            plan = NULL;
            sc_status st = sc_conv2d_plan_create(&d, wt, NULL, &opt, &plan);
            tc_check(st == SC_UNSUPPORTED && plan == NULL,
                     "winograd on k=%lld stride=%lld dilation=%lld tile=%d: got %s",
                     (long long)cases[i].k, (long long)cases[i].stride, (long long)cases[i].dil,
                     m, sc_status_string(st));
            tc_check(strstr(sc_last_error(), cases[i].word) != NULL,
                     "rejection message \"%s\" does not mention %s", sc_last_error(),
                     cases[i].word);
            sc_conv2d_plan_destroy(plan);
        }
    }
    /* A tile that does not fit the kernel: 3x3 (phase) kernels take 2 and 4,
       4x4 ones 3 (7x7/2 takes 2 and 4 through 3x3 phases with two output
       phases, 3 through 4x4 phases). */
    const struct {
        int64_t k, stride;
        int tile, ok;
    } fit[] = {{3, 1, 3, 0}, {5, 1, 3, 0}, {11, 4, 3, 0}, {4, 1, 2, 0}, {4, 1, 4, 0},
               {7, 1, 2, 0}, {7, 1, 3, 1}, {7, 2, 2, 1},  {7, 2, 3, 1}, {7, 2, 4, 1}};
    for (size_t i = 0; i < sizeof fit / sizeof fit[0]; i++) {
        sc_conv2d_desc d;
        sc_conv2d_desc_init(&d, 1, 2, 24, 24, 2, fit[i].k, fit[i].k);
        d.stride_h = d.stride_w = fit[i].stride;
        opt.winograd_tile = fit[i].tile;
        plan = NULL;
        const sc_status st = sc_conv2d_plan_create(&d, wt, NULL, &opt, &plan);
        tc_check(fit[i].ok ? st == SC_OK && plan != NULL
                           : st == SC_UNSUPPORTED && plan == NULL &&
                                 strstr(sc_last_error(), "winograd_tile") != NULL,
                 "winograd on k=%lld stride=%lld tile=%d: got %s (%s)", (long long)fit[i].k,
                 (long long)fit[i].stride, fit[i].tile, sc_status_string(st), sc_last_error());
        if (plan) {
            char want[32];
            snprintf(want, sizeof want, "winograd_f%dx%d_%dx%d/", fit[i].tile, fit[i].tile,
                     tile_r(fit[i].tile), tile_r(fit[i].tile));
            tc_check(strncmp(sc_conv2d_plan_describe(plan), want, strlen(want)) == 0,
                     "k=%lld stride=%lld tile=%d ran %s", (long long)fit[i].k,
                     (long long)fit[i].stride, fit[i].tile, sc_conv2d_plan_describe(plan));
        }
        sc_conv2d_plan_destroy(plan);
    }
    opt.winograd_tile = 0;
    /* Only 0, 2, 3 and 4 are tiles; a bad tile is invalid even where
       Winograd could not serve anyway (invalid wins over unsupported). */
    const int bad_tiles[] = {5, 1, -1, 6, 8};
    for (size_t i = 0; i < sizeof bad_tiles / sizeof bad_tiles[0]; i++) {
        for (int k = 3; k <= 5; k += 2) {
            sc_conv2d_desc d;
            sc_conv2d_desc_init(&d, 1, 2, 12, 12, 2, k, k);
            sc_conv2d_options o = {SC_CONV_WINOGRAD, 1, bad_tiles[i]};
            plan = NULL;
            sc_status st = sc_conv2d_plan_create(&d, wt, NULL, &o, &plan);
            tc_check(st == SC_INVALID_ARGUMENT && plan == NULL,
                     "winograd_tile=%d on %dx%d: got %s", bad_tiles[i], k, k,
                     sc_status_string(st));
            tc_check(sc_last_error()[0] != '\0', "winograd_tile=%d: no message", bad_tiles[i]);
            o.algo = SC_CONV_AUTO;
            st = sc_conv2d_plan_create(&d, wt, NULL, &o, &plan);
            tc_check(st == SC_INVALID_ARGUMENT, "winograd_tile=%d with AUTO: got %s",
                     bad_tiles[i], sc_status_string(st));
        }
    }
}

static void test_determinism(tc_rng *rng, sc_isa isa)
{
    const int64_t shapes[][6] = {
        /* n, cin, h, w, cout, groups */
        {2, 24, 29, 31, 20, 1},
        {1, 12, 45, 23, 12, 12},
        {3, 16, 17, 18, 8, 2},
        {1, 8, 21, 75, 8, 1}, /* wide rows: whole tile groups read in place */
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int m = 2; m <= 4; m++) {
            const int r = tile_r(m);
            sc_conv2d_desc d;
            sc_conv2d_desc_init(&d, shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3],
                                shapes[s][4], r, r);
            d.groups = shapes[s][5];
            d.pad_h = d.pad_w = 1;
            d.padding_mode = (sc_padding_mode)(s % 4);
            d.activation = SC_ACT_SILU;
            int64_t ho, wo;
            sc_conv2d_output_size(&d, &ho, &wo);
            const int64_t n_in = d.batch * d.in_channels * d.in_height * d.in_width;
            const int64_t n_w = d.out_channels * (d.in_channels / d.groups) * r * r;
            const int64_t n_out = d.batch * d.out_channels * ho * wo;
            float *in = malloc(n_in * sizeof(float)), *wt = malloc(n_w * sizeof(float));
            float *bias = malloc(d.out_channels * sizeof(float));
            tc_fill(rng, in, n_in, -1, 1);
            tc_fill(rng, wt, n_w, -1, 1);
            tc_fill(rng, bias, d.out_channels, -1, 1);
            float *outs[4];
            for (int t = 1; t <= 3; t++) {
                outs[t] = tc_alloc_guarded(n_out);
                sc_conv2d_options o = {SC_CONV_WINOGRAD, t, m};
                sc_conv2d_plan *plan = NULL;
                sc_status st = sc_conv2d_plan_create(&d, wt, bias, &o, &plan);
                if (tc_check(st == SC_OK, "determinism plan %zu F%d threads=%d: %s", s, m, t,
                             sc_last_error())) {
                    tc_check(sc_conv2d_run(plan, in, outs[t]) == SC_OK, "determinism run");
                    tc_check(tc_guard_intact(outs[t], n_out), "determinism guard");
                    if (t == 3) {
                        /* A caller-owned workspace at an odd address. */
                        const size_t ws = sc_conv2d_workspace_size(plan);
                        char *buf = malloc(ws + 1);
                        float *o2 = tc_alloc_guarded(n_out);
                        tc_check(sc_conv2d_run_with_workspace(plan, in, o2, buf + 1) == SC_OK,
                                 "run_with_workspace: %s", sc_last_error());
                        tc_check(memcmp(o2, outs[3], n_out * sizeof(float)) == 0 &&
                                     tc_guard_intact(o2, n_out),
                                 "run_with_workspace differs from run (%s F%d shape %zu)",
                                 sc_isa_name(isa), m, s);
                        free(buf);
                        tc_free(o2);
                    }
                }
                sc_conv2d_plan_destroy(plan);
            }
            tc_check(memcmp(outs[1], outs[2], n_out * sizeof(float)) == 0 &&
                         memcmp(outs[1], outs[3], n_out * sizeof(float)) == 0,
                     "%s F%d shape %zu: output differs between 1, 2 and 3 threads",
                     sc_isa_name(isa), m, s);
            for (int t = 1; t <= 3; t++)
                tc_free(outs[t]);
            free(in);
            free(wt);
            free(bias);
        }
}

/* winograd_tile = 0: the documented rule in conv-winograd.c, on the ISA the
   CPU (or emulator) has; each case's answer holds for every GEMM tile. */
static void test_tile_choice(void)
{
    static float wt[128 * 128 * 9];
    struct {
        int64_t cin, h, w, cout, groups;
        int m;
    } cases[] = {
        {64, 3, 40, 64, 1, 2},  /* output 1 row: F(4x4) would mostly be discarded */
        {64, 40, 5, 64, 1, 2},  /* output 3 columns */
        {64, 34, 34, 64, 1, 4}, /* deep layer */
        {64, 7, 7, 64, 1, 2},   /* 4 F(4x4) tiles fill only half of an nr = 8 panel */
        /* 16 F(4x4) tiles against 49 F(2x2) ones: on AVX-512 half of a
           32-column panel, which the kernel runs as one vector, so F(4x4) */
        {128, 14, 14, 128, 1, 4},
        {32, 34, 34, 32, 32, 4}, /* depthwise: per-tile GEMM overhead favours fewer tiles */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sc_conv2d_desc d;
        sc_conv2d_desc_init(&d, 1, cases[i].cin, cases[i].h, cases[i].w, cases[i].cout, 3, 3);
        d.groups = cases[i].groups;
        sc_conv2d_options o = {SC_CONV_WINOGRAD, 1, 0};
        sc_conv2d_plan *plan = NULL;
        if (tc_check(sc_conv2d_plan_create(&d, wt, NULL, &o, &plan) == SC_OK, "tile choice %zu: %s",
                     i, sc_last_error())) {
            const char *want = cases[i].m == 4 ? "winograd_f4x4_3x3/" : "winograd_f2x2_3x3/";
            tc_check(strncmp(sc_conv2d_plan_describe(plan), want, strlen(want)) == 0,
                     "tile choice %zu: ran %s, expected %s*", i, sc_conv2d_plan_describe(plan),
                     want);
        }
        sc_conv2d_plan_destroy(plan);
    }
    /* 4x4 (phase) kernels have one tile; 7x7/2 could also take 3x3 phases
       with two output phases, at 36 multiplies per output and input channel
       against 16 (poly route's rule). */
    const struct {
        int64_t k, stride;
    } four[] = {{4, 1}, {7, 2}, {7, 1}, {8, 2}, {11, 2}};
    for (size_t i = 0; i < sizeof four / sizeof four[0]; i++) {
        sc_conv2d_desc d;
        sc_conv2d_desc_init(&d, 1, 8, 30, 30, 8, four[i].k, four[i].k);
        d.stride_h = d.stride_w = four[i].stride;
        sc_conv2d_options o = {SC_CONV_WINOGRAD, 1, 0};
        sc_conv2d_plan *plan = NULL;
        if (tc_check(sc_conv2d_plan_create(&d, wt, NULL, &o, &plan) == SC_OK,
                     "tile choice %lldx%lld/%lld: %s", (long long)four[i].k,
                     (long long)four[i].k, (long long)four[i].stride, sc_last_error()))
            tc_check(strncmp(sc_conv2d_plan_describe(plan), "winograd_f3x3_4x4/", 18) == 0,
                     "tile choice %lldx%lld/%lld: ran %s", (long long)four[i].k,
                     (long long)four[i].k, (long long)four[i].stride,
                     sc_conv2d_plan_describe(plan));
        sc_conv2d_plan_destroy(plan);
    }
    /* AUTO judges the route the tile asks for: the stem takes 4x4 phases,
       but with tile 2 or 4 it would need 3x3 phases with 2.9x the taps. */
    sc_conv2d_desc stem;
    sc_conv2d_desc_init(&stem, 1, 3, 224, 224, 64, 7, 7);
    stem.stride_h = stem.stride_w = 2;
    stem.pad_h = stem.pad_w = 3;
    for (int tile = 0; tile <= 4; tile++) {
        if (tile == 1)
            continue;
        sc_conv2d_options o = {SC_CONV_AUTO, 1, tile};
        sc_conv2d_plan *plan = NULL;
        const int want_wino = tile == 0 || tile == 3;
        if (tc_check(sc_conv2d_plan_create(&stem, wt, NULL, &o, &plan) == SC_OK,
                     "AUTO stem tile %d: %s", tile, sc_last_error()))
            tc_check((strncmp(sc_conv2d_plan_describe(plan), "winograd_f3x3_4x4/", 18) == 0) ==
                         want_wino,
                     "AUTO stem tile %d ran %s", tile, sc_conv2d_plan_describe(plan));
        sc_conv2d_plan_destroy(plan);
    }
    /* AUTO's poly-route rules for small stride-1 5x5 and 7x7 layers, by the
       vector width: 5x5 phases need phase outputs of 12 (16 lanes) or 10 (8
       lanes); 7x7 ones with over 4 MiB of U need 7/16 direct multiplies per
       byte and lane (64 channels at 17x17: 6.15 per byte, 9.4 MB). */
    const sc_isa act = sc_isa_active();
    const int lanes = act == SC_ISA_AVX512 ? 16 : act == SC_ISA_AVX2 ? 8
                                               : act == SC_ISA_NEON  ? 4
                                                                     : 1;
    const struct {
        int64_t k, c, hw;
        int wino;
    } small[] = {
        {5, 32, 17, lanes < 8},  {5, 32, 21, lanes < 16}, {5, 32, 24, 1},
        {7, 64, 17, lanes < 16}, {7, 32, 17, 1},          {7, 64, 21, 1},
    };
    float *sw = calloc((size_t)64 * 64 * 49, sizeof(float)); /* the largest: 7x7, 64 ch */
    for (size_t i = 0; sw && i < sizeof small / sizeof small[0]; i++) {
        sc_conv2d_desc d;
        sc_conv2d_desc_init(&d, 1, small[i].c, small[i].hw, small[i].hw, small[i].c, small[i].k,
                            small[i].k);
        d.pad_h = d.pad_w = small[i].k / 2;
        sc_conv2d_options o = {SC_CONV_AUTO, 1, 0};
        sc_conv2d_plan *plan = NULL;
        if (tc_check(sc_conv2d_plan_create(&d, sw, NULL, &o, &plan) == SC_OK,
                     "AUTO %lldx%lld %lld ch at %lld: %s", (long long)small[i].k,
                     (long long)small[i].k, (long long)small[i].c, (long long)small[i].hw,
                     sc_last_error()))
            tc_check((strncmp(sc_conv2d_plan_describe(plan), "winograd", 8) == 0) ==
                         small[i].wino,
                     "AUTO %lldx%lld %lld ch at %lld (%d lanes) ran %s", (long long)small[i].k,
                     (long long)small[i].k, (long long)small[i].c, (long long)small[i].hw, lanes,
                     sc_conv2d_plan_describe(plan));
        sc_conv2d_plan_destroy(plan);
    }
    tc_check(sw != NULL, "out of memory for the 7x7 AUTO cases");
    free(sw);
    /* AUTO leaves Winograd over 48 MiB of transformed weights (16 cin cout
       floats): 1024 -> 1024 channels (64 MiB) goes to im2col, 768 -> 1024
       (48 MiB exactly) stays. */
    const struct {
        int64_t cin, cout;
        int wino;
    } big[] = {{1024, 1024, 0}, {768, 1024, 1}};
    float *bw = calloc((size_t)1024 * 1024 * 9, sizeof(float));
    for (size_t i = 0; bw && i < sizeof big / sizeof big[0]; i++) {
        sc_conv2d_desc d;
        sc_conv2d_desc_init(&d, 1, big[i].cin, 7, 7, big[i].cout, 3, 3);
        d.pad_h = d.pad_w = 1;
        sc_conv2d_options o = {SC_CONV_AUTO, 1, 0};
        sc_conv2d_plan *plan = NULL;
        if (tc_check(sc_conv2d_plan_create(&d, bw, NULL, &o, &plan) == SC_OK,
                     "AUTO %lld -> %lld: %s", (long long)big[i].cin, (long long)big[i].cout,
                     sc_last_error()))
            tc_check((strncmp(sc_conv2d_plan_describe(plan), "winograd", 8) == 0) == big[i].wino,
                     "AUTO %lld -> %lld at 7x7 ran %s", (long long)big[i].cin,
                     (long long)big[i].cout, sc_conv2d_plan_describe(plan));
        sc_conv2d_plan_destroy(plan);
    }
    tc_check(bw != NULL, "out of memory for the 48 MiB cases");
    free(bw);
}

int main(void)
{
    tc_rng rng;
    tc_rng_seed(&rng, 0x3a3a2024);
    sc_isa isas[4];
    const int nisa = tc_available_isas(isas);

    test_transform_kernels(&rng);
    test_rejections();
    test_tile_choice();

    /* Every padding mode x activation pairing appears once in 36 cases. */
    int ncases = (int)(72 * tc_scale());
    if (ncases < 36)
        ncases = 36;
    for (int a = 0; a < nisa; a++) {
        sc_isa_limit(isas[a]);
        for (int m = 2; m <= 4; m++) {
            for (int i = 0; i < ncases; i++) {
                conv_case cc;
                memset(&cc, 0, sizeof cc);
                random_case(&rng, i, &cc, i % 12 == 11, tile_r(m));
                run_case(&rng, &cc, isas[a], m);
            }
            for (int i = 0; i < ncases / 3; i++)
                run_dilated_case(&rng, i, isas[a], m);
            for (int i = 0; i < ncases / 3; i++)
                run_poly_case(&rng, i, isas[a], m);
            direct_bound_ratio(&rng, m);
        }
        test_determinism(&rng, isas[a]);
    }
    sc_isa_limit(sc_isa_detected());

    printf("worst error/bound: F(2x2,3x3) %.3g, F(4x4,3x3) %.3g, F(3x3,4x4) %.3g; worst "
           "error/direct bound: %.3g, %.3g, %.3g\n",
           worst_ratio[2], worst_ratio[4], worst_ratio[3], worst_direct[2], worst_direct[4],
           worst_direct[3]);
    return tc_summary("test-winograd");
}
