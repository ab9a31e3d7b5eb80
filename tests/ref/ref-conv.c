#include "ref/ref-conv.h"

#include <math.h>
#include <stdlib.h>

void ref_conv_pads(const sc_conv2d_desc *d, int64_t *top, int64_t *bottom, int64_t *left,
                   int64_t *right)
{
    if (d->padding_same) {
        int64_t th = d->dilation_h * (d->kernel_h - 1);
        int64_t tw = d->dilation_w * (d->kernel_w - 1);
        *top = th / 2;
        *bottom = th - th / 2;
        *left = tw / 2;
        *right = tw - tw / 2;
    } else {
        *top = *bottom = d->pad_h;
        *left = *right = d->pad_w;
    }
}

/* floor(a / b) for b > 0, also for negative a, where C division truncates
   towards zero and would turn -1/2 into 0. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if (a % b != 0 && a < 0)
        q -= 1;
    return q;
}

/* Sizes the reference is ever asked to compute are small; anything that
   could come near int64 overflow in the formula below is rejected so the
   function stays defined for every input the API tests throw at it. */
static const int64_t ref_size_limit = (int64_t)1 << 40;

static int one_dim(int64_t size, int64_t k, int64_t s, int64_t dil, int64_t p0, int64_t p1,
                   int64_t *out)
{
    if (size < 1 || k < 1 || s < 1 || dil < 1 || p0 < 0 || p1 < 0)
        return -1;
    if (size > ref_size_limit || k > ref_size_limit || dil > ref_size_limit ||
        p0 > ref_size_limit || p1 > ref_size_limit)
        return -1;
    if (dil > ref_size_limit / k)
        return -1;
    int64_t num = size + p0 + p1 - dil * (k - 1) - 1;
    int64_t o = floor_div(num, s) + 1;
    if (o < 1)
        return -1;
    *out = o;
    return 0;
}

int ref_conv_output_size(const sc_conv2d_desc *d, int64_t *ho, int64_t *wo)
{
    int64_t t, b, l, r, h, w;
    if (d->padding_same && (d->stride_h != 1 || d->stride_w != 1))
        return -1;
    if (d->dilation_h < 1 || d->dilation_w < 1 || d->kernel_h < 1 || d->kernel_w < 1 ||
        d->dilation_h > ref_size_limit || d->dilation_w > ref_size_limit ||
        d->kernel_h > ref_size_limit || d->kernel_w > ref_size_limit)
        return -1;
    ref_conv_pads(d, &t, &b, &l, &r);
    if (one_dim(d->in_height, d->kernel_h, d->stride_h, d->dilation_h, t, b, &h) ||
        one_dim(d->in_width, d->kernel_w, d->stride_w, d->dilation_w, l, r, &w))
        return -1;
    *ho = h;
    *wo = w;
    return 0;
}

int ref_conv_pads_legal(const sc_conv2d_desc *d)
{
    int64_t t, b, l, r;
    ref_conv_pads(d, &t, &b, &l, &r);
    int64_t ph = t > b ? t : b, pw = l > r ? l : r;
    switch (d->padding_mode) {
    case SC_PAD_REFLECT:
        return ph < d->in_height && pw < d->in_width;
    case SC_PAD_CIRCULAR:
        return ph <= d->in_height && pw <= d->in_width;
    default:
        return 1;
    }
}

/* Which input index padded coordinate i (i in [-pad_before, n + pad_after))
   reads under the mode, or -1 for an implicit zero. Written from the
   definitions in torch.nn.functional.pad's documentation. */
static int64_t source_index(int64_t i, int64_t n, sc_padding_mode mode)
{
    if (i >= 0 && i < n)
        return i;
    switch (mode) {
    case SC_PAD_REFLECT: /* mirror about the edge pixel, which is not repeated */
        return i < 0 ? -i : 2 * (n - 1) - i;
    case SC_PAD_REPLICATE:
        return i < 0 ? 0 : n - 1;
    case SC_PAD_CIRCULAR:
        return ((i % n) + n) % n;
    default:
        return -1;
    }
}

static double softplus_pt(double x)
{
    /* torch.nn.functional.softplus(beta=1, threshold=20), which Mish uses */
    return x > 20.0 ? x : log1p(exp(x));
}

double ref_activation(sc_activation act, double x)
{
    switch (act) {
    case SC_ACT_NONE:
        return x;
    case SC_ACT_RELU:
        return x > 0 ? x : 0.0;
    case SC_ACT_RELU6:
        return x < 0 ? 0.0 : (x > 6 ? 6.0 : x);
    case SC_ACT_SIGMOID:
        return 1.0 / (1.0 + exp(-x));
    case SC_ACT_TANH:
        return tanh(x);
    case SC_ACT_SILU:
        return x / (1.0 + exp(-x));
    case SC_ACT_GELU:
        return 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
    case SC_ACT_GELU_TANH: {
        const double c = sqrt(2.0 / 3.14159265358979323846);
        return 0.5 * x * (1.0 + tanh(c * (x + 0.044715 * x * x * x)));
    }
    case SC_ACT_MISH:
        return x * tanh(softplus_pt(x));
    }
    return NAN;
}

/*
 * max |f'(x)| over the reals, rounded up. Found numerically (central
 * differences on a 1e-4 grid over [-40, 40], beyond which every derivative is
 * monotone towards 0 or 1) and re-checked at run time by test-conv:
 *   sigmoid 1/4 at 0; tanh 1 at 0; relu, relu6, identity 1;
 *   silu 1.09984 at x = 2.399; gelu (erf) 1.12890 at x = sqrt(2);
 *   gelu (tanh) 1.12899 at x = 1.419; mish 1.08850 at x = 1.491.
 */
