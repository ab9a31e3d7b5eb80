/*
 * GEMM micro-kernels: every entry of sc_gemm_kernels this CPU can run,
 * against a double-precision product, over every tile corner the executors
 * ask for (m in 1..MR, n in 1..NR), a range of reduction depths, with and
 * without accumulation, tight and odd row strides.
 *
 * Bound: C is a sum of kc products (plus the old C when accumulating), so in
 * any summation order, FMA or not, |c - ref| <= gamma(kc+1) * (sum |a b| + |c0|)
 * (Higham, 3.1). With small-integer operands every partial sum is exact in
 * float, so there the result must match exactly.
 *
 * Around C sit guard zones: the rows and columns of the ldc-wide buffer
 * outside the m x n corner, and TC_GUARD floats before and after it, all
 * holding the fill pattern, which must survive.
 *
 * Each case also runs the kernel's indirect form (B rows through a pointer
 * table, scattered and out of order) and requires the same bits.
 *
 * Also asserted: im2col plans name the GEMM kernel sc_pick_gemm chose for
 * each ISA, with the 1x1 fast path named as such.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "conv.h"

/* Padded lanes of the packed panels get this: a correct kernel never lets
   them reach the m x n corner, so a leak shows up as a huge error. */
#define PAD_POISON 1.0e6f

static void fill_panel(tc_rng *r, float *p, int64_t kc, int64_t width, int64_t valid,
                       int integers)
{
    for (int64_t k = 0; k < kc; k++)
        for (int64_t l = 0; l < width; l++) {
            float v;
            if (l >= valid)
                v = PAD_POISON;
            else if (integers)
                v = (float)tc_rng_int(r, -4, 4);
            else
                v = tc_rng_float(r, -1.0f, 1.0f);
            p[k * width + l] = v;
        }
}

/* One call of the kernel on an (m, n, kc, ldb, ldc, accumulate) case. B rows
   are ldb apart: ldb == nr is a packed panel, a wider one stands for the
   input planes a 1x1 convolution reads in place. */
static void check_case(const sc_gemm_kernel *k, tc_rng *r, int64_t m, int64_t n, int64_t kc,
                       int64_t ldb, int64_t ldc, int accumulate, int with_bias, int integers)
{
    const int64_t mr = k->mr;
    float *a = malloc((size_t)(kc * mr) * sizeof(float));
    float *b = malloc((size_t)(kc * ldb) * sizeof(float));
    const int64_t body = mr * ldc;
    float *buf = tc_alloc_guarded(TC_GUARD + body); /* guard | C (mr rows of ldc) | guard */
    float *c = buf + TC_GUARD;
    double *c0 = malloc((size_t)(m * n) * sizeof(double));
    if (!a || !b || !c0) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    fill_panel(r, a, kc, mr, m, integers);
    fill_panel(r, b, kc, ldb, n, integers);
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            float v = integers ? (float)tc_rng_int(r, -8, 8) : tc_rng_float(r, -2.0f, 2.0f);
            c0[i * n + j] = v;
            if (accumulate)
                c[i * ldc + j] = v;
        }

    /* Exactly m bias values: reading past them is an overrun. */
    float *bias = with_bias ? malloc((size_t)m * sizeof(float)) : NULL;
    for (int64_t i = 0; bias && i < m; i++)
        bias[i] = integers ? (float)tc_rng_int(r, -8, 8) : tc_rng_float(r, -2.0f, 2.0f);

    /* The indirect form on the same B rows, scattered in reverse order with
       gaps through a pointer table, into a second copy of C: it must give
       the same bits, guards and all. */
    float *ibuf = tc_alloc_guarded(TC_GUARD + body);
    const int64_t gap = 3, boff = kc % 4, ld_s = k->nr + gap;
    float *bs = malloc((size_t)((kc + 1) * ld_s) * sizeof(float));
    const float **bt = malloc((size_t)kc * sizeof *bt);
    if (!ibuf || !bs || !bt) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    memcpy(ibuf, buf, (size_t)(TC_GUARD + body) * sizeof(float));
    for (int64_t q = 0; q < (kc + 1) * ld_s; q++)
        bs[q] = PAD_POISON;
    for (int64_t q = 0; q < kc; q++) {
        float *row = bs + (kc - q) * ld_s; /* >= boff floats in */
        memcpy(row, b + q * ldb, (size_t)k->nr * sizeof(float));
        bt[q] = row - boff;
    }

    k->fn(kc, a, b, ldb, c, ldc, m, n, accumulate, bias);
    k->ifn(kc, a, bt, boff, ibuf + TC_GUARD, ldc, m, n, accumulate, bias);
    tc_check(memcmp(ibuf, buf, (size_t)(TC_GUARD + body) * sizeof(float)) == 0 &&
                 tc_guard_intact(ibuf + TC_GUARD, body),
             "i%s/%s m=%lld n=%lld kc=%lld ldc=%lld acc=%d: the indirect form differs from the "
             "direct one",
             k->name, sc_isa_name(k->isa), (long long)m, (long long)n, (long long)kc,
             (long long)ldc, accumulate);
    tc_free(ibuf);
    free(bs);
    free(bt);

    int64_t bad = 0, first_i = -1, first_j = -1;
    double worst = 0.0;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            const double seed = accumulate ? c0[i * n + j] : bias ? bias[i] : 0.0;
            double ref = seed;
            double mag = fabs(seed);
            for (int64_t q = 0; q < kc; q++) {
                double prod = (double)a[q * mr + i] * (double)b[q * ldb + j];
                ref += prod;
                mag += fabs(prod);
            }
            const double y = c[i * ldc + j];
            const double err = fabs(y - ref);
            const double bound = integers ? 0.0 : tc_gamma(kc + 1) * mag;
            if (!(err <= bound)) {
                if (bad++ == 0) {
                    first_i = i;
                    first_j = j;
                    worst = err;
                }
            }
        }
    tc_check(bad == 0,
             "%s/%s m=%lld n=%lld kc=%lld ldb=%lld ldc=%lld acc=%d int=%d: %lld outputs outside "
             "the bound, first (%lld,%lld) err %g",
             k->name, sc_isa_name(k->isa), (long long)m, (long long)n, (long long)kc,
             (long long)ldb, (long long)ldc, accumulate, integers, (long long)bad, (long long)first_i,
             (long long)first_j, worst);

    /* Outside the corner: the pre-guard, the rest of each row up to ldc,
       the rows past m, and the post-guard all keep the pattern. */
    int outside_ok = tc_untouched(buf, TC_GUARD) && tc_guard_intact(c, body);
    for (int64_t i = 0; i < mr && outside_ok; i++)
        for (int64_t j = 0; j < ldc; j++)
            if ((i >= m || j >= n) && !tc_untouched(&c[i * ldc + j], 1)) {
                outside_ok = 0;
                break;
            }
    tc_check(outside_ok, "%s/%s m=%lld n=%lld kc=%lld ldc=%lld acc=%d: wrote outside the corner",
             k->name, sc_isa_name(k->isa), (long long)m, (long long)n, (long long)kc,
             (long long)ldc, accumulate);

    free(a);
    free(b);
    free(c0);
    free(bias);
    tc_free(buf);
}

