/* Winograd F(4x4, 3x3) transforms, neon build of winograd-impl.h. */
#include "simd/neon.h"

#define SC_WINO_M 4
#define SC_WINO_INPUT_FN sc_winograd_f4x4_3x3_input_neon
#define SC_WINO_OUTPUT_FN sc_winograd_f4x4_3x3_output_neon

/* Four tiles four columns apart: the structure loads deinterleave them. */
#define SC_WINO_ROW_IO 1
#define SC_WINO_ROW_READ 20
static inline void sc_wino_load_row(const float *src, float32x4_t x[6])
{
    const float32x4x4_t a = vld4q_f32(src), b = vld4q_f32(src + 4);
    x[0] = a.val[0];
    x[1] = a.val[1];
    x[2] = a.val[2];
    x[3] = a.val[3];
    x[4] = b.val[0];
    x[5] = b.val[1];
}
static inline void sc_wino_store_row(float *dst, const float32x4_t y[4])
{
    const float32x4x4_t t = {{y[0], y[1], y[2], y[3]}};
    vst4q_f32(dst, t);
}

#include "winograd/winograd-impl.h"
