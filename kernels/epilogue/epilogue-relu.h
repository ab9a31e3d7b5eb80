/*
 * ReLU and ReLU6 over a vector, the two activations kernels apply inline
 * while their outputs are in registers (epilogue-impl.h, and the Winograd
 * output transforms). NaN stays NaN, as torch.relu keeps it. The including
 * file has included its kernels/simd/<isa>.h.
 */
#ifndef SC_EPILOGUE_RELU_H
#define SC_EPILOGUE_RELU_H

static inline sc_vf sc_epi_relu(sc_vf v)
{
    /* Not max(v, 0): maxps returns 0 for NaN, torch.relu propagates it. */
    return sc_vblend(v, sc_vzero(), sc_vcmp_lt(v, sc_vzero()));
}

static inline sc_vf sc_epi_relu6(sc_vf v)
{
    const sc_vf six = sc_vset1(6.0f);
    sc_vf y = sc_vblend(v, six, sc_vcmp_gt(v, six));
    return sc_vblend(y, sc_vzero(), sc_vcmp_lt(v, sc_vzero()));
}

#endif