static void test_kernel(const sc_gemm_kernel *k)
{
    static const int64_t kcs[] = {1, 2, 3, 4, 7, 8, 16, 31, 64, 255, 256, 300};
    const int nkc = (int)(sizeof kcs / sizeof kcs[0]);
    tc_rng r;
    tc_rng_seed(&r, 0x6e6d6dull + (uint64_t)k->mr * 131 + (uint64_t)k->nr);
    tc_check(k->mr >= 1 && k->nr >= 1 && k->fn != NULL && k->ifn != NULL && k->nr_min >= 1 &&
                 k->nr_min <= k->nr,
             "%s/%s: bad table entry mr=%d nr=%d nr_min=%d", k->name, sc_isa_name(k->isa), k->mr,
             k->nr, k->nr_min);
    char expect[32];
    snprintf(expect, sizeof expect, "gemm_%dx%d", k->mr, k->nr);
    tc_check(strcmp(k->name, expect) == 0, "kernel named %s has tile %dx%d", k->name, k->mr,
             k->nr);

    for (int64_t m = 1; m <= k->mr; m++)
        for (int64_t n = 1; n <= k->nr; n++)
            for (int ik = 0; ik < nkc; ik++)
                for (int acc = 0; acc <= 1; acc++) {
                    /* Tight (ldc == n) and odd strides wider than the tile,
                       with packed and in-place (odd ldb) B rows. */
                    const int64_t ldcs[2] = {n, 2 * (int64_t)k->nr + 1};
                    const int64_t ldbs[2] = {k->nr, 3 * (int64_t)k->nr + 5};
                    for (int il = 0; il < 2; il++)
                        check_case(k, &r, m, n, kcs[ik], ldbs[il], ldcs[il], acc, il, 0);
                }
    /* Exact arithmetic on the full tile and on a ragged corner. */
    for (int acc = 0; acc <= 1; acc++) {
        check_case(k, &r, k->mr, k->nr, 97, k->nr, k->nr, acc, 0, 1);
        check_case(k, &r, k->mr, k->nr, 97, k->nr, k->nr, acc, 1, 1);
        check_case(k, &r, k->mr > 1 ? k->mr - 1 : 1, k->nr > 1 ? k->nr - 1 : 1, 33,
                   2 * (int64_t)k->nr + 7, 3 * (int64_t)k->nr + 1, acc, 1, 1);
    }
}

