/* Winograd F(2x2, 3x3) transforms, neon build of winograd-impl.h. */
#include "simd/neon.h"

#define SC_WINO_M 2
#define SC_WINO_INPUT_FN sc_winograd_f2x2_3x3_input_neon
#define SC_WINO_OUTPUT_FN sc_winograd_f2x2_3x3_output_neon

/* Four tiles two columns apart: the structure loads deinterleave them. */
#define SC_WINO_ROW_IO 1
#define SC_WINO_ROW_READ 10
static inline void sc_wino_load_row(const float *src, float32x4_t x[4])
{
    const float32x4x2_t a = vld2q_f32(src), b = vld2q_f32(src + 2);
    x[0] = a.val[0];
    x[1] = a.val[1];
    x[2] = b.val[0];
    x[3] = b.val[1];
}
static inline void sc_wino_store_row(float *dst, const float32x4_t y[2])
{
    const float32x4x2_t t = {{y[0], y[1]}};
    vst2q_f32(dst, t);
}

#include "winograd/winograd-impl.h"
