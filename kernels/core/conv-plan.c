/*
 * Convolution plans: descriptor validation, geometry (padded-coordinate
 * maps), the one algorithm-choice rule, and the run entry points. The
 * algorithms themselves live in conv-direct.c, conv-im2col.c and
 * conv-winograd.c behind sc_conv_algo_impl.
 */
#include <stdio.h>
#include <string.h>

#include "conv.h"

void sc_conv2d_desc_init(sc_conv2d_desc *d, int64_t batch, int64_t in_channels,
                         int64_t in_height, int64_t in_width, int64_t out_channels,
                         int64_t kernel_h, int64_t kernel_w)
{
    if (!d)
        return;
    memset(d, 0, sizeof *d);
    d->batch = batch;
    d->in_channels = in_channels;
    d->in_height = in_height;
    d->in_width = in_width;
    d->out_channels = out_channels;
    d->kernel_h = kernel_h;
    d->kernel_w = kernel_w;
    d->stride_h = d->stride_w = 1;
    d->dilation_h = d->dilation_w = 1;
    d->groups = 1;
    d->padding_mode = SC_PAD_ZEROS;
    d->activation = SC_ACT_NONE;
}

static const char *sc_pad_mode_name(sc_padding_mode m)
{
    switch (m) {
    case SC_PAD_ZEROS: return "zeros";
    case SC_PAD_REFLECT: return "reflect";
    case SC_PAD_REPLICATE: return "replicate";
    case SC_PAD_CIRCULAR: return "circular";
    }
    return "?";
}

#define SC_CHECK_MIN(field, min)                                                               \
    do {                                                                                       \
        if (d->field < (min))                                                                  \
            return sc_fail(SC_INVALID_ARGUMENT, "conv2d: " #field "=%lld must be >= %d",       \
                           (long long)d->field, (int)(min));                                   \
    } while (0)

/* One spatial dimension: padding from the descriptor, padding-mode rule,
   output size with a true floor. */
static sc_status sc_conv_dim(const sc_conv2d_desc *d, const char *axis, int64_t in, int64_t k,
                             int64_t stride, int64_t pad, int64_t dil, int64_t *pad_lo,
                             int64_t *pad_hi, int64_t *out)
{
    int64_t span; /* dilation*(k-1) */
    if (!sc_mul_i64(dil, k - 1, &span))
        return sc_fail(SC_INVALID_ARGUMENT, "conv2d: dilation_%s*(kernel_%s-1) overflows", axis,
                       axis);
    if (d->padding_same) {
        *pad_lo = span / 2;
        *pad_hi = span - *pad_lo;
    } else {
        *pad_lo = *pad_hi = pad;
    }
    const int64_t biggest = *pad_lo > *pad_hi ? *pad_lo : *pad_hi;
    if (d->padding_mode == SC_PAD_REFLECT && biggest >= in)
        return sc_fail(SC_INVALID_ARGUMENT,
                       "conv2d: reflect padding pad_%s=%lld must be < in_%s=%lld", axis,
                       (long long)biggest, axis[0] == 'h' ? "height" : "width", (long long)in);
    if (d->padding_mode == SC_PAD_CIRCULAR && biggest > in)
        return sc_fail(SC_INVALID_ARGUMENT,
                       "conv2d: circular padding pad_%s=%lld must be <= in_%s=%lld", axis,
                       (long long)biggest, axis[0] == 'h' ? "height" : "width", (long long)in);
    int64_t num;
    if (!sc_add_i64(in, *pad_lo, &num) || !sc_add_i64(num, *pad_hi, &num))
        return sc_fail(SC_INVALID_ARGUMENT, "conv2d: in_%s + 2*pad_%s overflows",
                       axis[0] == 'h' ? "height" : "width", axis);
    num = num - span - 1;
    if (num < 0)
        return sc_fail(SC_INVALID_ARGUMENT,
                       "conv2d: output %s would be < 1 (padded input %lld smaller than the "
                       "dilated kernel_%s extent %lld)",
                       axis[0] == 'h' ? "height" : "width", (long long)(num + span + 1), axis,
                       (long long)(span + 1));
    *out = num / stride + 1;
    return SC_OK;
}

