/*
 * Convolution against the double-precision reference: every algorithm that
 * serves every shape (direct, im2col, and whatever AUTO picks) under every
 * ISA cap this machine allows, on randomized and hand-picked shapes that
 * cover batch, groups (depthwise too), kernels 1..7 (non-square), strides
 * and dilations 1..3, every padding mode, padding='same', every activation,
 * with and without bias.
 *
 * Each output must lie within ref_conv_bound (see ref/ref-conv.h); each plan
 * must report the kernel the kernel tables say it should run; outputs must
 * not be written past their end, the input must not change, and the
 * caller-workspace path must give the same bits on a misaligned buffer of
 * exactly the advertised size.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "internal.h"
#include "ref/ref-conv.h"

typedef struct conv_case {
    sc_conv2d_desc d;
    int has_bias, threads;
    float *in, *w, *b;
    double *ref_act, *ref_pre, *ref_abs;
    int64_t in_n, w_n, out_n, ho, wo;
    char label[200];
} conv_case;

static const char *act_names[] = {"none", "relu", "relu6", "sigmoid", "tanh",
                                  "silu", "gelu", "gelu_tanh", "mish"};
static const char *mode_names[] = {"zeros", "reflect", "replicate", "circular"};
static const char *algo_names[] = {"auto", "direct", "im2col", "winograd"};

/* ------------------------------------------------------------------ */
/* Activation constants used by the bound                              */
/* ------------------------------------------------------------------ */

/* The bound multiplies the sum's error by each activation's Lipschitz
   constant; check on a fine grid that no difference quotient exceeds it and
   that it is not needlessly loose (within 5% of the observed maximum). */
static void check_lipschitz_constants(void)
{
    const double step = 1e-3;
    for (int a = SC_ACT_NONE; a <= SC_ACT_MISH; a++) {
        double L = ref_activation_lipschitz((sc_activation)a), worst = 0;
        double xprev = -50.0, prev = ref_activation((sc_activation)a, xprev);
        for (int64_t i = 1; i <= 100000; i++) {
            double x = -50.0 + (double)i * step;
            double cur = ref_activation((sc_activation)a, x);
            double q = fabs(cur - prev) / (x - xprev);
            if (q > worst)
                worst = q;
            prev = cur;
            xprev = x;
        }
        tc_check(worst <= L && worst >= 0.95 * L,
                 "Lipschitz constant of %s: observed max |f'| %.6f vs L = %.4f", act_names[a],
                 worst, L);
    }
    /* spot values that pin the reference activations to PyTorch's formulas */
    tc_check(fabs(ref_activation(SC_ACT_GELU, 1.0) - 0.8413447460685429) < 1e-15,
             "gelu(1) = %.17g", ref_activation(SC_ACT_GELU, 1.0));
    tc_check(fabs(ref_activation(SC_ACT_GELU_TANH, 1.0) - 0.8411919906082768) < 1e-15,
             "gelu_tanh(1) = %.17g", ref_activation(SC_ACT_GELU_TANH, 1.0));
    tc_check(fabs(ref_activation(SC_ACT_MISH, 1.0) - 0.8650983882673103) < 1e-15,
             "mish(1) = %.17g", ref_activation(SC_ACT_MISH, 1.0));
    tc_check(ref_activation(SC_ACT_MISH, 30.0) == 30.0 * tanh(30.0),
             "mish above the softplus threshold uses softplus(x) = x");
    tc_check(ref_activation(SC_ACT_RELU6, 7.5) == 6.0 && ref_activation(SC_ACT_RELU6, -1) == 0.0,
             "relu6 clamps to [0, 6]");
}

/* ------------------------------------------------------------------ */
/* Cases                                                               */
/* ------------------------------------------------------------------ */

static void label_case(conv_case *c)
{
    const sc_conv2d_desc *d = &c->d;
    snprintf(c->label, sizeof c->label,
             "N%lld C%lld %lldx%lld -> K%lld k%lldx%lld s%lldx%lld %s%lldx%lld d%lldx%lld "
             "g%lld %s %s bias=%d threads=%d",
             (long long)d->batch, (long long)d->in_channels, (long long)d->in_height,
             (long long)d->in_width, (long long)d->out_channels, (long long)d->kernel_h,
             (long long)d->kernel_w, (long long)d->stride_h, (long long)d->stride_w,
             d->padding_same ? "same/" : "p", (long long)d->pad_h, (long long)d->pad_w,
             (long long)d->dilation_h, (long long)d->dilation_w, (long long)d->groups,
             mode_names[d->padding_mode], act_names[d->activation], c->has_bias, c->threads);
}

