/*
 * Convolution plans: the pieces shared by core/conv-plan.c (validation,
 * choice, run) and the per-algorithm executors core/conv-<algo>.c.
 */
#ifndef SC_CONV_H
#define SC_CONV_H

#include "internal.h"

/*
 * One algorithm. conv-plan.c tries them in the order of the AUTO rule (see
 * sc_auto_rule in conv-plan.c); a forced algorithm tries only its own
 * routes, in that order (the direct algorithm has two: conv-depthwise.c,
 * then conv-direct.c; so has im2col: conv-im2col-transposed.c, then
 * conv-im2col.c).
 */
typedef struct sc_conv_algo_impl {
    sc_conv_algo algo;
    /* Checks whether the algorithm serves the shape on the plan's active ISA
       and, if so, fills p->state, p->isa, p->name and p->workspace_per_thread.
       Returns SC_OK; SC_UNSUPPORTED with *why set to a static reason
       ("needs a 3x3 kernel") when it cannot serve the shape; or
       SC_OUT_OF_MEMORY. Reads the weight (PyTorch layout) once and packs it. */
    sc_status (*create)(struct sc_conv2d_plan *p, const float *weight, const char **why);
    /* Runs the whole convolution (bias and activation included) with
       nthreads threads (already resolved by the caller) on a workspace of
       nthreads * p->workspace_per_thread bytes, 64-byte aligned. The work is
       split over outputs only, so results do not depend on nthreads. */
    void (*run)(const struct sc_conv2d_plan *p, const float *in, float *out, void *ws,
                int nthreads);
    void (*destroy)(struct sc_conv2d_plan *p); /* frees p->state */
} sc_conv_algo_impl;

struct sc_conv2d_plan {
    sc_conv_geom g;
    float *bias;           /* cout floats; zeros when the user passed NULL */
    int has_bias;
    int nthreads;          /* resolved at create */
    int64_t useful_threads; /* most threads the work can repay (see plan_create) */
    int winograd_tile;     /* options->winograd_tile: 0 (plan picks), 2, 3 or 4 */
    sc_isa active;         /* the active ISA when the plan was created */
    sc_isa isa;            /* ISA of the chosen kernel (set by impl->create) */
    char name[48];         /* kernel name without ISA, e.g. "winograd_f4x4_3x3" */
    char describe[64];     /* name/isa */
    const sc_conv_algo_impl *impl;
    sc_epilogue_fn epilogue;
    void *state;           /* owned by impl */
    size_t workspace_per_thread; /* bytes, multiple of 64 */
    int64_t *maps;         /* storage behind g.row_src and g.col_src */
};

/*
 * Winograd over phase images (conv-winograd-phases.c): a dilated 3x3 or 4x4 layer
 * (conv-winograd-dilated.c), or a strided or 5x5-like one
 * (conv-winograd-poly.c), as one inner 3x3 or 4x4 stride-1 Winograd plan over its
 * input's phases. The route's create fills the geometry and the layout
 * strides, makes the inner plan (sc_wino_phases_inner) and calls
 * sc_wino_phases_finish.
 */
typedef struct sc_wino_phases {
    sc_conv2d_plan *inner;
    int64_t qh, qw;       /* input phases: every qh-th padded row, qw-th column */
    int64_t fh, fw;       /* output phases (oh mod fh, ow mod fw); 1 x 1: in place */
    int64_t hq, wq;       /* a phase image */
    int64_t hq_in, wq_in; /* its rows and columns taken from the input; the rest are zero */
    int64_t hoq, woq;     /* a phase output */
    int64_t in_c, in_p;   /* floats from channel c to c + 1 / phase to phase (row-major a, b) */
    int64_t out_c, out_p; /* the same for the phase outputs */
    int64_t in_floats, out_floats; /* one image's phase images and outputs */
    size_t inner_ws;      /* bytes of the inner plan's workspace, 64-byte multiple */
} sc_wino_phases;

/* The inner plan, for winograd_tile tile (0: its own choice). */
sc_status sc_wino_phases_inner(const struct sc_conv2d_plan *p, sc_wino_phases *ph,
                               const sc_conv2d_desc *d, const float *weight, const float *bias,
                               int tile, const char **why);
/* Sizes the workspace and hands *out a copy of ph; on failure destroys the
   inner plan. */
sc_status sc_wino_phases_finish(struct sc_conv2d_plan *p, sc_wino_phases *ph,
                                sc_wino_phases **out);
void sc_wino_phases_run(const struct sc_conv2d_plan *p, const sc_wino_phases *ph,
                        const float *in, float *out, void *ws, int nthreads);