/* Validates the descriptor and fills the scalar part of the geometry (no maps). */
static sc_status sc_conv_validate(const sc_conv2d_desc *d, sc_conv_geom *g)
{
    if (!d)
        return sc_fail(SC_INVALID_ARGUMENT, "conv2d: desc is NULL");
    SC_CHECK_MIN(batch, 1);
    SC_CHECK_MIN(in_channels, 1);
    SC_CHECK_MIN(in_height, 1);
    SC_CHECK_MIN(in_width, 1);
    SC_CHECK_MIN(out_channels, 1);
    SC_CHECK_MIN(kernel_h, 1);
    SC_CHECK_MIN(kernel_w, 1);
    SC_CHECK_MIN(stride_h, 1);
    SC_CHECK_MIN(stride_w, 1);
    SC_CHECK_MIN(dilation_h, 1);
    SC_CHECK_MIN(dilation_w, 1);
    SC_CHECK_MIN(groups, 1);
    if (!d->padding_same) {
        SC_CHECK_MIN(pad_h, 0);
        SC_CHECK_MIN(pad_w, 0);
    } else if (d->stride_h != 1 || d->stride_w != 1) {
        return sc_fail(SC_INVALID_ARGUMENT,
                       "conv2d: padding_same=%d needs stride 1, got stride_h=%lld stride_w=%lld",
                       d->padding_same, (long long)d->stride_h, (long long)d->stride_w);
    }
    if (d->in_channels % d->groups != 0)
        return sc_fail(SC_INVALID_ARGUMENT, "conv2d: groups=%lld does not divide in_channels=%lld",
                       (long long)d->groups, (long long)d->in_channels);
    if (d->out_channels % d->groups != 0)
        return sc_fail(SC_INVALID_ARGUMENT,
                       "conv2d: groups=%lld does not divide out_channels=%lld",
                       (long long)d->groups, (long long)d->out_channels);
    if ((int)d->padding_mode < (int)SC_PAD_ZEROS || (int)d->padding_mode > (int)SC_PAD_CIRCULAR)
        return sc_fail(SC_INVALID_ARGUMENT, "conv2d: padding_mode=%d is not an sc_padding_mode",
                       (int)d->padding_mode);
    if ((int)d->activation < (int)SC_ACT_NONE || (int)d->activation > (int)SC_ACT_MISH)
        return sc_fail(SC_INVALID_ARGUMENT, "conv2d: activation=%d is not an sc_activation",
                       (int)d->activation);

    memset(g, 0, sizeof *g);
    sc_status s;
    s = sc_conv_dim(d, "h", d->in_height, d->kernel_h, d->stride_h, d->pad_h, d->dilation_h,
                    &g->pad_top, &g->pad_bottom, &g->ho);
    if (s != SC_OK)
        return s;
    s = sc_conv_dim(d, "w", d->in_width, d->kernel_w, d->stride_w, d->pad_w, d->dilation_w,
                    &g->pad_left, &g->pad_right, &g->wo);
    if (s != SC_OK)
        return s;

    /* Every tensor's size in bytes must fit int64_t. */
    int64_t bytes;
    const int64_t in_f[] = {d->batch, d->in_channels, d->in_height, d->in_width, 4};
    if (!sc_prod_i64(&bytes, 5, in_f))
        return sc_fail(SC_INVALID_ARGUMENT,
                       "conv2d: input size batch*in_channels*in_height*in_width*4 overflows "
                       "int64 (batch=%lld in_channels=%lld in_height=%lld in_width=%lld)",
                       (long long)d->batch, (long long)d->in_channels,
                       (long long)d->in_height, (long long)d->in_width);
    const int64_t out_f[] = {d->batch, d->out_channels, g->ho, g->wo, 4};
    if (!sc_prod_i64(&bytes, 5, out_f))
        return sc_fail(SC_INVALID_ARGUMENT,
                       "conv2d: output size batch*out_channels*%lld*%lld*4 overflows int64 "
                       "(batch=%lld out_channels=%lld)",
                       (long long)g->ho, (long long)g->wo, (long long)d->batch,
                       (long long)d->out_channels);
    const int64_t w_f[] = {d->out_channels, d->in_channels / d->groups, d->kernel_h,
                           d->kernel_w, 4};
    if (!sc_prod_i64(&bytes, 5, w_f))
        return sc_fail(SC_INVALID_ARGUMENT,
                       "conv2d: weight size out_channels*in_channels/groups*kernel_h*kernel_w*4 "
                       "overflows int64 (kernel_h=%lld kernel_w=%lld)",
                       (long long)d->kernel_h, (long long)d->kernel_w);

    g->n = d->batch;
    g->cin = d->in_channels;
    g->h = d->in_height;
    g->w = d->in_width;
    g->cout = d->out_channels;
    g->kh = d->kernel_h;
    g->kw = d->kernel_w;
    g->sh = d->stride_h;
    g->sw = d->stride_w;
    g->dh = d->dilation_h;
    g->dw = d->dilation_w;
    g->groups = d->groups;
    g->cin_g = d->in_channels / d->groups;
    g->cout_g = d->out_channels / d->groups;
    g->padding_mode = d->padding_mode;
    g->act = d->activation;
    return SC_OK;
}

