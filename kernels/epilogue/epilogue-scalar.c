/*
 * Bias plus activation, one element at a time, on SLEEF's scalar 1-ulp
 * functions. This is the fallback for every ISA and the accuracy yardstick
 * for the vector epilogues.
 *
 * Special values: NaN in gives NaN out for every activation (relu and relu6
 * included, as torch.clamp propagates NaN). Infinities map to the limits of
 * the function: the products x * s(x) of silu, gelu, gelu_tanh and mish would
 * evaluate -inf * 0 = NaN at x = -inf, so that point is returned as the
 * limit -0 explicitly.
 */
#include <math.h>
#include <sleef.h>

#include "internal.h"

/* sqrt(2/pi) and 1/sqrt(2), rounded to float as PyTorch rounds them. */
#define SC_SQRT_2_OVER_PI 0.7978845608028654f
#define SC_SQRT_HALF 0.7071067811865476f
#define SC_GELU_TANH_C 0.044715f
/* torch.nn.Softplus's default threshold: above it softplus(x) == x in float. */
#define SC_SOFTPLUS_THRESHOLD 20.0f

static inline float sc_sigmoid(float v)
{
    /* For v < 0 the form e/(1+e) with e = exp(v) keeps full relative accuracy
       down into the subnormals, where 1/(1+exp(-v)) would overflow exp. */
    if (v < 0.0f) {
        float e = Sleef_expf_u10(v);
        return e / (1.0f + e);
    }
    return 1.0f / (1.0f + Sleef_expf_u10(-v));
}

void sc_epilogue_scalar(float *x, int64_t n, float bias, sc_activation act)
{
    switch (act) {
    case SC_ACT_RELU:
        for (int64_t i = 0; i < n; i++) {
            float v = x[i] + bias;
            x[i] = v < 0.0f ? 0.0f : v; /* comparison false for NaN: NaN passes */
        }
        break;
    case SC_ACT_RELU6:
        for (int64_t i = 0; i < n; i++) {
            float v = x[i] + bias;
            x[i] = v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v);
        }
        break;
    case SC_ACT_SIGMOID:
        for (int64_t i = 0; i < n; i++)
            x[i] = sc_sigmoid(x[i] + bias);
        break;
    case SC_ACT_TANH:
        for (int64_t i = 0; i < n; i++)
            x[i] = Sleef_tanhf_u10(x[i] + bias);
        break;
    case SC_ACT_SILU:
        for (int64_t i = 0; i < n; i++) {
            float v = x[i] + bias;
            x[i] = v == -INFINITY ? -0.0f : v * sc_sigmoid(v);
        }
        break;
    case SC_ACT_GELU:
        /* The erf form as PyTorch writes it. For v << 0 the sum 1 + erf
           cancels; the absolute error stays below |v| * 2^-24, and the
           result there is far below that anyway. */
        for (int64_t i = 0; i < n; i++) {
            float v = x[i] + bias;
            float e = Sleef_erff_u10(v * SC_SQRT_HALF);
            x[i] = v == -INFINITY ? -0.0f : 0.5f * v * (1.0f + e);
        }
        break;
    case SC_ACT_GELU_TANH:
        for (int64_t i = 0; i < n; i++) {
            float v = x[i] + bias;
            /* v^3 overflows to +-inf for |v| > ~1e13; tanh then saturates to
               +-1, which is the right limit. */
            float inner = SC_SQRT_2_OVER_PI * (v + SC_GELU_TANH_C * v * v * v);
            float t = Sleef_tanhf_u10(inner);
            x[i] = v == -INFINITY ? -0.0f : 0.5f * v * (1.0f + t);
        }
        break;
    case SC_ACT_MISH:
        for (int64_t i = 0; i < n; i++) {
            float v = x[i] + bias;
            float sp = v > SC_SOFTPLUS_THRESHOLD ? v : Sleef_log1pf_u10(Sleef_expf_u10(v));
            x[i] = v == -INFINITY ? -0.0f : v * Sleef_tanhf_u10(sp);
        }
        break;
    case SC_ACT_NONE:
    default:
        /* Out-of-range values never reach here (plans validate the enum);
           treating them as "no activation" keeps the function total. */
        for (int64_t i = 0; i < n; i++)
            x[i] += bias;
        break;
    }
}
