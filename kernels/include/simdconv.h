/*
 * simdconv: SIMD convolution and pooling kernels with torch.nn.Conv2d,
 * MaxPool2d and AvgPool2d semantics (float32, NCHW).
 *
 * This header implements the public contract (shared/CONTRACT.md) exactly.
 * Additions to the contract are marked "Addition:" where they appear.
 *
 * Data: float32, contiguous, NCHW for activations, PyTorch's
 * (Cout, Cin/groups, KH, KW) for convolution weights. No alignment is
 * required of any user pointer. Sizes are int64_t.
 */
#ifndef SIMDCONV_H
#define SIMDCONV_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define SC_API
#elif defined(__GNUC__)
#define SC_API __attribute__((visibility("default")))
#else
#define SC_API
#endif

/* ------------------------------------------------------------------ */
/* Status and errors                                                   */
/* ------------------------------------------------------------------ */

typedef enum sc_status {
    SC_OK = 0,
    SC_INVALID_ARGUMENT = 1, /* NULL pointer, size < 1, groups not dividing channels,
                                output smaller than 1x1, padding rule broken, size overflow */
    SC_UNSUPPORTED = 2,      /* valid request this build or CPU cannot serve, e.g. a forced
                                algorithm that does not apply to the shape */
    SC_OUT_OF_MEMORY = 3
} sc_status;

SC_API const char *sc_status_string(sc_status s);
/* Thread-local; names the offending field and value, e.g.
   "conv2d: groups=3 does not divide in_channels=64". Set on every failure. */
SC_API const char *sc_last_error(void);

/* ------------------------------------------------------------------ */
/* CPU dispatch                                                        */
/* ------------------------------------------------------------------ */

typedef enum sc_isa { SC_ISA_SCALAR = 0, SC_ISA_AVX2 = 1, SC_ISA_AVX512 = 2, SC_ISA_NEON = 3 } sc_isa;

/* Best ISA this CPU, its OS (XCR0) and this build support. Detected once. */
SC_API sc_isa sc_isa_detected(void);
/* What plans created now will use (the detected ISA under the current cap). */
SC_API sc_isa sc_isa_active(void);
/* Cap dispatch at max (like ONEDNN_MAX_CPU_ISA). The cap replaces any earlier
   cap, including the one SIMDCONV_ISA set, so a later call may raise it again.
   SC_UNSUPPORTED (cap unchanged) if max is not available here;
   SC_INVALID_ARGUMENT if max is outside the enum. */
SC_API sc_status sc_isa_limit(sc_isa max);
/* "scalar", "avx2", "avx512", "neon"; "unknown" outside the enum. */
SC_API const char *sc_isa_name(sc_isa isa);
SC_API const char *sc_version(void);

/*
 * Environment:
 *   SIMDCONV_ISA=scalar|avx2|avx512|neon  caps dispatch at start-up, as
 *     sc_isa_limit; an unknown or unavailable value leaves the best available
 *     ISA below it (or the detected one) active, silently.
 *   SIMDCONV_VERBOSE=1  prints one line to stderr per plan created: the shape,
 *     the chosen kernel and ISA, and why each better-ranked candidate was
 *     rejected. This is the only output the library ever prints.
 */

/* ------------------------------------------------------------------ */
/* Convolution (torch.nn.Conv2d)                                       */
/* ------------------------------------------------------------------ */

typedef enum sc_padding_mode {
    SC_PAD_ZEROS = 0, SC_PAD_REFLECT = 1, SC_PAD_REPLICATE = 2, SC_PAD_CIRCULAR = 3
} sc_padding_mode;
/* SC_CONV_WINOGRAD serves 3x3 and 4x4 kernels at stride 1 (any dilation), and undilated
   kernels whose stride phases are 3x3 or 4x4 in both dimensions: ceil(k/s) == 3 or 4
   (11x11/4, 5x5/2, 7x7/2) or ceil((s + k) / (2s)) == 3 or 4 (5x5/1, 7x7/1, 9x9/2), run
   as one 3x3 or 4x4 Winograd problem over the phases (README, "How SC_CONV_AUTO
   chooses"). */