sc_status sc_conv2d_output_size(const sc_conv2d_desc *d, int64_t *out_height, int64_t *out_width)
{
    sc_conv_geom g;
    sc_status s = sc_conv_validate(d, &g);
    if (s != SC_OK)
        return s;
    if (!out_height || !out_width)
        return sc_fail(SC_INVALID_ARGUMENT, "conv2d_output_size: out_height/out_width is NULL");
    *out_height = g.ho;
    *out_width = g.wo;
    return SC_OK;
}

/* Input coordinate read by padded coordinate r (pad_lo rows before the
   input), or -1 for a zero. Validation guarantees one reflection or wrap. */
static int64_t sc_map_coord(int64_t r, int64_t pad_lo, int64_t n, sc_padding_mode mode)
{
    int64_t i = r - pad_lo;
    if (i >= 0 && i < n)
        return i;
    switch (mode) {
    case SC_PAD_ZEROS: return -1;
    case SC_PAD_REFLECT: return i < 0 ? -i : 2 * (n - 1) - i;
    case SC_PAD_REPLICATE: return i < 0 ? 0 : n - 1;
    case SC_PAD_CIRCULAR: return i < 0 ? i + n : i - n;
    }
    return -1;
}

static sc_status sc_conv_build_maps(sc_conv2d_plan *p)
{
    sc_conv_geom *g = &p->g;
    /* Only the padded extent the taps reach needs a map entry. */
    g->hp = (g->ho - 1) * g->sh + (g->kh - 1) * g->dh + 1;
    g->wp = (g->wo - 1) * g->sw + (g->kw - 1) * g->dw + 1;
    int64_t total;
    if (!sc_add_i64(g->hp, g->wp, &total) || total > (int64_t)(SIZE_MAX / sizeof(int64_t)))
        return sc_fail(SC_OUT_OF_MEMORY, "conv2d: padded extent %lld x %lld too large",
                       (long long)g->hp, (long long)g->wp);
    p->maps = sc_malloc((size_t)total * sizeof(int64_t));
    if (!p->maps)
        return sc_fail(SC_OUT_OF_MEMORY, "conv2d: out of memory for padding maps");
    for (int64_t r = 0; r < g->hp; r++)
        p->maps[r] = sc_map_coord(r, g->pad_top, g->h, g->padding_mode);
    for (int64_t c = 0; c < g->wp; c++)
        p->maps[g->hp + c] = sc_map_coord(c, g->pad_left, g->w, g->padding_mode);
    g->row_src = p->maps;
    g->col_src = p->maps + g->hp;
    sc_interior_range(g->h, g->ho, g->pad_top, g->sh, (g->kh - 1) * g->dh, &g->oh_lo, &g->oh_hi);
    sc_interior_range(g->w, g->wo, g->pad_left, g->sw, (g->kw - 1) * g->dw, &g->ow_lo,
                      &g->ow_hi);
    return SC_OK;
}

/*
 * SC_CONV_AUTO, the one rule, candidates best first. The thresholds and the
 * measurements behind them are in the README ("How SC_CONV_AUTO chooses");
 * the comments below give only the reasons.
 *   1. Winograd where it serves the shape and the transform-domain GEMMs
 *      have enough channels to repay the transforms.
 *   2. im2col+GEMM where the reduction and the output channels fill a GEMM
 *      tile; the vector direct kernel wins below.
 *   3. direct otherwise (depthwise, tiny channel counts), and as the last
 *      resort whenever a better candidate has no kernel.
 * Returns NULL when the candidate passes the rule, else the reason.
 */