/* An im2col plan names the kernel sc_pick_gemm picks for its ISA. */
static void test_plan_names(void)
{
    sc_isa isas[4];
    const int count = tc_available_isas(isas);
    tc_rng r;
    tc_rng_seed(&r, 99);
    for (int i = 0; i < count; i++) {
        if (sc_isa_limit(isas[i]) != SC_OK)
            continue;
        const sc_gemm_kernel *k = sc_pick_gemm(isas[i]);
        if (!tc_check(k != NULL, "no GEMM kernel for %s", sc_isa_name(isas[i])))
            continue;
        for (int one = 0; one <= 1; one++) {
            sc_conv2d_desc d;
            const int64_t ks = one ? 1 : 3;
            sc_conv2d_desc_init(&d, 1, 8, 6, 7, 16, ks, ks);
            d.pad_h = d.pad_w = one ? 0 : 1;
            float w[16 * 8 * 9];
            tc_fill(&r, w, 16 * 8 * ks * ks, -1.0f, 1.0f);
            const sc_conv2d_options o = {SC_CONV_IM2COL, 1, 0};
            sc_conv2d_plan *p = NULL;
            sc_status s = sc_conv2d_plan_create(&d, w, NULL, &o, &p);
            /* the 3x3 layer may read B indirectly (im2col_igemm_...): the
               same kernel's other entry point */
            char expect[96], indirect[96];
            snprintf(expect, sizeof expect, "im2col_%s%s/%s", one ? "1x1_" : "", k->name,
                     sc_isa_name(k->isa));
            snprintf(indirect, sizeof indirect, "im2col_i%s/%s", k->name, sc_isa_name(k->isa));
            tc_check(s == SC_OK && (strcmp(sc_conv2d_plan_describe(p), expect) == 0 ||
                                    (!one && strcmp(sc_conv2d_plan_describe(p), indirect) == 0)),
                     "isa %s: im2col plan is \"%s\" (status %d), expected \"%s\"",
                     sc_isa_name(isas[i]), s == SC_OK ? sc_conv2d_plan_describe(p) : "",
                     (int)s, expect);
            sc_conv2d_plan_destroy(p);
        }
    }
    sc_isa_limit(sc_isa_detected());
}

/*
 * The im2col B packers (sc_pack_kernels) on their own: runs of pixels over
 * output rows of every width from 1 up (rows narrower than a vector make one
 * vector cross several rows), every start column, pixel counts that end
 * mid-vector and mid-panel, panel widths of one to four vectors. The rows lie
 * in a buffer with 16 floats of slack, as in the slab, filled with NaN so a
 * lane taken from the wrong place shows; the packed panels must hold exactly
 * rp[row][col] per pixel, zeros after the last pixel in its panel, and
 * nothing written past the last panel.
 */
static void test_pack_kernel(const sc_pack_kernel *k, tc_rng *r)
{
    int good = 1, cases = 0;
    for (int64_t wo = 1; wo <= 21; wo += (wo < 9 ? 1 : 4))
        for (int64_t vmul = 1; vmul <= 4; vmul *= 2) {
            const int64_t nr = k->vlen * vmul * (k->vlen == 1 ? 8 : 1);
            for (int64_t ow0 = 0; ow0 < wo; ow0 += (wo > 6 ? 3 : 1))
                for (int64_t ncur = 1; ncur <= 3 * nr + 1; ncur += (ncur < 2 * nr ? 1 : 5)) {
                    const int64_t nrows = (ow0 + ncur - 1) / wo + 1;
                    /* each row wo floats at a stride of wo + 3, slack around */
                    const int64_t ld = wo + 3, slack = 16;
                    const int64_t nbuf = slack + nrows * ld + slack;
                    float *buf = malloc((size_t)nbuf * sizeof(float));
                    const float **rp = malloc((size_t)nrows * sizeof(float *));
                    const int64_t npanels = (ncur + nr - 1) / nr, stride = nr * 3;
                    const int64_t ndst = npanels * stride + nr;
                    float *dst = malloc((size_t)ndst * sizeof(float));
                    for (int64_t i = 0; i < nbuf; i++)
                        buf[i] = NAN;
                    for (int64_t row = 0; row < nrows; row++) {
                        rp[row] = buf + slack + row * ld;
                        tc_fill(r, buf + slack + row * ld, wo, -1.0f, 1.0f);
                    }
                    for (int64_t i = 0; i < ndst; i++)
                        dst[i] = NAN;
                    k->fn(rp, wo, ow0, ncur, nr, stride, dst);
                    for (int64_t q = 0; q < npanels; q++)
                        for (int64_t l = 0; l < nr; l++) {
                            const int64_t t = q * nr + l, pix = ow0 + t;
                            const float got = dst[q * stride + l];
                            if (t < ncur)
                                good &= got == rp[pix / wo][pix % wo];
                            else
                                good &= got == 0.0f && !signbit(got);
                        }
                    for (int64_t q = 0; q < npanels; q++)
                        for (int64_t l = nr; l < stride && q * stride + l < ndst; l++)
                            good &= isnan(dst[q * stride + l]) != 0;
                    for (int64_t i = npanels * stride; i < ndst; i++)
                        good &= isnan(dst[i]) != 0;
                    cases++;
                    free(buf);
                    free(rp);
                    free(dst);
                }
        }
    tc_check(good, "pack_b/%s: a packed value or zero lane is wrong, or it wrote outside the panels",
             sc_isa_name(k->isa));
    tc_check(cases > 100, "pack_b/%s: only %d cases", sc_isa_name(k->isa), cases);
}

