/* Winograd F(3x3, 4x4) transforms, neon build of winograd-impl.h. */
#include "simd/neon.h"

#define SC_WINO_M 3
#define SC_WINO_R 4
#define SC_WINO_INPUT_FN sc_winograd_f3x3_4x4_input_neon
#define SC_WINO_OUTPUT_FN sc_winograd_f3x3_4x4_output_neon

/* Four tiles three columns apart: columns 0-2 and 3-5 are two structure
   loads, the second starting one tile on. */
#define SC_WINO_ROW_IO 1
#define SC_WINO_ROW_READ 15
static inline void sc_wino_load_row(const float *src, float32x4_t x[6])
{
    const float32x4x3_t a = vld3q_f32(src), b = vld3q_f32(src + 3);
    x[0] = a.val[0];
    x[1] = a.val[1];
    x[2] = a.val[2];
    x[3] = b.val[0];
    x[4] = b.val[1];
    x[5] = b.val[2];
}
static inline void sc_wino_store_row(float *dst, const float32x4_t y[3])
{
    const float32x4x3_t t = {{y[0], y[1], y[2]}};
    vst3q_f32(dst, t);
}

#include "winograd/winograd-impl.h"
