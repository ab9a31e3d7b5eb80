/* Winograd F(2x2, 3x3) transforms, avx512 build of winograd-impl.h. */
#include "simd/avx512.h"

#define SC_WINO_M 2
#define SC_WINO_INPUT_FN sc_winograd_f2x2_3x3_input_avx512
#define SC_WINO_OUTPUT_FN sc_winograd_f2x2_3x3_output_avx512
#include "winograd/winograd-impl.h"
