/* Winograd F(3x3, 4x4) transforms, scalar build of winograd-impl.h. */
#include "simd/scalar.h"

#define SC_WINO_M 3
#define SC_WINO_R 4
#define SC_WINO_INPUT_FN sc_winograd_f3x3_4x4_input_scalar
#define SC_WINO_OUTPUT_FN sc_winograd_f3x3_4x4_output_scalar
#include "winograd/winograd-impl.h"