void sc_wino_phases_destroy(sc_wino_phases *ph);

sc_status sc_wino_dilated_create(struct sc_conv2d_plan *p, const float *weight,
                                 sc_wino_phases **out, const char **why);
/* The kernel size (3 or 4) of a layer Winograd runs without stride phases
   (square 3x3 or 4x4 kernel at stride 1, any dilation), else 0. */
int sc_wino_plain_r(const sc_conv_geom *g);
/* The output tile m a plain Winograd plan of kernel r (3 or 4) takes for
   n images of ho x wo outputs of cin_g -> cout_g channels under p's ISA and
   winograd_tile option. */
int sc_wino_tile_m(const struct sc_conv2d_plan *p, int64_t r, int64_t n, int64_t ho, int64_t wo,
                   int64_t cin_g, int64_t cout_g);
/* The stride-phase route's output phase factors and phase kernel size r (3
   or 4) for the layer under a winograd_tile option (0: any); 0 if none. */
int sc_wino_poly_factors(const sc_conv_geom *g, int tile, int64_t *fh, int64_t *fw, int64_t *r);
sc_status sc_wino_poly_create(struct sc_conv2d_plan *p, const float *weight,
                              sc_wino_phases **out, const char **why);

extern const sc_conv_algo_impl sc_conv_direct_impl;
/* The direct algorithm's channels-in-lanes route for depthwise layers
   (conv-depthwise.c), tried before the plane kernels. */
extern const sc_conv_algo_impl sc_conv_depthwise_impl;
extern const sc_conv_algo_impl sc_conv_im2col_impl;
/* Output pixels per block of conv-im2col.c: npix cut into blocks of at
   most SC_IM2COL_NC (rounded up to the tile's nr), all of about the same
   size, so no sliver block leaves a thread idle (28 rows of 28 pixels make
   4 blocks of 7 rows, not 9, 9, 9 and 1). conv-im2col-transposed.c models the
   same blocks to decide between the two routes. */
#define SC_IM2COL_NC 256
static inline int64_t sc_im2col_block_pixels(int64_t npix, int64_t nr)
{
    const int64_t nc_max = (SC_IM2COL_NC + nr - 1) / nr * nr;
    const int64_t npb = (npix + nc_max - 1) / nc_max;
    return ((npix + npb - 1) / npb + nr - 1) / nr * nr;
}

/* The im2col algorithm's transposed route for small planes
   (conv-im2col-transposed.c), tried before conv-im2col.c. */
extern const sc_conv_algo_impl sc_conv_im2col_t_impl;
extern const sc_conv_algo_impl sc_conv_winograd_impl;

/* Picks the first kernel in a table usable under `active` (NULL if none). */
const sc_gemm_kernel *sc_pick_gemm(sc_isa active);
const sc_direct_kernel *sc_pick_direct(sc_isa active);
const sc_depthwise_kernel *sc_pick_depthwise(sc_isa active);
/* The Winograd kernel with output tile m (2 or 4). */
const sc_winograd_kernel *sc_pick_winograd(sc_isa active, int m, int r);
/* The best B packer of an ISA usable under active whose vectors divide nr. */
const sc_pack_kernel *sc_pick_pack(sc_isa active, int64_t nr);

/* Output rows per work item for executors that cut each of `outer` work
   units (images x channel blocks ...) into bands of at most max_rows rows:
   shorter bands only while there are fewer than `want` items (0: never),
   so that threads are not left idle. The split never changes an output's
   sums. */
static inline int64_t sc_band_rows(int64_t ho, int64_t outer, int64_t max_rows, int64_t want)
{
    int64_t bands = (ho + max_rows - 1) / max_rows;
    if (outer * bands < want)
        bands = (want + outer - 1) / outer;
    if (bands > ho)
        bands = ho;
    return (ho + bands - 1) / bands;
}

/* Applies the plan's bias and activation to `n` contiguous outputs of
   output channel oc. */
static inline void sc_conv_epilogue(const struct sc_conv2d_plan *p, float *x, int64_t n,
                                    int64_t oc)
{
    if (p->has_bias || p->g.act != SC_ACT_NONE)
        p->epilogue(x, n, p->bias[oc], p->g.act);
}

/* The activation alone, for executors whose GEMM already added the bias. */
static inline void sc_conv_activation(const struct sc_conv2d_plan *p, float *x, int64_t n)
{
    if (p->g.act != SC_ACT_NONE)
        p->epilogue(x, n, 0.0f, p->g.act);
}

#endif /* SC_CONV_H */