/* Fills data and the reference for a descriptor already known valid. */
static int finish_case(conv_case *c, tc_rng *rng)
{
    const sc_conv2d_desc *d = &c->d;
    if (ref_conv_output_size(d, &c->ho, &c->wo) != 0 || !ref_conv_pads_legal(d))
        return 0;
    c->in_n = d->batch * d->in_channels * d->in_height * d->in_width;
    c->w_n = d->out_channels * (d->in_channels / d->groups) * d->kernel_h * d->kernel_w;
    c->out_n = d->batch * d->out_channels * c->ho * c->wo;
    c->in = malloc((size_t)c->in_n * sizeof(float));
    c->w = malloc((size_t)c->w_n * sizeof(float));
    c->b = malloc((size_t)d->out_channels * sizeof(float));
    c->ref_act = malloc((size_t)c->out_n * sizeof(double));
    c->ref_pre = malloc((size_t)c->out_n * sizeof(double));
    c->ref_abs = malloc((size_t)c->out_n * sizeof(double));
    if (!c->in || !c->w || !c->b || !c->ref_act || !c->ref_pre || !c->ref_abs) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    /* one case in five has inputs 40x larger, driving pre-activations to
       +-100 and beyond: sigmoid/silu/mish where exp overflows or underflows,
       tanh saturated, GELU where 1 + erf cancels, Mish past its softplus
       threshold */
    float amp = tc_rng_int(rng, 0, 4) == 0 ? 40.0f : 1.0f;
    tc_fill(rng, c->in, c->in_n, -amp, amp);
    /* weights scaled so pre-activations spread over a few units whatever the
       fan-in: the activations are then exercised on both their flat and
       their steep parts */
    int64_t fan_in = c->w_n / d->out_channels;
    float ws = 3.0f / sqrtf((float)fan_in);
    tc_fill(rng, c->w, c->w_n, -ws, ws);
    tc_fill(rng, c->b, d->out_channels, -1.0f, 1.0f);
    if (ref_conv2d(d, c->in, c->w, c->has_bias ? c->b : NULL, c->ref_act, c->ref_pre,
                   c->ref_abs, NULL, NULL) != 0) {
        fprintf(stderr, "reference rejected a valid case\n");
        exit(2);
    }
    label_case(c);
    return 1;
}

static void free_case(conv_case *c)
{
    free(c->in);
    free(c->w);
    free(c->b);
    free(c->ref_act);
    free(c->ref_pre);
    free(c->ref_abs);
}

static void random_desc(tc_rng *r, conv_case *c)
{
    sc_conv2d_desc *d = &c->d;
    int64_t groups, cin_g, cout_g;
    switch (tc_rng_int(r, 0, 4)) {
    case 0: /* depthwise */
        groups = tc_rng_int(r, 1, 6);
        cin_g = 1;
        cout_g = tc_rng_int(r, 1, 2);
        break;
    case 1:
        groups = tc_rng_int(r, 2, 3);
        cin_g = tc_rng_int(r, 1, 3);
        cout_g = tc_rng_int(r, 1, 3);
        break;
    default:
        groups = 1;
        cin_g = tc_rng_int(r, 1, 5);
        cout_g = tc_rng_int(r, 1, 9);
        break;
    }
    int64_t kh = tc_rng_int(r, 1, 7), kw = tc_rng_int(r, 1, 7);
    if (tc_rng_int(r, 0, 5) == 0) /* keep square kernels common too */
        kw = kh;
    sc_conv2d_desc_init(d, tc_rng_int(r, 1, 3), groups * cin_g, 1, 1, groups * cout_g, kh, kw);
    d->groups = groups;
    d->stride_h = tc_rng_int(r, 1, 3);
    d->stride_w = tc_rng_int(r, 1, 3);
    d->dilation_h = tc_rng_int(r, 1, 3);
    d->dilation_w = tc_rng_int(r, 1, 3);
    d->padding_mode = (sc_padding_mode)tc_rng_int(r, 0, 3);
    d->activation = (sc_activation)tc_rng_int(r, 0, 8);
    if (tc_rng_int(r, 0, 4) == 0) {
        d->padding_same = 1;
        d->stride_h = d->stride_w = 1;
        /* pad_h/pad_w must be ignored: leave junk in them */
        d->pad_h = tc_rng_int(r, 0, 9);
        d->pad_w = tc_rng_int(r, 0, 9);
    } else {
        d->pad_h = tc_rng_int(r, 0, 3);
        d->pad_w = tc_rng_int(r, 0, 3);
    }
    int64_t eh = d->dilation_h * (kh - 1) + 1, ew = d->dilation_w * (kw - 1) + 1;
    /* sizes around the dilated kernel extent, odd ones included, so tiny
       outputs and wide ones both occur */
    d->in_height = eh + tc_rng_int(r, -3, 14);
    d->in_width = ew + tc_rng_int(r, -3, 14);
    if (d->in_height < 1)
        d->in_height = 1;
    if (d->in_width < 1)
        d->in_width = 1;
    c->has_bias = tc_rng_int(r, 0, 3) != 0;
    /* mostly serial: test-threads covers thread counts, and on a loaded
       machine every parallel region costs scheduler time slices */
    const int thread_choice[8] = {0, 2, 3, 1, 1, 1, 1, 1};
    c->threads = thread_choice[tc_rng_int(r, 0, 7)];
}

