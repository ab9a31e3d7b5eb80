/*
 * The vectorised part of one row of a pooling kernel, shared by
 * avgpool-impl.h (its column sums and its outputs) and maxpool-impl.h (its
 * outputs), after their simd/<isa>.h; with the lane loads and stores both
 * pools share.
 *
 * Outputs [a, b) go in blocks of four vectors while four fit, then single
 * vectors; the last single vector, where it would run past b, starts at b
 * minus its width instead, recomputing a few outputs identically: cheaper
 * than masked tails, which Zen 3 microcodes. (Moving a four-vector block
 * back instead recomputed up to 31 of 33 outputs: twice the work on 35-wide
 * rows.) BLOCK(o, n, four) computes the outputs from o: n lanes of one
 * vector, or four whole vectors when four is 1.
 */
#ifndef SC_POOL_BLOCKS_H
#define SC_POOL_BLOCKS_H

#define SC_POOL_ROW_BLOCKS(a, b, BLOCK)                                                          \
    do {                                                                                       \
        int64_t ow_ = (a);                                                                     \
        for (; ow_ + 4 * SC_VLEN <= (b); ow_ += 4 * SC_VLEN)                                   \
            BLOCK(ow_, SC_VLEN, 1);                                                            \
        if ((b) - (a) >= SC_VLEN) {                                                            \
            for (; ow_ < (b); ow_ += SC_VLEN)                                                  \
                BLOCK(ow_ < (b) - SC_VLEN ? ow_ : (b) - SC_VLEN, SC_VLEN, 0);                  \
        } else if ((b) > (a)) {                                                                \
            BLOCK((a), (b) - (a), 0);                                                          \
        }                                                                                      \
    } while (0)

/* n (1..SC_VLEN) lanes of output columns, lane l reading p[l * sw]: plain
   loads at stride 1, two loads and a shuffle at stride 2 (constant-folded
   where callers inline a constant stride). */
static inline __attribute__((always_inline)) sc_vf sc_pool_load(const float *p, int64_t sw,
                                                                int64_t n)
{
    if (sw == 1)
        return n == SC_VLEN ? sc_vload(p) : sc_vload_partial(p, n);
    if (sw == 2 && n == SC_VLEN)
        return sc_vload_even(p);
    return n == SC_VLEN ? sc_vload_strided(p, sw) : sc_vload_strided_partial(p, sw, n);
}

/* Stores four vectors at out when four is set, else n lanes of b0. */
static inline __attribute__((always_inline)) void
sc_pool_store(float *out, sc_vf b0, sc_vf b1, sc_vf b2, sc_vf b3, const int four, int64_t n)
{
    if (four) {
        sc_vstore(out, b0);
        sc_vstore(out + SC_VLEN, b1);
        sc_vstore(out + 2 * SC_VLEN, b2);
        sc_vstore(out + 3 * SC_VLEN, b3);
    } else if (n == SC_VLEN) {
        sc_vstore(out, b0);
    } else {
        sc_vstore_partial(out, b0, n);
    }
}

#endif
