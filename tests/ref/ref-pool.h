/* Plain double-precision pooling written from PyTorch's definitions
   (torch.nn.MaxPool2d / AvgPool2d, CPU); shares no code with the library. */
#ifndef SC_REF_POOL_H
#define SC_REF_POOL_H

#include <stdint.h>

typedef struct ref_pool {
    int is_max;
    int64_t n, c, h, w;
    int64_t kh, kw, sh, sw, ph, pw, dh, dw;
    int ceil_mode;
    int count_include_pad;
    int64_t divisor_override;
} ref_pool;

/* 1 with the output size when PyTorch's shape rules give at least 1x1 and
   every window holds an input element; 0 otherwise. Does not check the
   pad <= kernel/2 rule or field ranges. */
int ref_pool_out_size(const ref_pool *p, int64_t *ho, int64_t *wo);

/* out[n*c*ho*wo] holds the winning input value itself (bit-exact, NaN
   payloads included); idx the flat h*W+w inside the plane. */
void ref_maxpool(const ref_pool *p, const float *in, float *out, int64_t *idx);

/* out = sum / divisor in double; abs_sum = sum of |x| over the taps, terms =
   how many taps, divisor = the divisor used (for error bounds). Any of the
   last three may be NULL. */
void ref_avgpool(const ref_pool *p, const float *in, double *out, double *abs_sum,
                 int64_t *terms, double *divisor);

#endif