/* Hand-picked shapes that random draws hit rarely. */
static int fixed_case(int i, conv_case *c)
{
    sc_conv2d_desc *d = &c->d;
    c->has_bias = 1;
    c->threads = i % 4 == 0 ? 0 : 1;
    switch (i) {
    case 0: /* 1x1 stride 1 pad 0: the GEMM-without-im2col path */
        sc_conv2d_desc_init(d, 2, 7, 5, 9, 11, 1, 1);
        return 1;
    case 1: /* grouped 1x1 */
        sc_conv2d_desc_init(d, 1, 6, 7, 3, 4, 1, 1);
        d->groups = 2;
        d->activation = SC_ACT_RELU;
        return 1;
    case 2: /* 1x1 with stride: must not take the 1x1 shortcut */
        sc_conv2d_desc_init(d, 1, 3, 9, 8, 5, 1, 1);
        d->stride_h = 2;
        d->stride_w = 3;
        return 1;
    case 3: /* 1x1 with padding under a non-zero mode */
        sc_conv2d_desc_init(d, 1, 2, 4, 5, 3, 1, 1);
        d->pad_h = 2;
        d->pad_w = 1;
        d->padding_mode = SC_PAD_REPLICATE;
        return 1;
    case 4: /* depthwise 3x3, reflect pad 1 */
        sc_conv2d_desc_init(d, 2, 8, 9, 10, 8, 3, 3);
        d->groups = 8;
        d->pad_h = d->pad_w = 1;
        d->padding_mode = SC_PAD_REFLECT;
        d->activation = SC_ACT_RELU6;
        return 1;
    case 5: /* plain 3x3 stride 1: Winograd-shaped, so AUTO may choose it */
        sc_conv2d_desc_init(d, 1, 16, 12, 13, 16, 3, 3);
        d->pad_h = d->pad_w = 1;
        d->activation = SC_ACT_SILU;
        return 1;
    case 6: /* same, even kernel, dilation: odd total pad, extra at the end */
        sc_conv2d_desc_init(d, 1, 3, 8, 7, 2, 4, 2);
        d->padding_same = 1;
        d->dilation_h = 1;
        d->dilation_w = 3;
        d->padding_mode = SC_PAD_CIRCULAR;
        d->activation = SC_ACT_GELU;
        return 1;
    case 7: /* same with reflect at the largest legal pad */
        sc_conv2d_desc_init(d, 1, 2, 4, 3, 2, 5, 3);
        d->padding_same = 1;
        d->dilation_h = 1; /* total 4: 2 + 2 < 4 */
        d->padding_mode = SC_PAD_REFLECT;
        return 1;
    case 8: /* reflect pad = size - 1 */
        sc_conv2d_desc_init(d, 1, 1, 3, 4, 2, 3, 3);
        d->pad_h = 2;
        d->pad_w = 3;
        d->padding_mode = SC_PAD_REFLECT;
        d->activation = SC_ACT_TANH;
        return 1;
    case 9: /* circular pad = size (the wrap reads the whole plane) */
        sc_conv2d_desc_init(d, 1, 2, 3, 2, 3, 2, 3);
        d->pad_h = 3;
        d->pad_w = 2;
        d->padding_mode = SC_PAD_CIRCULAR;
        d->activation = SC_ACT_MISH;
        return 1;
    case 10: /* kernel as large as the input: 1x1 output */
        sc_conv2d_desc_init(d, 3, 2, 7, 7, 3, 7, 7);
        d->activation = SC_ACT_SIGMOID;
        return 1;
    case 11: /* 1-pixel input, replicate padding, dilation */
        sc_conv2d_desc_init(d, 1, 1, 1, 1, 2, 3, 2);
        d->pad_h = 2;
        d->pad_w = 1;
        d->dilation_h = 2;
        d->padding_mode = SC_PAD_REPLICATE;
        d->activation = SC_ACT_GELU_TANH;
        return 1;
    case 12: /* stride larger than the kernel, skipping inputs */
        sc_conv2d_desc_init(d, 2, 3, 17, 19, 4, 2, 1);
        d->stride_h = 3;
        d->stride_w = 3;
        c->has_bias = 0;
        return 1;
    case 13: /* last window ends exactly at the padded edge, stride 3 */
        sc_conv2d_desc_init(d, 1, 1, 11, 11, 1, 3, 3);
        d->stride_h = d->stride_w = 3;
        d->pad_h = d->pad_w = 1;
        return 1;
    case 14: /* wide output, many channels: exercises GEMM tails */
        sc_conv2d_desc_init(d, 1, 13, 6, 37, 17, 3, 2);
        d->pad_w = 1;
        d->activation = SC_ACT_RELU;
        c->threads = 3;
        return 1;
    case 15: /* depthwise with channel multiplier and stride 2 */
        sc_conv2d_desc_init(d, 1, 4, 11, 10, 8, 5, 5);
        d->groups = 4;
        d->stride_h = d->stride_w = 2;
        d->pad_h = d->pad_w = 2;
        d->padding_mode = SC_PAD_ZEROS;
        d->activation = SC_ACT_SIGMOID;
        return 1;
    case 16: /* AUTO's Winograd range, grouped, reflect, odd output size */
        sc_conv2d_desc_init(d, 2, 32, 9, 11, 32, 3, 3);
        d->groups = 2;
        d->pad_h = 1;
        d->padding_mode = SC_PAD_REFLECT;
        d->activation = SC_ACT_GELU_TANH;
        return 1;
    case 17: /* Winograd range with padding='same' under circular padding */
        sc_conv2d_desc_init(d, 1, 16, 7, 6, 24, 3, 3);
        d->padding_same = 1;
        d->padding_mode = SC_PAD_CIRCULAR;
        d->activation = SC_ACT_MISH;
        c->has_bias = 0;
        return 1;
    case 18: /* Winograd range, no padding, output smaller than one tile */
        sc_conv2d_desc_init(d, 1, 17, 5, 4, 16, 3, 3);
        d->activation = SC_ACT_TANH;
        c->threads = 2;
        return 1;
    case 19: /* rows so wide that im2col packs without a slab (its general
                packer: whole rows' slab is over 4 panels, and so is the
                packed blocks'), strided and dilated across the width */
        sc_conv2d_desc_init(d, 1, 40, 3, 8000, 5, 3, 3);
        d->stride_w = 2;
        d->dilation_w = 2;
        d->pad_h = d->pad_w = 1;
        d->padding_mode = SC_PAD_REFLECT;
        return 1;
    case 20: /* input too big for the direct kernels' padded rows (more than
                64K floats per group): their interior and border paths run
                through the padding maps */
        sc_conv2d_desc_init(d, 1, 20, 60, 62, 3, 5, 5);
        d->pad_h = d->pad_w = 2;
        d->stride_w = 2;
        d->activation = SC_ACT_RELU;
        return 1;
    case 21: /* dilated 3x3 stride 1 with enough channels: AUTO runs it as
                Winograd over the dilation phases */
        sc_conv2d_desc_init(d, 2, 32, 17, 26, 10, 3, 3);
        d->dilation_h = 2;
        d->dilation_w = 3;
        d->padding_same = 1;
        d->padding_mode = SC_PAD_CIRCULAR;
        d->activation = SC_ACT_GELU;
        c->threads = 2;
        return 1;
    /* Depthwise 3x3 rows with the weights in registers: two-vector blocks
       with an overlapping last block on every ISA, odd row counts, dilation,
       a channel multiplier, each stride it takes and split rows. */
    case 22: /* 37 wide: two-vector blocks everywhere, 7 rows: a single last row */
        sc_conv2d_desc_init(d, 1, 6, 7, 37, 6, 3, 3);
        d->groups = 6;
        d->pad_h = d->pad_w = 1;
        d->activation = SC_ACT_SILU;
        return 1;
    case 23: /* stride 2, dilation 2, multiplier 2, 19 outputs wide */
        sc_conv2d_desc_init(d, 2, 3, 12, 40, 6, 3, 3);
        d->groups = 3;
        d->stride_h = d->stride_w = 2;
        d->dilation_h = d->dilation_w = 2;
        d->pad_h = 1;
        d->pad_w = 2;
        d->padding_mode = SC_PAD_REPLICATE;
        return 1;
    case 24: /* 11 wide: one-vector blocks (AVX2, NEON), rows split over threads */
        sc_conv2d_desc_init(d, 1, 5, 13, 11, 5, 3, 3);
        d->groups = 5;
        d->pad_h = d->pad_w = 1;
        d->padding_mode = SC_PAD_CIRCULAR;
        c->threads = 2;
        return 1;
    case 25: /* stride 2, uneven padding, 17 outputs wide */
        sc_conv2d_desc_init(d, 1, 4, 9, 33, 4, 3, 3);
        d->groups = 4;
        d->stride_h = d->stride_w = 2;
        d->pad_h = 1;
        d->pad_w = 2;
        d->padding_mode = SC_PAD_REFLECT;
        d->activation = SC_ACT_RELU;
        return 1;
    /* 1x1 on small planes from 128 input channels: im2col's transposed
       route (pixels on the tile's rows, channels in its vectors), with a
       ragged last pixel row on every tile (49 = 8*6 + 1 = 6*8 + 1 = 12*4 + 1)
       and a ragged last channel vector. */
    case 26: /* 85 channels: a short last vector on every ISA */
        sc_conv2d_desc_init(d, 1, 128, 7, 7, 85, 1, 1);
        d->activation = SC_ACT_SILU;
        c->threads = 2;
        return 1;
    case 27: /* batch and groups, no bias, 3 threads */
        sc_conv2d_desc_init(d, 2, 260, 5, 5, 128, 1, 1);
        d->groups = 2;
        d->activation = SC_ACT_RELU;
        c->threads = 3;
        c->has_bias = 0;
        return 1;
    case 29: /* strided (2, 3) from 13x20 to 7x7: the route reads the input
                pixels through its offset table */
        sc_conv2d_desc_init(d, 1, 136, 13, 20, 64, 1, 1);
        d->stride_h = 2;
        d->stride_w = 3;
        d->activation = SC_ACT_GELU;
        c->threads = 2;
        return 1;
    case 28: /* 300 input channels: two reduction blocks; padding_same */
        sc_conv2d_desc_init(d, 1, 300, 3, 3, 70, 1, 1);
        d->padding_same = 1;
        return 1;
    case 30: /* 1x1 in place with 130 output channels: 11 or more row panels
                on every tile, so each B panel is copied before use
                (SC_IM2COL_1X1_PACK_PANELS), 460 pixels: a ragged last one;
                two reduction blocks */
        sc_conv2d_desc_init(d, 2, 300, 20, 23, 130, 1, 1);
        c->threads = 2;
        return 1;
    case 31: /* 528 output channels, 504 reduction rows (two blocks of 252): a
                k-block of weights over SC_IM2COL_A_OUTER_BYTES on every tile,
                so each A panel meets every B panel in turn; 600 pixels, past
                the KxK transposed route's planes */
        sc_conv2d_desc_init(d, 1, 56, 24, 25, 528, 3, 3);
        d->pad_h = d->pad_w = 1;
        d->activation = SC_ACT_RELU6;
        c->threads = 2;
        return 1;
    /* KxK layers on small planes: im2col's transposed route, which skips
       the taps a pixel panel reads only over zero padding. */
    case 32: /* 5x5 on 7x7: panels on the top and bottom rows skip kernel
                rows; 40 channels: a short last vector; pixel panels split
                over 2 threads */
        sc_conv2d_desc_init(d, 1, 48, 7, 7, 40, 5, 5);
        d->pad_h = d->pad_w = 2;
        d->activation = SC_ACT_SILU;
        c->threads = 2;
        return 1;
    case 33: /* 13 columns of zero padding: panels on the left of a row read
                one kernel column (12- and 4-pixel panels) or none at all
                (6-pixel panels), panels on rows 0 and 2 skip a kernel row */
        sc_conv2d_desc_init(d, 1, 16, 3, 5, 24, 3, 3);
        d->pad_h = 1;
        d->pad_w = 13;
        d->activation = SC_ACT_RELU;
        return 1;
    case 34: /* stride 2, dilation 2, reflect (no skipping: the padding holds
                data), groups, batch 2 on 3 threads */
        sc_conv2d_desc_init(d, 2, 48, 15, 17, 64, 3, 3);
        d->groups = 2;
        d->stride_h = d->stride_w = 2;
        d->dilation_h = d->dilation_w = 2;
        d->pad_h = d->pad_w = 2;
        d->padding_mode = SC_PAD_REFLECT;
        c->threads = 3;
        return 1;
    default:
        return 0;
    }
}