static const char *sc_auto_rule(const sc_conv_geom *g, sc_conv_algo a, int winograd_tile,
                                sc_isa isa)
{
    /* floats per vector: how much faster than memory the GEMMs run */
    const int64_t lanes = isa == SC_ISA_AVX512 ? 16 : isa == SC_ISA_AVX2 ? 8
                                                   : isa == SC_ISA_NEON  ? 4
                                                                         : 1;
    switch (a) {
    case SC_CONV_WINOGRAD: {
        int64_t fh, fw, r;
        if (!sc_wino_plain_r(g) && sc_wino_poly_factors(g, winograd_tile, &fh, &fw, &r)) {
            /* Stride phases as channels (conv-winograd-poly.c): it needs
               enough of them for the GEMMs, few zero taps, and phase outputs
               large enough for the tiles (see the README). F(3x3, 4x4) on
               the input's own phases (7x7/2 stems) already wins from 12
               phase channels on large images: against im2col's 147-deep
               GEMM it does a quarter of the multiplies. */
            const int64_t qh = g->sh * fh, qw = g->sw * fw;
            const int64_t hoq = (g->ho + fh - 1) / fh, woq = (g->wo + fw - 1) / fw;
            const int64_t phases = g->cin_g * qh * qw;
            const int stem = r == 4 && fh * fw == 1 && phases >= 12 && g->cout_g >= 16 &&
                             hoq >= 48 && woq >= 48;
            if (phases < 32 && !stem)
                return "cin/groups * stride phases < 32 (12 for 4x4 phases at 48x48 outputs "
                       "with 16 cout/groups)";
            if (2 * r * r * qh * qw > 3 * g->kh * g->kw)
                return "phase kernels with over 1.5x the taps of the kernel";
            if (hoq < 8 || woq < 8)
                return "phase outputs under 8x8";
            /* 3x3 phases with two output phases (5x5/1; the strided ones,
               7x7/2 to 10x10/2, fail the taps rule above) on phase outputs
               of 9-11 (Ho 17-22): F(4x4)'s tiles cover them with up to 1.8x
               waste, and F(2x2) saves too few multiplies on 4 phase kernels
               (1 thread, Winograd / im2col: AVX-512 5x5 at 17x17 1.19-1.40
               for 16-256 channels, at 21x21 1.19-2.06, at 28x28 0.93-1.17;
               AVX2 at 17x17 1.12-1.20, at 21x21 0.95-1.18). */
            const int64_t hmin = hoq < woq ? hoq : woq;
            if (r == 3 && fh * fw > 1 && hmin < (lanes >= 16 ? 12 : lanes >= 8 ? 10 : 8))
                return "5x5-like phases with phase outputs under 12x12 (10x10 on AVX2)";
            /* Its transformed weights are up to (F(4x4)'s 36 positions)
               36 fh fw qh qw / (kh kw) times the layer's (23x for 5x5):
               151 MB for 256 channels, which still ran 0.58 of im2col's
               time; cap them so 512 channels do not take 604 MB. */
            const double u_bytes = 36.0 * (double)(fh * fw * qh * qw) * (double)g->cout *
                                   (double)g->cin_g * sizeof(float);
            if (u_bytes > 256.0 * 1024 * 1024)
                return "transformed phase weights over 256 MiB";
            /* Each image streams the whole U, once per tile block. Past the
               L2 that costs more than im2col's multiplies where too few of
               those (KH KW Ho Wo per weight pair) come per byte of U, the
               sooner the wider the vectors: KH KW Ho Wo / (144 f_h f_w S_h
               S_w) under 7 on AVX-512, 3.5 on AVX2. 7x7/1 on 17x17 outputs
               has 6.15 (1 thread, Winograd / im2col: AVX-512 32 channels,
               2.4 MB of U, 0.88; 64 channels, 9.4 MB, 1.03; 96 1.28; 160
               1.44; AVX2, 16-96 channels, 0.65-0.74), on 21x21 8.8 (AVX-512
               0.65-0.99). NEON's 1.75 and scalar's 0.44 follow the lanes,
               unmeasured. */
            const double macs_per_byte = (double)(g->kh * g->kw * g->ho * g->wo) /
                                         (144.0 * (double)(fh * fw * qh * qw));
            if (u_bytes > 4.0 * 1024 * 1024 && 16.0 * macs_per_byte < 7.0 * (double)lanes)
                return "transformed phase weights over 4 MiB with under 7/16 direct multiplies "
                       "per byte and lane";
            return g->cout_g < 2 ? "cout/groups < 2" : NULL;
        }
        if (g->cin_g < 16)
            return "cin/groups < 16";
        if (g->cout_g < 2)
            return "cout/groups < 2";
        /* Every tile block streams the whole U (alpha^2 cin_g cout floats,
           16 of them per weight pair at the least, F(2x2)); past what the
           caches keep it streams from memory, where its 16/9 or 36/9 times
           the weights cost more than the multiplies saved (AVX-512, 1
           thread: 1024 -> 1024 3x3 at 7x7 9.26 ms against im2col's 7.52, at
           14x14 25.5 against 23.6; 768 at 7x7, 38 MB of U: 2.60 against
           3.37). */
        if (16.0 * (double)g->cin_g * (double)g->cout * sizeof(float) > 48.0 * 1024 * 1024)
            return "transformed weights over 48 MiB (16 * cin/groups * cout floats)";
        /* Dilated: the phase split and interleave cost a pass each, and each
           phase is a small image (see the README). */
        const int64_t ph = (g->ho + g->dh - 1) / g->dh, pw = (g->wo + g->dw - 1) / g->dw;
        const int64_t phase = ph < pw ? ph : pw;
        if ((g->dh > 1 || g->dw > 1) && g->cin_g < 32)
            return "dilated with cin/groups < 32";
        if ((g->dh > 1 || g->dw > 1) && phase < (g->cin_g >= 128 ? 7 : 8))
            return "dilated with phase outputs under 8x8 (7x7 from 128 cin/groups)";
        return NULL;
    }
    case SC_CONV_IM2COL: {
        /* 1x1 stride-1 unpadded layers read B in place, with no packing to
           repay: from 8 input channels they beat the direct kernel's flat
           loop (AVX2, 56x56: 8 -> 32 0.028 against 0.036 ms, 8 -> 64 0.059
           against 0.073; 4 -> 32 ties, 3 -> 16 at 112x112 loses, 0.042
           against 0.034). */
        if (g->cin_g * g->kh * g->kw < (sc_conv_pointwise(g) ? 8 : 16))
            return "cin/groups*KH*KW < 16 (1x1 stride-1 unpadded: < 8)";
        if (g->kh * g->kw == 1 ? g->cout_g < 4 : g->cout_g < (g->cin_g > 1 ? 3 : 5))
            return "too few output channels per group for a GEMM tile (cout/groups < 3, "
                   "< 5 with one input channel per group, 1x1: < 4)";
        return NULL;
    }
    default:
        return NULL;
    }
}