double ref_activation_lipschitz(sc_activation act)
{
    switch (act) {
    case SC_ACT_SIGMOID:
        return 0.25;
    case SC_ACT_SILU:
        return 1.1;
    case SC_ACT_GELU:
    case SC_ACT_GELU_TANH:
        return 1.13;
    case SC_ACT_MISH:
        return 1.1;
    default:
        return 1.0;
    }
}

static int desc_valid(const sc_conv2d_desc *d, int64_t *ho, int64_t *wo)
{
    if (d->in_height < 1 || d->in_width < 1)
        return 0;
    if (d->batch < 1 || d->in_channels < 1 || d->out_channels < 1 || d->groups < 1)
        return 0;
    if (d->in_channels % d->groups || d->out_channels % d->groups)
        return 0;
    if ((unsigned)d->padding_mode > SC_PAD_CIRCULAR || (unsigned)d->activation > SC_ACT_MISH)
        return 0;
    if (ref_conv_output_size(d, ho, wo) != 0)
        return 0;
    return ref_conv_pads_legal(d);
}

int ref_conv_desc_valid(const sc_conv2d_desc *d)
{
    int64_t ho, wo;
    return desc_valid(d, &ho, &wo);
}

int ref_conv2d(const sc_conv2d_desc *d, const float *in, const float *w, const float *b,
               double *out_act, double *out_pre, double *abs_sum, int64_t *ho_out,
               int64_t *wo_out)
{
    int64_t ho, wo, pt, pb, pl, pr;
    if (!desc_valid(d, &ho, &wo))
        return -1;
    ref_conv_pads(d, &pt, &pb, &pl, &pr);
    const int64_t N = d->batch, C = d->in_channels, H = d->in_height, W = d->in_width;
    const int64_t K = d->out_channels, KH = d->kernel_h, KW = d->kernel_w;
    const int64_t cin_g = C / d->groups, cout_g = K / d->groups;
    const int64_t hp = H + pt + pb, wp = W + pl + pr;

    /* The whole padded input, explicitly, so the convolution below is the
       textbook valid cross-correlation of the padded tensor. */
    double *padded = malloc((size_t)(N * C * hp * wp) * sizeof(double));
    if (!padded)
        return -1;
    for (int64_t n = 0; n < N; n++)
        for (int64_t c = 0; c < C; c++) {
            const float *plane = in + (n * C + c) * H * W;
            double *pp = padded + (n * C + c) * hp * wp;
            for (int64_t r = 0; r < hp; r++) {
                int64_t sr = source_index(r - pt, H, d->padding_mode);
                for (int64_t s = 0; s < wp; s++) {
                    int64_t sc = source_index(s - pl, W, d->padding_mode);
                    pp[r * wp + s] = (sr < 0 || sc < 0) ? 0.0 : (double)plane[sr * W + sc];
                }
            }
        }

    for (int64_t n = 0; n < N; n++)
        for (int64_t k = 0; k < K; k++) {
            const int64_t grp = k / cout_g;
            const double bias = b ? (double)b[k] : 0.0;
            for (int64_t oh = 0; oh < ho; oh++)
                for (int64_t ow = 0; ow < wo; ow++) {
                    double acc = bias, mag = fabs(bias);
                    for (int64_t ci = 0; ci < cin_g; ci++) {
                        const int64_t c = grp * cin_g + ci;
                        const double *pp = padded + (n * C + c) * hp * wp;
                        const float *wk = w + (k * cin_g + ci) * KH * KW;
                        for (int64_t i = 0; i < KH; i++)
                            for (int64_t j = 0; j < KW; j++) {
                                int64_t r = oh * d->stride_h + i * d->dilation_h;
                                int64_t s = ow * d->stride_w + j * d->dilation_w;
                                double p = (double)wk[i * KW + j] * pp[r * wp + s];
                                acc += p;
                                mag += fabs(p);
                            }
                    }
                    int64_t o = ((n * K + k) * ho + oh) * wo + ow;
                    if (out_pre)
                        out_pre[o] = acc;
                    if (out_act)
                        out_act[o] = ref_activation(d->activation, acc);
                    if (abs_sum)
                        abs_sum[o] = mag;
                }
        }
    free(padded);
    if (ho_out)
        *ho_out = ho;
    if (wo_out)
        *wo_out = wo;
    return 0;
}

double ref_conv_bound(const sc_conv2d_desc *d, double ref_act, double ref_pre, double abs_sum)
{
    const double u = ldexp(1.0, -24);
    const double terms = (double)(d->in_channels / d->groups) * (double)d->kernel_h *
                         (double)d->kernel_w + 1.0;
    const double gamma = terms * u / (1.0 - terms * u);
    return ref_activation_lipschitz(d->activation) * gamma * abs_sum +
           8.0 * u * (fabs(ref_act) + fabs(ref_pre));
}

int64_t ref_conv_compare(const sc_conv2d_desc *d, const float *y, const double *ref_act,
                         const double *ref_pre, const double *abs_sum, int64_t n,
                         int64_t *worst)
{
    int64_t bad = 0, wi = 0;
    double wr = -1.0;
    for (int64_t i = 0; i < n; i++) {
        double bound = ref_conv_bound(d, ref_act[i], ref_pre[i], abs_sum[i]);
        double err = fabs((double)y[i] - ref_act[i]);
        /* a zero bound (all-zero receptive field, exact result) demands an
           exact answer; the ratio is then infinite for any error */
        double ratio = err == 0.0 ? 0.0 : (bound > 0.0 ? err / bound : INFINITY);
        if (!(err <= bound)) {
            bad++;
            ratio = isnan(err) ? INFINITY : ratio;
        }
        if (ratio > wr) {
            wr = ratio;
            wi = i;
        }
    }
    if (worst)
        *worst = wi;
    return bad;
}