/* ------------------------------------------------------------------ */
/* Which kernel a plan must report                                     */
/* ------------------------------------------------------------------ */

static const sc_direct_kernel *first_direct(sc_isa cap)
{
    for (const sc_direct_kernel *k = sc_direct_kernels; k->name; k++)
        if (sc_isa_usable(k->isa, cap))
            return k;
    return NULL;
}

static const sc_depthwise_kernel *first_depthwise(sc_isa cap)
{
    for (const sc_depthwise_kernel *k = sc_depthwise_kernels; k->name; k++)
        if (sc_isa_usable(k->isa, cap))
            return k;
    return NULL;
}

static const sc_gemm_kernel *first_gemm(sc_isa cap)
{
    for (const sc_gemm_kernel *k = sc_gemm_kernels; k->name; k++)
        if (sc_isa_usable(k->isa, cap))
            return k;
    return NULL;
}

static const sc_winograd_kernel *first_winograd(sc_isa cap, int m)
{
    for (const sc_winograd_kernel *k = sc_winograd_kernels; k->name; k++)
        if (k->m == m && sc_isa_usable(k->isa, cap))
            return k;
    return NULL;
}

static int is_1x1_plain(const sc_conv2d_desc *d)
{
    return d->kernel_h == 1 && d->kernel_w == 1 && d->stride_h == 1 && d->stride_w == 1 &&
           (d->padding_same || (d->pad_h == 0 && d->pad_w == 0));
}

