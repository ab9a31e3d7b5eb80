/*
 * Bias plus activation over n contiguous floats, in place, written once over
 * the SIMD wrappers. The including file has included its kernels/simd/<isa>.h
 * and <sleef.h>, and defined three static inline wrappers around SLEEF's
 * ISA-specific 1-ulp vector functions:
 *     sc_vexp, sc_vtanh, sc_verf     (sc_vf -> sc_vf)
 * It then defines its kernel as a call of sc_epilogue_body.
 *
 * Semantics are epilogue-scalar.c's (the yardstick the tests hold every ISA
 * to): NaN in gives NaN out for every activation, relu and relu6 included;
 * infinities give the limits, and the products x * s(x) of silu, gelu,
 * gelu_tanh and mish, which would be -inf * 0 = NaN at x = -inf, return -0
 * there. Formulas:
 *     sigmoid    e = exp(-|v|); (v < 0 ? e : 1) / (1 + e)   (exp never overflows)
 *     silu       v / (1 + exp(-v))     (PyTorch's vector form; exp(-v) = inf
 *                                       for v < -88.7 gives -0, the limit)
 *     gelu       h + h * erf(v / sqrt2), h = v / 2   (erf's argument clamped
 *                                       to +-4, where it is +-1 in float)
 *     gelu_tanh  h + h * tanh(u), u = sqrt(2/pi) * (v + 0.044715 v^3),
 *                evaluated as v / (1 + exp(-2u))
 *     mish       v * tanh(v > 20 ? v : log1p(exp(v)))   (torch's threshold 20),
 *                evaluated as v * n / (n + 2), n = t (t + 2), t = exp(v)
 *
 * The activation is chosen once, outside the loops. Full vectors cover the
 * body; the last n % SC_VLEN elements go through the same per-vector function
 * on a partial load and store, so an element's result never depends on where
 * in a call it sits (the executors cut rows by thread count), and no byte
 * outside [x, x + n) is read or written.
 */
#ifndef SC_VLEN
#error "include a kernels/simd/<isa>.h before epilogue-impl.h"
#endif

#include <math.h>
#include <stdint.h>

#include "epilogue/epilogue-relu.h"
#include "internal.h"

/* sqrt(2/pi) and 1/sqrt(2), rounded to float as PyTorch rounds them. */
#define SC_EPI_SQRT_2_OVER_PI 0.7978845608028654f
#define SC_EPI_SQRT_HALF 0.7071067811865476f
#define SC_EPI_GELU_TANH_C 0.044715f
#define SC_EPI_SOFTPLUS_THRESHOLD 20.0f

static inline sc_vf sc_epi_none(sc_vf v) { return v; }

static inline sc_vf sc_epi_sigmoid(sc_vf v)
{
    const sc_vf one = sc_vset1(1.0f);
    sc_vf e = sc_vexp(sc_vneg(sc_vabs(v)));
    sc_vf num = sc_vblend(one, e, sc_vcmp_lt(v, sc_vzero()));
    return sc_vdiv(num, sc_vadd(one, e));
}

static inline sc_vf sc_epi_tanh(sc_vf v) { return sc_vtanh(v); }

/* -0 where v == -inf (the limit of v * s(v)), else y. */
static inline sc_vf sc_epi_fix_neg_inf(sc_vf v, sc_vf y)
{
    return sc_vblend(y, sc_vset1(-0.0f), sc_vcmp_eq(v, sc_vset1(-INFINITY)));
}

static inline sc_vf sc_epi_silu(sc_vf v)
{
    sc_vf y = sc_vdiv(v, sc_vadd(sc_vset1(1.0f), sc_vexp(sc_vneg(v))));
    return sc_epi_fix_neg_inf(v, y);
}

static inline sc_vf sc_epi_gelu(sc_vf v)
{
    sc_vf h = sc_vmul(v, sc_vset1(0.5f));
    /* erf is +-1 in float from |x| = 3.92 on, and SLEEF's erff returns
       exactly +-1 from 4 (checked up to 1e30, AVX-512 and AVX2 builds),
       but past 6 it slows down 1.5-2.4x (112 cycles a vector below, 168 to
       264 above, AVX-512), which a layer's outputs reach easily: clamped to
       +-4, the same values at a third of the cost. A NaN still gives NaN
       through h. */
    sc_vf a = sc_vmul(v, sc_vset1(SC_EPI_SQRT_HALF));
    a = sc_vmin(sc_vmax(a, sc_vset1(-4.0f)), sc_vset1(4.0f));
    sc_vf e = sc_verf(a);
    return sc_epi_fix_neg_inf(v, sc_vfma(h, e, h));
}

