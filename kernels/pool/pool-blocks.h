/*
 * The vectorised part of one output row of a pooling kernel, shared by
 * avgpool-impl.h and maxpool-impl.h (after their simd/<isa>.h).
 *
 * Outputs [a, b) go in blocks of four vectors (else single ones); a block
 * that would run past b starts at b minus its width instead, recomputing a
 * few outputs identically: cheaper than masked tails, which Zen 3
 * microcodes. BLOCK(o, n, four) computes the outputs from o: n lanes of one
 * vector, or four whole vectors when four is 1.
 */
#ifndef SC_POOL_BLOCKS_H
#define SC_POOL_BLOCKS_H

#define SC_POOL_ROW_BLOCKS(a, b, BLOCK)                                                          \
    do {                                                                                       \
        if ((b) - (a) >= 4 * SC_VLEN) {                                                        \
            for (int64_t ow_ = (a); ow_ < (b); ow_ += 4 * SC_VLEN)                             \
                BLOCK(ow_ < (b) - 4 * SC_VLEN ? ow_ : (b) - 4 * SC_VLEN, SC_VLEN, 1);          \
        } else if ((b) - (a) >= SC_VLEN) {                                                     \
            for (int64_t ow_ = (a); ow_ < (b); ow_ += SC_VLEN)                                 \
                BLOCK(ow_ < (b) - SC_VLEN ? ow_ : (b) - SC_VLEN, SC_VLEN, 0);                  \
        } else if ((b) > (a)) {                                                                \
            BLOCK((a), (b) - (a), 0);                                                          \
        }                                                                                      \
    } while (0)

#endif
