/*
 * Internal interfaces shared by core/ and the kernels. Not installed.
 *
 * Division of labour:
 *   core/      validation, geometry, CPU detection, kernel choice, executors
 *              (the only code with OpenMP); baseline compiler flags.
 *   <algo>/    single-threaded kernels; a file whose name ends in -avx2.c,
 *              -avx512.c or -neon.c is compiled with that ISA's flags only and
 *              is called only after dispatch confirmed the CPU supports it.
 *   kernel tables (core/kernel-table.c) list every variant, best first.
 */
#ifndef SC_INTERNAL_H
#define SC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "simdconv.h"

/* ------------------------------------------------------------------ */
/* Errors (core/status.c)                                              */
/* ------------------------------------------------------------------ */

/* Formats the thread-local message read by sc_last_error and returns s. */
sc_status sc_fail(sc_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Overflow-checked arithmetic on sizes: return 0 on overflow, 1 on success. */
int sc_mul_i64(int64_t a, int64_t b, int64_t *out);
int sc_add_i64(int64_t a, int64_t b, int64_t *out);
/* Product of n non-negative factors; 0 on overflow. */
int sc_prod_i64(int64_t *out, int n, const int64_t *factors);

/* Aligned allocation (64 bytes); sc_free(NULL) is a no-op. NULL on failure
   or when bytes overflows. */
void *sc_malloc(size_t bytes);
void *sc_calloc(size_t bytes);
void sc_free(void *p);
/* Rounds p up to a 64-byte boundary (for caller-owned workspaces). */
void *sc_align64(void *p);

/* ------------------------------------------------------------------ */
/* CPU dispatch (core/isa.c)                                           */
/* ------------------------------------------------------------------ */

/* 1 when a kernel written for `kernel_isa` may run on a CPU whose active
   ISA is `active` (scalar always; avx2 under avx2 and avx512; ...). */
int sc_isa_usable(sc_isa kernel_isa, sc_isa active);

/* SIMDCONV_VERBOSE=1 read once. */
int sc_verbose(void);

/* ------------------------------------------------------------------ */
/* Threads (core/threads.c)                                            */
/* ------------------------------------------------------------------ */

/* Resolves a plan's requested thread count: 0 -> omp_get_max_threads(). */
int sc_threads_for_plan(int requested);
/* The thread count a run actually uses: 1 inside an active parallel region,
   else min(plan_threads, work_items) and at least 1. */
int sc_threads_for_run(int plan_threads, int64_t work_items);

/* ------------------------------------------------------------------ */
/* Activations and the epilogue                                        */
/* ------------------------------------------------------------------ */

/* Applies bias then activation to n contiguous outputs of one channel, in
   place. One per ISA: kernels/epilogue/epilogue-<isa>.c. */
typedef void (*sc_epilogue_fn)(float *x, int64_t n, float bias, sc_activation act);

/* ------------------------------------------------------------------ */
/* Convolution geometry                                                */
/* ------------------------------------------------------------------ */

typedef struct sc_conv_geom {
    int64_t n, cin, h, w;          /* input */
    int64_t cout, kh, kw;
    int64_t sh, sw, dh, dw;
    int64_t groups, cin_g, cout_g; /* channels per group */
    int64_t ho, wo;                /* output */
    int64_t pad_top, pad_bottom, pad_left, pad_right;
    sc_padding_mode padding_mode;
    sc_activation act;
    /* Padded-coordinate maps. The padded input has rows r in [0, h + pad_top
       + pad_bottom); row_src[r] is the input row it reads (padding mode
       applied), or -1 for a zero row. Output (oh, ow) with kernel tap
       (i, j) reads padded (oh*sh + i*dh, ow*sw + j*dw). Likewise col_src. */
    const int64_t *row_src;
    const int64_t *col_src;
    int64_t hp, wp;                /* lengths of row_src, col_src */
    /* Range of output rows/cols whose every tap reads an unpadded input
       pixel (row_src[r] == r - pad_top): [oh_lo, oh_hi), [ow_lo, ow_hi);
       empty ranges have lo == hi. Kernels use it for a branch-free interior. */
    int64_t oh_lo, oh_hi, ow_lo, ow_hi;
} sc_conv_geom;

/* 1x1, stride 1, no padding: output pixel p reads input pixel p of every
   plane, so a plane is a plain matrix row (im2col reads B in place, the
   direct kernel runs it as one flat run). */
static inline int sc_conv_pointwise(const sc_conv_geom *g)
{
    return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->pad_top == 0 &&
           g->pad_bottom == 0 && g->pad_left == 0 && g->pad_right == 0;
}

/* Output positions [lo, hi) along one axis whose taps o*stride - pad +
   [0, span] all fall inside [0, in): the part a kernel can run without
   padding checks. Empty ranges have lo == hi. */
static inline void sc_interior_range(int64_t in, int64_t out, int64_t pad, int64_t stride,
                                     int64_t span, int64_t *lo, int64_t *hi)
{
    int64_t a = (pad + stride - 1) / stride;
    const int64_t last = in - 1 + pad - span; /* o*stride <= last */
    int64_t b = last < 0 ? 0 : last / stride + 1;
    if (a > out)
        a = out;
    if (b > out)
        b = out;
    if (b < a)
        b = a;
    *lo = a;
    *hi = b;
}

/* The value of padded column col of input row src, through the map. */
static inline int64_t sc_min64(int64_t a, int64_t b) { return a < b ? a : b; }

static inline float sc_padded_col(const sc_conv_geom *g, const float *src, int64_t col)
{
    const int64_t cs = col < g->wp ? g->col_src[col] : -1;
    return cs < 0 ? 0.0f : src[cs];
}

/* n values of one padded input row, at padded columns c0, c0+step, ...:
   dst[q] for padded column c0 + q*step. src is the input row the padded row
   maps to (NULL for a row of zeros); columns go through g->col_src, and past
   the padded extent read as zero. The run inside the input is a plain (or
   strided) copy, so the maps cost only at the borders. Every packer that
   lays padded rows out (im2col's slab, the direct kernels' padded rows, the
   Winograd border windows) goes through here. */
static inline void sc_padded_row(const sc_conv_geom *g, const float *src, int64_t c0,
                                 int64_t step, int64_t n, float *dst)
{
    if (!src) {
        memset(dst, 0, (size_t)n * sizeof(float));
        return;
    }
    const int64_t left = g->pad_left;
    /* q in [qlo, qhi): pad_left <= c0 + q*step < pad_left + w, a plain
       copy; the columns either side go through the map. Step 1 needs no
       division: with the two divisions a row, depthwise 3x3 layers (192
       channels at 28x28, 576 at 14x14 stride 2) ran 6-10% slower and 3-6%
       more instructions (measured). sc_interior_range computes the same
       range for kernels but is not shared: its general form cost 3.5% more
       instructions here. */
    const int64_t lim = left + g->w - c0;
    int64_t qlo, qhi;
    if (step == 1) {
        qlo = c0 >= left ? 0 : left - c0;
        qhi = lim <= 0 ? 0 : lim;
    } else {
        qlo = c0 >= left ? 0 : (left - c0 + step - 1) / step;
        qhi = lim <= 0 ? 0 : (lim + step - 1) / step;
    }
    if (qlo > n)
        qlo = n;
    if (qhi > n)
        qhi = n;
    if (qhi < qlo)
        qhi = qlo;
    for (int64_t q = 0; q < qlo; q++)
        dst[q] = sc_padded_col(g, src, c0 + q * step);
    for (int64_t q = qhi; q < n; q++)
        dst[q] = sc_padded_col(g, src, c0 + q * step);
    if (qlo < qhi) {
        const float *x = src + c0 + qlo * step - left;
        float *d = dst + qlo;
        const int64_t m = qhi - qlo;
        if (step == 1)
            memcpy(d, x, (size_t)m * sizeof(float));
        else if (step == 2) /* a constant stride the compiler vectorises */
            for (int64_t t = 0; t < m; t++)
                d[t] = x[2 * t];
        else
            for (int64_t t = 0; t < m; t++)
                d[t] = x[t * step];
    }
}

/* ------------------------------------------------------------------ */
/* GEMM micro-kernels (kernels/gemm/gemm-<MR>x<NR>-<isa>.c)            */
/* ------------------------------------------------------------------ */

/*
 * Computes the m x n corner (1 <= m <= mr, 1 <= n <= nr) of
 *     C = (accumulate ? C : bias ? bias[i] : 0) + sum_{k < kc} A[k*mr + i] * B[k*ldb + j]
 * A is a packed panel of kc rows of mr floats (zero-padded past m). B is kc
 * rows of nr floats, row k at b + k*ldb: a packed panel (ldb = nr) or, for a
 * 1x1 convolution, the input planes themselves (ldb = H*W). All nr floats of
 * each B row must be readable; columns >= n only feed C columns that are not
 * stored. C is row-major with row stride ldc; only its m x n corner is read
 * or written. kc >= 1. When accumulating, the sums start from C, so every
 * element is the same left-to-right sum however callers cut the reduction
 * into kc blocks or split C over threads. bias (m floats, or NULL) seeds the
 * sums of the first block: the bias costs no pass of its own over C.
 */
typedef void (*sc_gemm_ukernel_fn)(int64_t kc, const float *a, const float *b, int64_t ldb,
                                   float *c, int64_t ldc, int64_t m, int64_t n, int accumulate,
                                   const float *bias);

/*
 * The same tile with an indirect B (sc_igemm_<MR>x<NR>_<isa>): row k is the nr
 * floats at bt[k] + boff, anywhere in memory, all readable. The sums are
 * those of the direct form, term for term, so both give the same bits for
 * the same rows of B.
 */
typedef void (*sc_igemm_ukernel_fn)(int64_t kc, const float *a, const float *const *bt,
                                    int64_t boff, float *c, int64_t ldc, int64_t m, int64_t n,
                                    int accumulate, const float *bias);

typedef struct sc_gemm_kernel {
    sc_isa isa;
    const char *name;   /* "gemm_4x8": the tile, same in describe strings */
    int mr, nr;
    int nr_min; /* cost granularity: n columns cost what n rounded up to nr_min cost */
    sc_gemm_ukernel_fn fn;
    sc_igemm_ukernel_fn ifn;
} sc_gemm_kernel;

/* Columns of the narrowest tile (whole nr_min vectors) that keeps 12
   accumulators: with fewer, a tile cannot cover the FMA latency (two FMA
   pipes of 4 or more cycles), so a tail narrower than this costs what this
   costs. AVX-512 12x32 and NEON 6x16: one or two vectors, 16 and 8
   columns; AVX2 6x16: 16. */
static inline int64_t sc_gemm_busy_cols(const sc_gemm_kernel *k)
{
    return (int64_t)k->nr_min * ((12 + k->mr - 1) / k->mr);
}

/* ------------------------------------------------------------------ */
/* Direct convolution kernels (kernels/direct/direct-<isa>.c)          */
/* ------------------------------------------------------------------ */

/*
 * Computes output rows [oh0, oh1) of output channels [oc0, oc1) (all in one
 * group) of image `in` (one batch image, NCHW, cin planes) into `out` (one
 * batch image, cout planes): each output's sum starts from bias[oc] (from
 * zero when bias is NULL), with no activation. Starting from the bias, as
 * the GEMM kernels do, saves the executor a second pass over the output.
 * weight is PyTorch's layout (cout, cin_g, kh, kw). scratch, when not NULL,
 * holds SC_DIRECT_SCRATCH(g) floats the kernel may use to pad the group's
 * input rows once per call (kernels that have no use for it ignore it).
 */
#define SC_DIRECT_SCRATCH(g)                                                                    \
    ((g)->cin_g * (g)->hp * SC_DIRECT_PHASES(g) * SC_DIRECT_WQ(g) + SC_DIRECT_SLACK(g))
/* A padded row in scratch: at strides of 3 and more, its sw column phases
   of SC_DIRECT_WQ floats each (phase f holds padded columns f, f + sw, ...),
   else the padded row itself. tap_off[j] (kw entries, made at plan
   creation; NULL below stride 3) is where tap j of output column 0 lies in
   such a row. */
#define SC_DIRECT_PHASES(g) ((g)->sw >= 3 ? (g)->sw : 1)
#define SC_DIRECT_WQ(g) (((g)->wp + SC_DIRECT_PHASES(g) - 1) / SC_DIRECT_PHASES(g))
/* Floats after the padded rows that a vector of the widest ISA (16 lanes)
   may read past the last row's end. */
#define SC_DIRECT_SLACK(g) (16 * (g)->sw)
typedef void (*sc_direct_fn)(const sc_conv_geom *g, const float *in, const float *weight,
                             const float *bias, const int64_t *tap_off, float *out, int64_t oc0,
                             int64_t oc1, int64_t oh0, int64_t oh1, float *scratch);

typedef struct sc_direct_kernel {
    sc_isa isa;
    const char *name;  /* "direct" */
    sc_direct_fn fn;
} sc_direct_kernel;

/*
 * Depthwise convolution with channels in lanes (kernels/depthwise/
 * depthwise-<isa>.c), for layers with one input and one output channel per
 * group. One call computes output rows [oh0, oh1) of channels c0 ..
 * c0 + vlen - 1 (fewer at the end) of one image, each sum from bias[c]
 * (zero when bias is NULL) with no activation, in the plane kernel's tap
 * order. wp is the channel block's packed weights: kh*kw vectors of vlen
 * floats, tap (i, j) at (i*kw + j)*vlen, lanes past the last channel zero.
 * scratch holds SC_DEPTHWISE_SCRATCH(g, vlen, oh1 - oh0) floats.
 */
/* Window row (padded columns a call reads), in pixels. The scratch holds
   the call's window rows, then its stage: two output rows as channel
   vectors, with a vector's worth of pixels on either side. */
#define SC_DEPTHWISE_WQ_V(g, v)                                                                 \
    (((g)->wo - 1) * (g)->sw + ((g)->kw - 1) * (g)->dw + (v)) / (v) * (v)
#define SC_DEPTHWISE_SCRATCH(g, v, rows)                                                        \
    ((((rows) - 1) * (g)->sh + ((g)->kh - 1) * (g)->dh + 1) * SC_DEPTHWISE_WQ_V(g, v) * (v) +  \
     (2 * (g)->wo + 2 * (v)) * (v))
#define SC_DEPTHWISE_WQ(g) SC_DEPTHWISE_WQ_V(g, SC_VLEN)
typedef void (*sc_depthwise_fn)(const sc_conv_geom *g, const float *in, const float *wp,
                                const float *bias, float *out, int64_t c0, int64_t oh0,
                                int64_t oh1, float *scratch);

typedef struct sc_depthwise_kernel {
    sc_isa isa;
    const char *name; /* "depthwise" */
    int vlen;         /* channels per call */
    sc_depthwise_fn fn;
} sc_depthwise_kernel;

/* ------------------------------------------------------------------ */
/* im2col B packing (kernels/pack/pack-b-<isa>.c)                      */
/* ------------------------------------------------------------------ */

/*
 * One B row of ncur output pixels for one tap: pixel t (row-major over
 * output rows wo wide, starting at column ow0 of the first) is
 * rp[r][ow] for its block row r and column ow, stored at
 * dst[(t / nr) * panel_stride + t % nr]; lanes of the last panel past ncur
 * are zeroed. nr is a multiple of the kernel's vector width. Reads may reach
 * 16 floats before and after each row's used part (the slab's slack).
 */
typedef void (*sc_pack_b_fn)(const float *const *rp, int64_t wo, int64_t ow0, int64_t ncur,
                             int64_t nr, int64_t panel_stride, float *dst);

/*
 * Rows of a transposed im2col panel (kernels/pack/pack-xt-<isa>.c): row kk
 * of an mr-pixel panel at dst + kk*mr holds, lane after lane, the runs
 * src + koff[kk] + off[r] (len[r] floats each, r < nruns), then zeros up to
 * mr. Reads and writes reach a vector (16 floats at most) past a run and
 * past the last row: the caller leaves that much slack after both buffers.
 */
typedef void (*sc_pack_xt_fn)(const float *src, const int64_t *koff, int64_t nk,
                              const int64_t *off, const int64_t *len, int64_t nruns, int64_t mr,
                              float *dst);

typedef struct sc_pack_kernel {
    sc_isa isa;
    int vlen;           /* floats per vector: nr must be a multiple */
    sc_pack_b_fn fn;
    sc_pack_xt_fn xt;
} sc_pack_kernel;

/* ------------------------------------------------------------------ */
/* Winograd transforms (kernels/winograd/winograd-f<m>x<m>-<r>x<r>-<isa>.c) */
/* ------------------------------------------------------------------ */

/*
 * F(m x m, r x r), alpha = m + r - 1. Tiles are numbered in raster order over the
 * tiles_w-wide grid anchored at output (0, 0); tile t has its top-left padded
 * input coordinate at (t / tiles_w * m, t % tiles_w * m).
 * input: transforms tiles tile0 .. tile0+count-1 of one input plane, read
 *   through g->row_src/col_src (so every padding mode works; coordinates past
 *   the padded extent read as zero), and writes V = B^T d B of tile
 *   tile0 + l to v[xi * v_stride + l] for xi in [0, alpha*alpha) and l in
 *   [0, count), nothing else.
 * output: reads M of tile tile0 + l (l < count; the tiles may span several
 *   tile rows) from m_in[xi * m_stride + l], computes Y = A^T M A (plus
 *   *bias, one rounded add, unless bias is NULL; then ReLU or ReLU6 when act
 *   is one, any other act left to the caller) and writes each tile's
 *   outputs, clipped at the output edge, into the ho x wo plane y, nothing
 *   else.
 * A kernel may transform several tiles per vector; a tile's result is the
 * same whichever call or lane handles it.
 */
typedef void (*sc_wino_input_fn)(const sc_conv_geom *g, const float *plane, int64_t tiles_w,
                                 int64_t tile0, int64_t count, float *v, int64_t v_stride);
typedef void (*sc_wino_output_fn)(const float *m_in, int64_t m_stride, int64_t tile0,
                                  int64_t count, int64_t tiles_w, const float *bias,
                                  sc_activation act, float *y, int64_t ho, int64_t wo);

typedef struct sc_winograd_kernel {
    sc_isa isa;
    const char *name;   /* "winograd_f4x4_3x3" */
    int m;              /* output tile: 2 or 4 for r = 3, 3 for r = 4 */
    int r;              /* kernel: 3 or 4 */
    sc_wino_input_fn input;
    sc_wino_output_fn output;
} sc_winograd_kernel;

/* ------------------------------------------------------------------ */
/* Pooling kernels (kernels/pool/{max,avg}pool-<isa>.c)                */
/* ------------------------------------------------------------------ */

typedef struct sc_pool_geom {
    sc_pool_kind kind;
    int64_t h, w, ho, wo;
    int64_t kh, kw, sh, sw, ph, pw, dh, dw;
    int count_include_pad;
    int64_t divisor_override;
} sc_pool_geom;

/* Computes output rows [oh0, oh1) of one plane. indices may be NULL (max
   only). The kernel handles every window, borders included. */
typedef void (*sc_pool_fn)(const sc_pool_geom *g, const float *in, float *out,
                           int64_t *indices, int64_t oh0, int64_t oh1);

/* Global pooling of nplanes consecutive planes of len floats, the window
   each whole plane, no padding: out[i] = plane i's value / divisor (avg). */
typedef void (*sc_pool_global_fn)(const float *in, int64_t len, int64_t nplanes,
                                  int64_t divisor, float *out);

typedef struct sc_pool_kernel {
    sc_isa isa;
    const char *name;   /* "maxpool", "avgpool" */
    sc_pool_fn fn;
    sc_pool_global_fn global; /* NULL: fn serves global pooling too */
} sc_pool_kernel;

/* ------------------------------------------------------------------ */
/* Kernel tables (core/kernel-table.c), best first, NULL-name terminated */
/* ------------------------------------------------------------------ */

extern const sc_gemm_kernel sc_gemm_kernels[];
extern const sc_direct_kernel sc_direct_kernels[];
extern const sc_depthwise_kernel sc_depthwise_kernels[];
extern const sc_winograd_kernel sc_winograd_kernels[];
extern const sc_pack_kernel sc_pack_kernels[];
extern const sc_pool_kernel sc_maxpool_kernels[];
extern const sc_pool_kernel sc_avgpool_kernels[];

typedef struct sc_epilogue_kernel {
    sc_isa isa;
    sc_epilogue_fn fn;
} sc_epilogue_kernel;
extern const sc_epilogue_kernel sc_epilogue_kernels[];

/* Best epilogue for an ISA (falls back to scalar). */
sc_epilogue_fn sc_epilogue_for(sc_isa isa);

#include "kernels.h"

#endif /* SC_INTERNAL_H */