static int is_1x1_unpadded(const sc_conv2d_desc *d)
{
    return d->kernel_h == 1 && d->kernel_w == 1 &&
           (d->padding_same ? d->stride_h == 1 && d->stride_w == 1
                            : d->pad_h == 0 && d->pad_w == 0);
}

static int winograd_shape(const sc_conv2d_desc *d)
{
    return tc_winograd_serves(d->kernel_h, d->kernel_w, d->stride_h, d->stride_w,
                              d->dilation_h, d->dilation_w);
}

static long used_1x1_path, used_1x1t, used_kt, used_winograd, used_indirect, used_packed,
    used_depthwise;
/* Transposed runs per ISA cap (1x1, KxK): every ISA's tile must take both. */
static long used_1x1t_cap[4], used_kt_cap[4];

/* Checks the describe string against the kernel tables; returns the family
   that ran (SC_CONV_DIRECT, _IM2COL, _WINOGRAD) or -1. */
static int check_describe(const conv_case *c, sc_conv_algo algo, sc_isa cap, const char *desc)
{
    char expect[96] = "";
    int family = -1;
    if (strncmp(desc, "direct", 6) == 0) {
        family = SC_CONV_DIRECT;
        const sc_direct_kernel *k = first_direct(cap);
        if (k)
            snprintf(expect, sizeof expect, "%s/%s", k->name, sc_isa_name(k->isa));
    } else if (strncmp(desc, "depthwise", 9) == 0) {
        /* the direct algorithm's channels-in-lanes route */
        family = SC_CONV_DIRECT;
        const sc_depthwise_kernel *k = first_depthwise(cap);
        tc_check(c->d.groups >= 2 && c->d.in_channels == c->d.groups &&
                     c->d.out_channels == c->d.groups,
                 "%s: '%s' on a layer that is not depthwise: %s", algo_names[algo], desc,
                 c->label);
        used_depthwise++;
        if (k)
            snprintf(expect, sizeof expect, "%s/%s", k->name, sc_isa_name(k->isa));
    } else if (strncmp(desc, "im2col", 6) == 0) {
        family = SC_CONV_IM2COL;
        const sc_gemm_kernel *k = first_gemm(cap);
        int one = strncmp(desc, "im2col_1x1_", 11) == 0;
        int onet = strncmp(desc, "im2col_1x1t_", 12) == 0;
        int kt = strncmp(desc, "im2col_kt_", 10) == 0;
        tc_check(one ? is_1x1_plain(&c->d) : !onet || is_1x1_unpadded(&c->d),
                 "%s: 1x1 shortcut '%s' on a shape that needs im2col: %s", algo_names[algo],
                 desc, c->label);
        tc_check(!kt || !is_1x1_unpadded(&c->d),
                 "%s: KxK transposed route '%s' on a 1x1 unpadded layer: %s", algo_names[algo],
                 desc, c->label);
        int ind = strncmp(desc, "im2col_igemm_", 13) == 0;
        used_1x1_path += one;
        used_1x1t += onet;
        used_1x1t_cap[cap] += onet;
        used_kt += kt;
        used_kt_cap[cap] += kt;
        used_indirect += ind;
        used_packed += !one && !onet && !kt && !ind;
        if (k)
            snprintf(expect, sizeof expect, "im2col_%s%s/%s",
                     one ? "1x1_" : onet ? "1x1t_" : kt ? "kt_" : ind ? "i" : "", k->name,
                     sc_isa_name(k->isa));
    } else if (strncmp(desc, "winograd", 8) == 0) {
        family = SC_CONV_WINOGRAD;
        int m = strncmp(desc, "winograd_f2x2_", 14) == 0 ? 2 : 4;
        const sc_winograd_kernel *k = first_winograd(cap, m);
        const sc_gemm_kernel *gk = first_gemm(cap);
        tc_check(winograd_shape(&c->d), "%s chose '%s' for a non-Winograd shape: %s",
                 algo_names[algo], desc, c->label);
        used_winograd++;
        /* the plan reports the higher ISA of its transforms and its GEMM */
        if (k && gk)
            snprintf(expect, sizeof expect, "%s/%s", k->name,
                     sc_isa_name(sc_isa_usable(k->isa, gk->isa) ? gk->isa : k->isa));
    }
    tc_check(family >= 0 && (algo == SC_CONV_AUTO || family == (int)algo),
             "%s under cap %s ran '%s': %s", algo_names[algo], sc_isa_name(cap), desc, c->label);
    tc_check(expect[0] && strcmp(desc, expect) == 0,
             "%s under cap %s: describe '%s', kernel tables say '%s': %s", algo_names[algo],
             sc_isa_name(cap), desc, expect, c->label);
    /* the ISA after the slash must be one the cap allows */
    const char *slash = strchr(desc, '/');
    int isa_ok = 0;
    for (int i = 0; slash && i < 4; i++)
        if (strcmp(slash + 1, sc_isa_name((sc_isa)i)) == 0)
            isa_ok = sc_isa_usable((sc_isa)i, cap);
    tc_check(isa_ok, "describe '%s' names an ISA not usable under cap %s", desc,
             sc_isa_name(cap));
    return family;
}

