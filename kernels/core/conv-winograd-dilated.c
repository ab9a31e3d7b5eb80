/*
 * Dilated 3x3 and 4x4 convolutions (stride 1, dilation dh x dw, not both 1)
 * as Winograd problems.
 *
 * Output (oh, ow) reads padded input (oh + i*dh, ow + j*dw). With
 * oh = a + dh*u and ow = b + dw*v (a < dh, b < dw) that is padded
 * (a + dh*(u+i), b + dw*(v+j)): the outputs of phase (a, b) are a plain
 * k x k convolution (dilation 1, no padding) of the padded input's phase (a, b),
 * its every dh-th row from a and every dw-th column from b. The inner plan
 * takes the dh*dw phase images as a batch, [a][b][cin][hq][wq], and its
 * outputs are the output phases (conv-winograd-phases.c runs it). The split
 * and the interleave are one pass each over an image's input and output;
 * everything else runs at the Winograd cost of an undilated layer.
 */
#include "conv.h"

sc_status sc_wino_dilated_create(sc_conv2d_plan *p, const float *weight, sc_wino_phases **out,
                                 const char **why)
{
    const sc_conv_geom *g = &p->g;
    sc_wino_phases ph = {0};
    ph.qh = ph.fh = g->dh;
    ph.qw = ph.fw = g->dw;
    ph.hq = (g->hp + g->dh - 1) / g->dh;
    ph.wq = (g->wp + g->dw - 1) / g->dw;
    ph.hq_in = ph.hq;
    ph.wq_in = ph.wq;
    ph.hoq = ph.hq - (g->kh - 1);
    ph.woq = ph.wq - (g->kw - 1);
    ph.in_c = ph.hq * ph.wq;
    ph.in_p = g->cin * ph.in_c;
    ph.out_c = ph.hoq * ph.woq;
    ph.out_p = g->cout * ph.out_c;

    sc_conv2d_desc d;
    sc_conv2d_desc_init(&d, g->dh * g->dw, g->cin, ph.hq, ph.wq, g->cout, g->kh, g->kw);
    d.groups = g->groups;
    d.activation = g->act;
    const float *bias = p->has_bias ? p->bias : NULL;
    const sc_status s = sc_wino_phases_inner(p, &ph, &d, weight, bias, p->winograd_tile, why);
    if (s != SC_OK)
        return s;
    return sc_wino_phases_finish(p, &ph, out);
}