typedef enum sc_conv_algo {
    SC_CONV_AUTO = 0, SC_CONV_DIRECT = 1, SC_CONV_IM2COL = 2, SC_CONV_WINOGRAD = 3
} sc_conv_algo;
typedef enum sc_activation {
    SC_ACT_NONE = 0, SC_ACT_RELU = 1, SC_ACT_RELU6 = 2, SC_ACT_SIGMOID = 3, SC_ACT_TANH = 4,
    SC_ACT_SILU = 5, SC_ACT_GELU = 6 /* erf form */, SC_ACT_GELU_TANH = 7, SC_ACT_MISH = 8
} sc_activation;

typedef struct sc_conv2d_desc {
    int64_t batch, in_channels, in_height, in_width;
    int64_t out_channels, kernel_h, kernel_w;
    int64_t stride_h, stride_w;       /* >= 1 */
    int64_t pad_h, pad_w;             /* >= 0, applied on both sides, as padding=(pad_h, pad_w) */
    int64_t dilation_h, dilation_w;   /* >= 1 */
    int64_t groups;                   /* >= 1, divides in_channels and out_channels */
    int     padding_same;             /* 1: padding='same' as PyTorch (stride 1 only, extra
                                         pixel at bottom/right when the total is odd); pad_h/pad_w ignored */
    sc_padding_mode padding_mode;
    sc_activation   activation;       /* applied after the bias */
} sc_conv2d_desc;

/* PyTorch's defaults: stride 1, pad 0, dilation 1, groups 1, zeros, no activation. */
SC_API void sc_conv2d_desc_init(sc_conv2d_desc *d, int64_t batch, int64_t in_channels,
                                int64_t in_height, int64_t in_width, int64_t out_channels,
                                int64_t kernel_h, int64_t kernel_w);

/* Ho = floor((H + pad_top + pad_bottom - dilation_h*(KH-1) - 1) / stride_h) + 1 (true floor),
   likewise Wo; both must be >= 1. Runs every descriptor check of plan_create. */
SC_API sc_status sc_conv2d_output_size(const sc_conv2d_desc *d, int64_t *out_height,
                                       int64_t *out_width);

typedef struct sc_conv2d_options {
    sc_conv_algo algo;   /* SC_CONV_AUTO picks; a forced algorithm that cannot serve the shape is SC_UNSUPPORTED */
    int num_threads;     /* 0: omp_get_max_threads(), read when the plan is created. A run
                            never uses more; one too small to gain from them (under about
                            1 MFLOP per thread) uses fewer, with bitwise the same result. */
    /* Addition: Winograd output tile, 0 = chosen by the plan (see README), 2 forces
       F(2x2,3x3), 4 forces F(4x4,3x3), 3 forces F(3x3,4x4) (for layers whose kernel, or
       whose stride phases' kernels, are 4x4: 4x4 and 7x7/1 kernels, 7x7 and 8x8 at
       stride 2, ...); a tile that does not fit the layer's kernel makes a forced
       SC_CONV_WINOGRAD plan SC_UNSUPPORTED; anything else is SC_INVALID_ARGUMENT.
       Zero-initialise the struct and older code keeps working. */
    int winograd_tile;
} sc_conv2d_options;

typedef struct sc_conv2d_plan sc_conv2d_plan;

/* weight is read (and may be packed or transformed) during create; the caller may free it after.
   bias may be NULL (no bias). options may be NULL (defaults). */
SC_API sc_status sc_conv2d_plan_create(const sc_conv2d_desc *d, const float *weight,
                                       const float *bias, const sc_conv2d_options *options,
                                       sc_conv2d_plan **plan);