static const sc_conv_algo_impl *const sc_conv_ranked[] = {
    &sc_conv_winograd_impl, &sc_conv_im2col_t_impl, &sc_conv_im2col_impl,
    &sc_conv_depthwise_impl, &sc_conv_direct_impl};

static const char *sc_algo_name(sc_conv_algo a)
{
    switch (a) {
    case SC_CONV_AUTO: return "auto";
    case SC_CONV_DIRECT: return "direct";
    case SC_CONV_IM2COL: return "im2col";
    case SC_CONV_WINOGRAD: return "winograd";
    }
    return "?";
}

static void sc_conv_verbose(const sc_conv2d_plan *p, const char *rejected)
{
    const sc_conv_geom *g = &p->g;
    fprintf(stderr,
            "simdconv: conv2d N=%lld C=%lld %lldx%lld -> K=%lld %lldx%lld kernel %lldx%lld "
            "stride %lldx%lld pad %lld,%lld,%lld,%lld(%s) dilation %lldx%lld groups %lld act %d "
            "threads %d: %s%s%s\n",
            (long long)g->n, (long long)g->cin, (long long)g->h, (long long)g->w,
            (long long)g->cout, (long long)g->ho, (long long)g->wo, (long long)g->kh,
            (long long)g->kw, (long long)g->sh, (long long)g->sw, (long long)g->pad_top,
            (long long)g->pad_bottom, (long long)g->pad_left, (long long)g->pad_right,
            sc_pad_mode_name(g->padding_mode), (long long)g->dh, (long long)g->dw,
            (long long)g->groups, (int)g->act, p->nthreads, p->describe,
            rejected[0] ? "; rejected: " : "", rejected);
}