static inline sc_vf sc_epi_gelu_tanh(sc_vf v)
{
    /* 0.5 v (1 + tanh(u)) is v sigmoid(2u) = v / (1 + exp(-2u)): one SLEEF
       exp and a division, without cancellation, rather than SLEEF's tanhf
       (about 4x an exp, AVX-512: 81 cycles a vector against 15-20). u^3
       overflows to +-inf for |v| > ~1e13: exp(-2u) is then 0 or inf, the
       right limits (v, and -0 but at v = -inf, where v / inf is NaN). */
    sc_vf cv2 = sc_vmul(sc_vmul(v, v), sc_vset1(SC_EPI_GELU_TANH_C));
    sc_vf inner = sc_vmul(sc_vset1(-2.0f * SC_EPI_SQRT_2_OVER_PI), sc_vfma(cv2, v, v));
    return sc_epi_fix_neg_inf(v, sc_vdiv(v, sc_vadd(sc_vset1(1.0f), sc_vexp(inner))));
}

static inline sc_vf sc_epi_mish(sc_vf v)
{
    /* tanh(softplus(v)) = tanh(log(1 + t)) = n / (n + 2) with t = exp(v),
       n = t (t + 2): one SLEEF exp and a division instead of exp, log1p and
       tanh. Past torch's softplus threshold (20) softplus is v, whose tanh
       is 1 in float (from 9.01 on), so mish is v there, where n overflows.
       At v = -inf, v * 0 is NaN: the limit is -0. */
    sc_vf t = sc_vexp(v);
    sc_vf n = sc_vmul(t, sc_vadd(t, sc_vset1(2.0f)));
    sc_vf y = sc_vmul(v, sc_vdiv(n, sc_vadd(n, sc_vset1(2.0f))));
    y = sc_vblend(y, v, sc_vcmp_gt(v, sc_vset1(SC_EPI_SOFTPLUS_THRESHOLD)));
    return sc_epi_fix_neg_inf(v, y);
}

/* One loop per activation: OP is a function name, so each loop inlines its
   own operation (no per-vector switch or indirect call). */
#define SC_EPI_LOOP(OP)                                                          \
    do {                                                                         \
        int64_t i = 0;                                                           \
        for (; i + SC_VLEN <= n; i += SC_VLEN)                                   \
            sc_vstore(x + i, OP(sc_vadd(sc_vload(x + i), b)));                   \
        if (i < n) {                                                             \
            sc_vf t = sc_vadd(sc_vload_partial(x + i, n - i), b);                \
            sc_vstore_partial(x + i, OP(t), n - i);                              \
        }                                                                        \
    } while (0)

static inline void sc_epilogue_body(float *x, int64_t n, float bias, sc_activation act)
{
    const sc_vf b = sc_vset1(bias);
    switch (act) {
    case SC_ACT_RELU:
        SC_EPI_LOOP(sc_epi_relu);
        break;
    case SC_ACT_RELU6:
        SC_EPI_LOOP(sc_epi_relu6);
        break;
    case SC_ACT_SIGMOID:
        SC_EPI_LOOP(sc_epi_sigmoid);
        break;
    case SC_ACT_TANH:
        SC_EPI_LOOP(sc_epi_tanh);
        break;
    case SC_ACT_SILU:
        SC_EPI_LOOP(sc_epi_silu);
        break;
    case SC_ACT_GELU:
        SC_EPI_LOOP(sc_epi_gelu);
        break;
    case SC_ACT_GELU_TANH:
        SC_EPI_LOOP(sc_epi_gelu_tanh);
        break;
    case SC_ACT_MISH:
        SC_EPI_LOOP(sc_epi_mish);
        break;
    case SC_ACT_NONE:
    default:
        /* As the scalar version: out-of-range values act as "none". */
        SC_EPI_LOOP(sc_epi_none);
        break;
    }
}

#undef SC_EPI_LOOP