/*
 * The transposed-route packers (sc_pack_kernels' xt) on their own: panel
 * rows of 1 to 20 pixels (one vector and less, several vectors) from 1 to 5
 * runs of random lengths and places, the last panel of a plane short of
 * pixels, rows read at random offsets. The source lies in a buffer with 16
 * floats of NaN slack before and after, as the padded block; each row must
 * hold exactly its runs' values then zeros, and nothing may be written
 * before the panel or more than 16 floats past its last row.
 */
static void test_pack_xt_kernel(const sc_pack_kernel *k, tc_rng *r)
{
    int good = 1, cases = 0;
    const int64_t slack = 16, nsrc = 400;
    float *buf = malloc((size_t)(nsrc + 2 * slack) * sizeof(float));
    float *src = buf + slack;
    for (int64_t i = 0; i < nsrc + 2 * slack; i++)
        buf[i] = NAN;
    tc_fill(r, src, nsrc, -1.0f, 1.0f);
    for (int64_t mr = 1; mr <= 20; mr++)
        for (int rep = 0; rep < 12; rep++) {
            int64_t off[5], len[5], nruns = 0, filled = 0;
            const int64_t want = rep % 3 == 2 ? tc_rng_int(r, 1, (int)mr) : mr;
            while (filled < want && nruns < 5) {
                const int64_t left = want - filled;
                len[nruns] = nruns == 4 ? left : tc_rng_int(r, 1, (int)left);
                off[nruns] = tc_rng_int(r, 0, 100);
                filled += len[nruns++];
            }
            const int64_t nk = tc_rng_int(r, 1, 9);
            int64_t koff[9];
            for (int64_t kk = 0; kk < nk; kk++)
                koff[kk] = tc_rng_int(r, 0, (int)(nsrc - 120));
            const int64_t ndst = 4 + nk * mr + 16 + 8;
            float *dst = malloc((size_t)ndst * sizeof(float));
            for (int64_t i = 0; i < ndst; i++)
                dst[i] = NAN;
            k->xt(src, koff, nk, off, len, nruns, mr, dst + 4);
            for (int64_t kk = 0; kk < nk; kk++) {
                int64_t lane = 0;
                for (int64_t q = 0; q < nruns; q++)
                    for (int64_t i = 0; i < len[q]; i++, lane++)
                        good &= dst[4 + kk * mr + lane] == src[koff[kk] + off[q] + i];
                for (; lane < mr; lane++)
                    good &= dst[4 + kk * mr + lane] == 0.0f;
            }
            for (int64_t i = 0; i < 4; i++)
                good &= isnan(dst[i]) != 0;
            for (int64_t i = 4 + nk * mr + 16; i < ndst; i++)
                good &= isnan(dst[i]) != 0;
            cases++;
            free(dst);
        }
    free(buf);
    tc_check(good, "pack_xt/%s: a packed value or zero lane is wrong, or it wrote outside the "
                   "panel's rows and slack",
             sc_isa_name(k->isa));
    tc_check(cases > 200, "pack_xt/%s: only %d cases", sc_isa_name(k->isa), cases);
}

int main(void)
{
    const sc_isa here = sc_isa_detected();
    int tested = 0;
    for (const sc_gemm_kernel *k = sc_gemm_kernels; k->name; k++) {
        if (!sc_isa_usable(k->isa, here)) {
            printf("test-gemm: skipping %s/%s (not usable on %s)\n", k->name,
                   sc_isa_name(k->isa), sc_isa_name(here));
            continue;
        }
        test_kernel(k);
        tested++;
    }
    tc_check(tested > 0, "no GEMM kernel usable on %s", sc_isa_name(here));
    tc_rng rng;
    tc_rng_seed(&rng, 0x9ac4b);
    for (const sc_pack_kernel *k = sc_pack_kernels; k->fn; k++)
        if (sc_isa_usable(k->isa, here)) {
            test_pack_kernel(k, &rng);
            test_pack_xt_kernel(k, &rng);
        }
    test_plan_names();
    return tc_summary("test-gemm");
}
