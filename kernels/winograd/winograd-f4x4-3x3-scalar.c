/* Winograd F(4x4, 3x3) transforms, scalar build of winograd-impl.h. */
#include "simd/scalar.h"

#define SC_WINO_M 4
#define SC_WINO_INPUT_FN sc_winograd_f4x4_3x3_input_scalar
#define SC_WINO_OUTPUT_FN sc_winograd_f4x4_3x3_output_scalar
#include "winograd/winograd-impl.h"