SC_API sc_status sc_conv2d_run(const sc_conv2d_plan *plan, const float *input, float *output);
/* The same run on scratch memory the caller owns (at least workspace_size bytes, any alignment). */
SC_API size_t sc_conv2d_workspace_size(const sc_conv2d_plan *plan);
SC_API sc_status sc_conv2d_run_with_workspace(const sc_conv2d_plan *plan, const float *input,
                                              float *output, void *workspace);
/* e.g. "winograd_f4x4_3x3/avx512", starting with "direct", "im2col" or "winograd". "" for NULL. */
SC_API const char *sc_conv2d_plan_describe(const sc_conv2d_plan *plan);
SC_API void sc_conv2d_plan_destroy(sc_conv2d_plan *plan); /* NULL is a no-op */

/* One call: plan, run, destroy. */
SC_API sc_status sc_conv2d(const sc_conv2d_desc *d, const float *input, const float *weight,
                           const float *bias, float *output);

/* ------------------------------------------------------------------ */
/* Pooling (torch.nn.MaxPool2d, torch.nn.AvgPool2d)                    */
/* ------------------------------------------------------------------ */

typedef enum sc_pool_kind { SC_POOL_MAX = 0, SC_POOL_AVG = 1 } sc_pool_kind;
typedef struct sc_pool2d_desc {
    sc_pool_kind kind;
    int64_t batch, channels, in_height, in_width;
    int64_t kernel_h, kernel_w;
    int64_t stride_h, stride_w;       /* >= 1 (init sets them to the kernel size, as PyTorch) */
    int64_t pad_h, pad_w;             /* 0 <= pad <= kernel/2 */
    int64_t dilation_h, dilation_w;   /* max only; must be 1 for avg */
    int     ceil_mode;
    int     count_include_pad;        /* avg only */
    int64_t divisor_override;         /* avg only; 0 = none */
} sc_pool2d_desc;

/* PyTorch's defaults: stride = kernel, pad 0, dilation 1, floor mode,
   count_include_pad 1 (AvgPool2d's default), no divisor override. */
SC_API void sc_pool2d_desc_init(sc_pool2d_desc *d, sc_pool_kind kind, int64_t batch,
                                int64_t channels, int64_t in_height, int64_t in_width,
                                int64_t kernel_h, int64_t kernel_w);
SC_API sc_status sc_pool2d_output_size(const sc_pool2d_desc *d, int64_t *out_height,
                                       int64_t *out_width);

typedef struct sc_pool2d_options { int num_threads; /* 0: omp_get_max_threads() */ } sc_pool2d_options;
typedef struct sc_pool2d_plan sc_pool2d_plan;
SC_API sc_status sc_pool2d_plan_create(const sc_pool2d_desc *d, const sc_pool2d_options *options,
                                       sc_pool2d_plan **plan);
/* indices: NULL, or (max only) an int64 NCHW buffer of the output's shape that receives the
   flat index h*W+w of each maximum inside its input plane, as return_indices=True. */
SC_API sc_status sc_pool2d_run(const sc_pool2d_plan *plan, const float *input, float *output,
                               int64_t *indices);
/* e.g. "maxpool/avx2"; "" for NULL. */
SC_API const char *sc_pool2d_plan_describe(const sc_pool2d_plan *plan);
SC_API void sc_pool2d_plan_destroy(sc_pool2d_plan *plan); /* NULL is a no-op */
SC_API sc_status sc_pool2d(const sc_pool2d_desc *d, const float *input, float *output,
                           int64_t *indices);

/*
 * Threads and determinism:
 * - A plan is immutable after create: one plan may be run from several
 *   threads at once on different buffers.
 * - num_threads is honoured exactly. Called from inside an active OpenMP
 *   parallel region, a run uses the calling thread alone.
 * - For a given plan, the output is bitwise identical for every thread count.
 */

#ifdef __cplusplus
}
#endif

#endif /* SIMDCONV_H */