/* ------------------------------------------------------------------ */
/* Running one case                                                    */
/* ------------------------------------------------------------------ */

/*
 * Winograd computes the same sum through transforms whose constants (up to 8
 * in F(4x4,3x3)'s output transform) amplify rounding beyond the direct sum's
 * gamma bound; its own accuracy is tested in test-winograd against a bound
 * derived from the transforms. Here, when AUTO picks it, the direct bound is
 * widened by this documented factor rather than skipped.
 */
static const double winograd_widen = 64.0;

/* Largest error/bound ratio seen per family, printed so a bound that is
   far looser than the kernels need is visible. */
static double worst_ratio[4];

static void compare(const conv_case *c, const float *y, int family, double widen,
                    const char *what)
{
    int64_t worst = 0, bad = 0;
    for (int64_t i = 0; i < c->out_n; i++) {
        double bound = widen * ref_conv_bound(&c->d, c->ref_act[i], c->ref_pre[i], c->ref_abs[i]);
        double err = fabs((double)y[i] - c->ref_act[i]);
        if (family >= 0 && bound > 0 && err / bound > worst_ratio[family])
            worst_ratio[family] = err / bound;
        if (!(err <= bound)) {
            if (bad == 0)
                worst = i;
            bad++;
        }
    }
    if (!tc_check(bad == 0, "%s: %lld of %lld outputs outside the bound: %s", what,
                  (long long)bad, (long long)c->out_n, c->label)) {
        int64_t i = worst;
        printf("      first at %lld: got %.9g, ref %.12g (pre %.12g), |err| %.3g, bound %.3g\n",
               (long long)i, (double)y[i], c->ref_act[i], c->ref_pre[i],
               fabs((double)y[i] - c->ref_act[i]),
               widen * ref_conv_bound(&c->d, c->ref_act[i], c->ref_pre[i], c->ref_abs[i]));
    }
}

