/*
 * Double-precision reference for torch.nn.Conv2d (plus the fused activation),
 * written from the definition and sharing no code with the library: the
 * padded input is materialised explicitly, as torch.nn.functional.pad would,
 * and every output is a plain sum over its receptive field.
 *
 * Only the descriptor struct and enums of simdconv.h are used, so the
 * reference agrees with the library on what a request means but not on how
 * it is computed.
 */
#ifndef SC_REF_CONV_H
#define SC_REF_CONV_H

#include <stdint.h>

#include "simdconv.h"

/* The four pads the descriptor implies: pad_h/pad_w on both sides, or for
   padding_same total = dilation*(k-1), top/left = total/2, bottom/right the
   rest (PyTorch puts the odd pixel at the end). */
void ref_conv_pads(const sc_conv2d_desc *d, int64_t *top, int64_t *bottom, int64_t *left,
                   int64_t *right);

/* Output size with a true floor. Returns 0 and fills *ho, *wo when the
   geometry gives at least a 1x1 output, -1 otherwise. Checks geometry only
   (sizes >= 1, strides, dilations, pads), not the padding-mode rules. */
int ref_conv_output_size(const sc_conv2d_desc *d, int64_t *ho, int64_t *wo);

/* 1 when torch.nn.functional.pad accepts the descriptor's pads for its mode:
   reflect needs every pad < the input size of its dimension, circular needs
   pad <= size, zeros and replicate accept anything. */
int ref_conv_pads_legal(const sc_conv2d_desc *d);

/* 1 when the descriptor is a valid request by the contract: sizes, strides,
   dilations >= 1, pads >= 0 (unless padding_same), groups dividing both
   channel counts, padding_same only with stride 1, enums in range, the
   padding-mode rule, and an output of at least 1x1. Sizes are assumed small
   (below 2^40); byte-size overflow is not modelled. */
int ref_conv_desc_valid(const sc_conv2d_desc *d);

/* The activation in double, as PyTorch defines it (GELU erf and tanh forms,
   Mish with softplus threshold 20). */
double ref_activation(sc_activation act, double x);

/*
 * Computes the convolution in double. in: NCHW; w: (cout, cin/groups, kh, kw);
 * b: cout values or NULL. For every output element (NCHW order):
 *   out_pre  = bias + sum of products (before the activation),
 *   out_act  = ref_activation(out_pre),
 *   abs_sum  = |bias| + sum of |products|  (the S of the error bound).
 * Any of the three output pointers may be NULL. ho/wo receive the output size
 * (may be NULL). Returns 0, or -1 when the descriptor is not a valid request
 * (then nothing is written).
 */
int ref_conv2d(const sc_conv2d_desc *d, const float *in, const float *w, const float *b,
               double *out_act, double *out_pre, double *abs_sum, int64_t *ho, int64_t *wo);

/* Lipschitz constant (an upper bound on |f'| over the reals) of each
   activation, used by the error bounds; see ref-conv.c for the maxima. */
double ref_activation_lipschitz(sc_activation act);

/*
 * The error bound a float32 implementation must meet for one output:
 *   |y - ref_act| <= L * gamma(K+1) * S + 8 u (|ref_act| + |ref_pre|)
 * K = (in_channels/groups) * kh * kw products plus the bias make a sum of
 * K+1 terms whose rounding error is at most gamma(K+1) * S in any order of
 * summation, with or without FMA (Higham, 3.1); the activation, L-Lipschitz,
 * carries that error through scaled by L, and evaluating it in float costs a
 * few ulps of its result, or of its argument where 1 + erf/tanh cancels
 * (GELU at large negative inputs). u = 2^-24.
 */
double ref_conv_bound(const sc_conv2d_desc *d, double ref_act, double ref_pre, double abs_sum);

/*
 * Compares n float outputs y with the reference arrays. Returns the number of
 * outputs outside ref_conv_bound (NaN counts as outside); *worst receives the
 * index of the output with the largest error/bound ratio (may be NULL).
 */
int64_t ref_conv_compare(const sc_conv2d_desc *d, const float *y, const double *ref_act,
                         const double *ref_pre, const double *abs_sum, int64_t n,
                         int64_t *worst);

#endif