static void sc_append(char *buf, size_t size, const char *fmt1, const char *a, const char *b)
{
    size_t len = strlen(buf);
    if (len < size)
        snprintf(buf + len, size - len, fmt1, a, b);
}

void sc_conv2d_plan_destroy(sc_conv2d_plan *p)
{
    if (!p)
        return;
    if (p->impl && p->impl->destroy)
        p->impl->destroy(p);
    sc_free(p->bias);
    sc_free(p->maps);
    sc_free(p);
}

sc_status sc_conv2d_plan_create(const sc_conv2d_desc *d, const float *weight, const float *bias,
                                const sc_conv2d_options *options, sc_conv2d_plan **plan)
{
    sc_conv_geom g;
    sc_status s = sc_conv_validate(d, &g);
    if (s != SC_OK)
        return s;
    sc_conv2d_options opt = {SC_CONV_AUTO, 0, 0};
    if (options)
        opt = *options;
    if ((int)opt.algo < (int)SC_CONV_AUTO || (int)opt.algo > (int)SC_CONV_WINOGRAD)
        return sc_fail(SC_INVALID_ARGUMENT, "conv2d: algo=%d is not an sc_conv_algo",
                       (int)opt.algo);
    if (opt.num_threads < 0)
        return sc_fail(SC_INVALID_ARGUMENT, "conv2d: num_threads=%d must be >= 0",
                       opt.num_threads);
    if (opt.winograd_tile < 0 || opt.winograd_tile > 4 || opt.winograd_tile == 1)
        return sc_fail(SC_INVALID_ARGUMENT, "conv2d: winograd_tile=%d must be 0, 2, 3 or 4",
                       opt.winograd_tile);
    if (!weight)
        return sc_fail(SC_INVALID_ARGUMENT, "conv2d: weight is NULL");
    if (!plan)
        return sc_fail(SC_INVALID_ARGUMENT, "conv2d: plan is NULL");

    sc_conv2d_plan *p = sc_calloc(sizeof *p);
    if (!p)
        return sc_fail(SC_OUT_OF_MEMORY, "conv2d: out of memory for the plan");
    p->g = g;
    p->nthreads = sc_threads_for_plan(opt.num_threads);
    /* A thread must get enough work to repay waking it (about 10 us of
       fork/join against ~1 MFLOP); the split never changes an output's
       summation order, so fewer threads give the same bits. */
    const double mflops = 2.0 * (double)g.n * (double)g.cout * (double)g.ho * (double)g.wo *
                          (double)g.cin_g * (double)g.kh * (double)g.kw / (double)(1 << 20);
    p->useful_threads = mflops >= (double)INT32_MAX ? INT32_MAX : (int64_t)mflops + 1;
    p->winograd_tile = opt.winograd_tile;
    p->active = sc_isa_active();
    p->epilogue = sc_epilogue_for(p->active);
    s = sc_conv_build_maps(p);
    if (s != SC_OK)
        goto fail;
    p->bias = sc_calloc((size_t)g.cout * sizeof(float));
    if (!p->bias) {
        s = sc_fail(SC_OUT_OF_MEMORY, "conv2d: out of memory for the bias");
        goto fail;
    }
    p->has_bias = bias != NULL;
    if (bias)
        memcpy(p->bias, bias, (size_t)g.cout * sizeof(float));

    char rejected[512] = "";
    s = SC_UNSUPPORTED;
    for (size_t i = 0; i < sizeof sc_conv_ranked / sizeof sc_conv_ranked[0]; i++) {
        const sc_conv_algo_impl *impl = sc_conv_ranked[i];
        if (opt.algo != SC_CONV_AUTO && impl->algo != opt.algo)
            continue;
        const char *why = NULL;
        if (opt.algo == SC_CONV_AUTO)
            why = sc_auto_rule(&p->g, impl->algo, p->winograd_tile, p->active);
        if (!why) {
            s = impl->create(p, weight, &why);
            if (s == SC_OK) {
                p->impl = impl;
                break;
            }
            /* create may have allocated before it gave up */
            if (impl->destroy)
                impl->destroy(p);
            p->state = NULL;
            if (s != SC_UNSUPPORTED)
                goto fail;
        }
        sc_append(rejected, sizeof rejected, "%s (%s) ", sc_algo_name(impl->algo),
                  why ? why : "unsupported");
        /* A forced algorithm fails only once none of its routes is left. */
        int later = 0;
        for (size_t j = i + 1; j < sizeof sc_conv_ranked / sizeof sc_conv_ranked[0]; j++)
            later |= sc_conv_ranked[j]->algo == opt.algo;
        if (opt.algo != SC_CONV_AUTO && !later) {
            s = sc_fail(SC_UNSUPPORTED, "conv2d: algo=%s cannot serve this shape: %s",
                        sc_algo_name(opt.algo), why ? why : "unsupported");
            goto fail;
        }
    }
    if (!p->impl) {
        s = sc_fail(SC_UNSUPPORTED, "conv2d: no algorithm serves this shape: %s", rejected);
        goto fail;
    }
    snprintf(p->describe, sizeof p->describe, "%s/%s", p->name, sc_isa_name(p->isa));
    if (p->isa != p->active) {
        char note[96];
        snprintf(note, sizeof note, "%s/%s (no %s kernel) ", p->name, sc_isa_name(p->active),
                 sc_isa_name(p->active));
        sc_append(rejected, sizeof rejected, "%s%s", note, "");
    }
    if (sc_verbose())
        sc_conv_verbose(p, rejected);
    *plan = p;
    return SC_OK;
fail:
    p->impl = NULL;
    sc_conv2d_plan_destroy(p);
    return s;
}