static void run_case(const conv_case *c, sc_conv_algo algo, sc_isa cap)
{
    char what[64];
    snprintf(what, sizeof what, "%s/cap %s", algo_names[algo], sc_isa_name(cap));
    sc_conv2d_options opt;
    memset(&opt, 0, sizeof opt);
    opt.algo = algo;
    opt.num_threads = c->threads;

    /* Every user pointer one float past a malloc boundary (no alignment is
       required), and the weight and bias overwritten right after create:
       the caller may free them then, so the plan must hold its own copy. */
    float *w_buf = malloc((size_t)(c->w_n + 1) * sizeof(float));
    float *b_buf = malloc((size_t)(c->d.out_channels + 1) * sizeof(float));
    memcpy(w_buf + 1, c->w, (size_t)c->w_n * sizeof(float));
    memcpy(b_buf + 1, c->b, (size_t)c->d.out_channels * sizeof(float));
    sc_conv2d_plan *plan = NULL;
    sc_status st =
        sc_conv2d_plan_create(&c->d, w_buf + 1, c->has_bias ? b_buf + 1 : NULL, &opt, &plan);
    for (int64_t i = 0; i <= c->w_n; i++)
        w_buf[i] = NAN;
    for (int64_t i = 0; i <= c->d.out_channels; i++)
        b_buf[i] = NAN;
    free(w_buf);
    free(b_buf);
    if (!tc_check(st == SC_OK && plan, "%s: plan_create -> %s (%s): %s", what,
                  sc_status_string(st), sc_last_error(), c->label))
        return;
    const char *desc = sc_conv2d_plan_describe(plan);
    int family = check_describe(c, algo, cap, desc);
    double widen = family == SC_CONV_WINOGRAD ? winograd_widen : 1.0;

    float *in_buf = malloc((size_t)(c->in_n + 1) * sizeof(float));
    float *in_copy = in_buf + 1;
    float *out_buf = tc_alloc_guarded(c->out_n + 1);
    float *out = out_buf + 1; /* out_buf[0] guards the front */
    memcpy(in_copy, c->in, (size_t)c->in_n * sizeof(float));
    st = sc_conv2d_run(plan, in_copy, out);
    tc_check(st == SC_OK, "%s: run -> %s: %s", what, sc_status_string(st), c->label);
    tc_check(tc_guard_intact(out, c->out_n) && tc_untouched(out_buf, 1),
             "%s: run wrote outside the output: %s", what, c->label);
    tc_check(memcmp(in_copy, c->in, (size_t)c->in_n * sizeof(float)) == 0,
             "%s: run modified its input: %s", what, c->label);
    compare(c, out, family, widen, what);

    /* Caller workspace of exactly the advertised size, one byte off any
       alignment, with a guard band after it. */
    size_t ws = sc_conv2d_workspace_size(plan);
    const size_t guard = 64;
    unsigned char *raw = malloc(ws + 1 + guard);
    /* 0xFF bytes are NaN floats: a stale workspace value an executor reads as
       data shows in the output */
    memset(raw, 0xFF, ws + 1 + guard);
    float *out2 = tc_alloc_guarded(c->out_n);
    st = sc_conv2d_run_with_workspace(plan, in_copy, out2, raw + 1);
    tc_check(st == SC_OK, "%s: run_with_workspace(%zu bytes) -> %s: %s", what, ws,
             sc_status_string(st), c->label);
    int guard_ok = raw[0] == 0xFF;
    for (size_t i = 0; i < guard; i++)
        guard_ok &= raw[1 + ws + i] == 0xFF;
    tc_check(guard_ok, "%s: run_with_workspace wrote outside its %zu-byte workspace: %s", what,
             ws, c->label);
    tc_check(tc_guard_intact(out2, c->out_n), "%s: run_with_workspace wrote past the output: %s",
             what, c->label);
    tc_check(memcmp(out, out2, (size_t)c->out_n * sizeof(float)) == 0,
             "%s: run_with_workspace differs bitwise from run: %s", what, c->label);

    sc_conv2d_plan_destroy(plan);
    free(raw);
    free(in_buf);
    tc_free(out_buf);
    tc_free(out2);
}

/* A non-finite weight over zero padding gives NaN (inf * 0), as in PyTorch's
   sums: routes that skip the taps a pixel reads only over padding must not
   skip this. 5x5 48 -> 40 on 7x7 (the KxK transposed route under every
   cap), all inputs 1, weight (0, 0, 0, 0) infinite: output channel 0 is NaN
   where that tap reads padding (row or column under 2), +inf elsewhere; the
   other channels stay finite. */
static void test_nonfinite_weight(const sc_isa *isas, int n_isa)
{
    sc_conv2d_desc d;
    sc_conv2d_desc_init(&d, 1, 48, 7, 7, 40, 5, 5);
    d.pad_h = d.pad_w = 2;
    const int64_t wn = 40 * 48 * 25, on = 40 * 49;
    float *w = malloc((size_t)wn * sizeof(float)), *in = malloc(48 * 49 * sizeof(float));
    float *out = malloc((size_t)on * sizeof(float));
    for (int64_t i = 0; i < wn; i++)
        w[i] = 0.01f;
    w[0] = INFINITY;
    for (int64_t i = 0; i < 48 * 49; i++)
        in[i] = 1.0f;
    const sc_conv_algo algos[] = {SC_CONV_DIRECT, SC_CONV_IM2COL, SC_CONV_AUTO};
    for (int ii = 0; ii < n_isa; ii++) {
        sc_isa_limit(isas[ii]);
        for (int a = 0; a < 3; a++) {
            sc_conv2d_options opt;
            memset(&opt, 0, sizeof opt);
            opt.algo = algos[a];
            sc_conv2d_plan *plan = NULL;
            if (!tc_check(sc_conv2d_plan_create(&d, w, NULL, &opt, &plan) == SC_OK,
                          "non-finite weight: create: %s", sc_last_error()))
                continue;
            const char *desc = sc_conv2d_plan_describe(plan);
            tc_check(algos[a] == SC_CONV_DIRECT || strncmp(desc, "im2col_kt_", 10) == 0,
                     "non-finite weight: %s under cap %s ran '%s', not the KxK transposed route",
                     algo_names[algos[a]], sc_isa_name(isas[ii]), desc);
            tc_check(sc_conv2d_run(plan, in, out) == SC_OK, "non-finite weight: run");
            int64_t bad = 0;
            for (int64_t oc = 0; oc < 40; oc++)
                for (int64_t px = 0; px < 49; px++) {
                    const float y = out[oc * 49 + px];
                    if (oc > 0)
                        bad += !isfinite(y);
                    else if (px / 7 < 2 || px % 7 < 2)
                        bad += !isnan(y);
                    else
                        bad += !(isinf(y) && y > 0);
                }
            tc_check(bad == 0, "non-finite weight: %s (%s): %lld outputs are not NaN over the "
                               "padding, +inf inside, finite elsewhere",
                     algo_names[algos[a]], desc, (long long)bad);
            sc_conv2d_plan_destroy(plan);
        }
    }
    sc_isa_limit(sc_isa_detected());
    free(w);
    free(in);
    free(out);
}

