/* Loading an alpha x alpha input tile for the Winograd input transforms of
   every tile size. Included by several ISA files, so everything is static. */
#ifndef SC_WINOGRAD_GATHER_H
#define SC_WINOGRAD_GATHER_H

#include "internal.h"

/* Loads the tile at padded (r0, c0) into d (row-major, alpha x alpha).
   Coordinates past the padded extent (tail tiles) read as zero: they only
   feed outputs that are never stored, and a finite zero keeps them from
   leaking NaN into stored neighbours. */
static inline void sc_wino_gather(const sc_conv_geom *g, const float *plane, int64_t r0,
                                  int64_t c0, int alpha, float *d)
{
    const int64_t top = g->pad_top, left = g->pad_left;
    if (r0 >= top && r0 + alpha <= top + g->h && c0 >= left && c0 + alpha <= left + g->w) {
        const float *src = plane + (r0 - top) * g->w + (c0 - left);
        for (int i = 0; i < alpha; i++)
            for (int j = 0; j < alpha; j++)
                d[i * alpha + j] = src[i * g->w + j];
        return;
    }
    int64_t cs[8];
    for (int j = 0; j < alpha; j++)
        cs[j] = c0 + j < g->wp ? g->col_src[c0 + j] : -1;
    for (int i = 0; i < alpha; i++) {
        const int64_t rs = r0 + i < g->hp ? g->row_src[r0 + i] : -1;
        for (int j = 0; j < alpha; j++)
            d[i * alpha + j] = (rs < 0 || cs[j] < 0) ? 0.0f : plane[rs * g->w + cs[j]];
    }
}

#endif