size_t sc_conv2d_workspace_size(const sc_conv2d_plan *p)
{
    if (!p || p->workspace_per_thread == 0)
        return 0;
    /* 64 bytes of slack let any caller alignment be rounded up. */
    return (size_t)p->nthreads * p->workspace_per_thread + 64;
}

static sc_status sc_conv_check_run(const sc_conv2d_plan *p, const float *in, const float *out)
{
    if (!p)
        return sc_fail(SC_INVALID_ARGUMENT, "conv2d_run: plan is NULL");
    if (!in)
        return sc_fail(SC_INVALID_ARGUMENT, "conv2d_run: input is NULL");
    if (!out)
        return sc_fail(SC_INVALID_ARGUMENT, "conv2d_run: output is NULL");
    return SC_OK;
}

sc_status sc_conv2d_run_with_workspace(const sc_conv2d_plan *p, const float *input,
                                       float *output, void *workspace)
{
    sc_status s = sc_conv_check_run(p, input, output);
    if (s != SC_OK)
        return s;
    if (!workspace && sc_conv2d_workspace_size(p) > 0)
        return sc_fail(SC_INVALID_ARGUMENT, "conv2d_run: workspace is NULL (needs %zu bytes)",
                       sc_conv2d_workspace_size(p));
    const int nt = sc_threads_for_run(p->nthreads, p->useful_threads);
    p->impl->run(p, input, output, workspace ? sc_align64(workspace) : NULL, nt);
    return SC_OK;
}

sc_status sc_conv2d_run(const sc_conv2d_plan *p, const float *input, float *output)
{
    sc_status s = sc_conv_check_run(p, input, output);
    if (s != SC_OK)
        return s;
    const size_t ws = sc_conv2d_workspace_size(p);
    void *buf = NULL;
    if (ws > 0) {
        buf = sc_malloc(ws);
        if (!buf)
            return sc_fail(SC_OUT_OF_MEMORY, "conv2d_run: out of memory for %zu bytes of workspace",
                           ws);
    }
    s = sc_conv2d_run_with_workspace(p, input, output, buf);
    sc_free(buf);
    return s;
}

const char *sc_conv2d_plan_describe(const sc_conv2d_plan *p) { return p ? p->describe : ""; }

sc_status sc_conv2d(const sc_conv2d_desc *d, const float *input, const float *weight,
                    const float *bias, float *output)
{
    sc_conv2d_plan *p = NULL;
    sc_status s = sc_conv2d_plan_create(d, weight, bias, NULL, &p);
    if (s != SC_OK)
        return s;
    s = sc_conv2d_run(p, input, output);
    sc_conv2d_plan_destroy(p);
    return s;
}