int main(void)
{
    check_lipschitz_constants();

    tc_rng rng;
    tc_rng_seed(&rng, 20240531);
    int n_random = (int)(400 * tc_scale());
    if (n_random < 10)
        n_random = 10;
    int cap_cases = n_random + 32;
    conv_case *cases = calloc((size_t)cap_cases, sizeof *cases);
    int n = 0;
    for (int i = 0; n < cap_cases; i++) {
        conv_case c;
        memset(&c, 0, sizeof c);
        if (!fixed_case(i, &c))
            break;
        if (!tc_check(finish_case(&c, &rng), "fixed case %d is not a valid request", i))
            continue;
        cases[n++] = c;
    }
    const int64_t budget = 3000000; /* multiply-adds per case, keeps qemu runs short */
    while (n < cap_cases && n_random > 0) {
        conv_case c;
        memset(&c, 0, sizeof c);
        random_desc(&rng, &c);
        int64_t ho, wo;
        if (ref_conv_output_size(&c.d, &ho, &wo) != 0 || !ref_conv_pads_legal(&c.d))
            continue;
        int64_t macs = c.d.batch * c.d.out_channels * ho * wo *
                       (c.d.in_channels / c.d.groups) * c.d.kernel_h * c.d.kernel_w;
        if (macs > budget)
            continue;
        finish_case(&c, &rng);
        cases[n++] = c;
        n_random--;
    }

    /* every padding mode, padding_same, activation and bias choice occurs */
    int seen_mode[4] = {0}, seen_act[9] = {0}, seen_same = 0, seen_nobias = 0, seen_dw = 0;
    for (int i = 0; i < n; i++) {
        seen_mode[cases[i].d.padding_mode]++;
        seen_act[cases[i].d.activation]++;
        seen_same += cases[i].d.padding_same;
        seen_nobias += !cases[i].has_bias;
        seen_dw += cases[i].d.groups > 1 && cases[i].d.groups == cases[i].d.in_channels;
    }
    int all_seen = seen_same && seen_nobias && seen_dw;
    for (int i = 0; i < 4; i++)
        all_seen &= seen_mode[i] > 0;
    for (int i = 0; i < 9; i++)
        all_seen &= seen_act[i] > 0;
    tc_check(all_seen, "case mix lacks a padding mode, activation, padding_same, depthwise or "
                       "no-bias case");

    sc_isa isas[4];
    int n_isa = tc_available_isas(isas);
    tc_check(n_isa >= 1 && isas[0] == SC_ISA_SCALAR, "scalar must always be available");
    const sc_conv_algo algos[] = {SC_CONV_DIRECT, SC_CONV_IM2COL, SC_CONV_AUTO};
    for (int ii = 0; ii < n_isa; ii++) {
        if (!tc_check(sc_isa_limit(isas[ii]) == SC_OK, "sc_isa_limit(%s)",
                      sc_isa_name(isas[ii])))
            continue;
        for (int a = 0; a < 3; a++)
            for (int i = 0; i < n; i++)
                run_case(&cases[i], algos[a], isas[ii]);
    }
    sc_isa_limit(sc_isa_detected());
    test_nonfinite_weight(isas, n_isa);
    tc_check(used_1x1_path > 0, "no plan took the 1x1 GEMM path (im2col_1x1_...)");
    for (int ii = 0; ii < n_isa; ii++)
        tc_check(used_1x1t_cap[isas[ii]] > 0,
                 "no plan under cap %s took the transposed 1x1 GEMM path (im2col_1x1t_...)",
                 sc_isa_name(isas[ii]));
    for (int ii = 0; ii < n_isa; ii++)
        tc_check(used_kt_cap[isas[ii]] > 0,
                 "no plan under cap %s took the transposed KxK GEMM path (im2col_kt_...)",
                 sc_isa_name(isas[ii]));
    tc_check(used_indirect > 0, "no plan took the indirect GEMM path (im2col_igemm_...)");
    tc_check(used_packed > 0, "no plan took the packed im2col path (im2col_gemm_...)");
    /* (the scalar ISA has no depthwise kernel) */
    tc_check(used_depthwise > 0 || !first_depthwise(sc_isa_detected()),
             "no plan took the depthwise channels-in-lanes route");
    printf("test-conv: %d cases x %d algos x %d ISAs; im2col runs: %ld 1x1, %ld 1x1 transposed, "
           "%ld KxK transposed, %ld indirect, %ld packed; %ld on Winograd (AUTO); %ld "
           "depthwise\n",
           n, 3, n_isa, used_1x1_path, used_1x1t, used_kt, used_indirect, used_packed, used_winograd,
           used_depthwise);
    printf("test-conv: largest error/bound: direct %.3f, im2col %.3f, winograd %.3f (of the "
           "widened bound)\n",
           worst_ratio[SC_CONV_DIRECT], worst_ratio[SC_CONV_IM2COL],
           worst_ratio[SC_CONV_WINOGRAD]);

    for (int i = 0; i < n; i++)
        free_case(&cases[i]);
    free(cases);
    return tc_summary("test-conv");
}
