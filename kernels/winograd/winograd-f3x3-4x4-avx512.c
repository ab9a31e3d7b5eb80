/* Winograd F(3x3, 4x4) transforms, avx512 build of winograd-impl.h. */
#include "simd/avx512.h"

#define SC_WINO_M 3
#define SC_WINO_R 4
#define SC_WINO_INPUT_FN sc_winograd_f3x3_4x4_input_avx512
#define SC_WINO_OUTPUT_FN sc_winograd_f3x3_4x4_output_avx512
#include "winograd/winograd-impl.h"
