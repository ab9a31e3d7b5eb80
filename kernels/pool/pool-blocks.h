/*
 * The vectorised part of one row of a pooling kernel, shared by
 * avgpool-impl.h (its column sums and its outputs) and maxpool-impl.h (its
 * outputs), after their simd/<isa>.h.
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

#endif
