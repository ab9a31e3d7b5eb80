/* Every kernel function, declared once so that each definition is checked
   against the signature the tables store. Included by internal.h. */
#ifndef SC_KERNELS_H
#define SC_KERNELS_H

/* epilogue/epilogue-<isa>.c */
void sc_epilogue_scalar(float *x, int64_t n, float bias, sc_activation act);
#if defined(__x86_64__) || defined(_M_X64)
void sc_epilogue_avx2(float *x, int64_t n, float bias, sc_activation act);
void sc_epilogue_avx512(float *x, int64_t n, float bias, sc_activation act);
#endif
#if defined(__aarch64__)
void sc_epilogue_neon(float *x, int64_t n, float bias, sc_activation act);
#endif

/* gemm/gemm-<mr>x<nr>-<isa>.c: the packed-B and indirect-B forms of a tile */
#define SC_DECLARE_GEMM(tile, isa)                                                             \
    void sc_gemm_##tile##_##isa(int64_t kc, const float *a, const float *b, int64_t ldb,       \
                                float *c, int64_t ldc, int64_t m, int64_t n, int accumulate,   \
                                const float *bias);                                            \
    void sc_igemm_##tile##_##isa(int64_t kc, const float *a, const float *const *bt,           \
                                 int64_t boff, float *c, int64_t ldc, int64_t m, int64_t n,    \
                                 int accumulate, const float *bias)
/* Both entry points of a tile from its body, sc_gemm_<tile>_body(kc, a, b,
   ldb, bt, boff, c, ldc, m, n, accumulate, bias), an always-inline function
   that reads B row k at bt[k] + boff when bt is set, else at b + k*ldb; each
   entry point compiles it with the other form folded away. */
#define SC_DEFINE_GEMM(tile, isa)                                                              \
    void sc_gemm_##tile##_##isa(int64_t kc, const float *a, const float *b, int64_t ldb,       \
                                float *c, int64_t ldc, int64_t m, int64_t n, int accumulate,   \
                                const float *bias)                                             \
    {                                                                                          \
        sc_gemm_##tile##_body(kc, a, b, ldb, NULL, 0, c, ldc, m, n, accumulate, bias);         \
    }                                                                                          \
    void sc_igemm_##tile##_##isa(int64_t kc, const float *a, const float *const *bt,           \
                                 int64_t boff, float *c, int64_t ldc, int64_t m, int64_t n,    \
                                 int accumulate, const float *bias)                            \
    {                                                                                          \
        sc_gemm_##tile##_body(kc, a, NULL, 0, bt, boff, c, ldc, m, n, accumulate, bias);       \
    }
/* A tile body's dispatch on its row count m: calls ROWS(R) with R = m as a
   compile-time constant, m past the tile's MR rows taken as MR, so that a
   short panel (cout not a multiple of MR) runs a loop compiled for exactly
   its rows. */
#define SC_GEMM_ROWS_1_TO_5(ROWS)                                                               \
    case 1: ROWS(1); break;                                                                    \
    case 2: ROWS(2); break;                                                                    \
    case 3: ROWS(3); break;                                                                    \
    case 4: ROWS(4); break;                                                                    \
    case 5: ROWS(5); break;
#define SC_GEMM_FOR_ROWS_6(m, ROWS)                                                             \
    switch (m) {                                                                               \
    SC_GEMM_ROWS_1_TO_5(ROWS)                                                                  \
    default: ROWS(6); break;                                                                   \
    }
#define SC_GEMM_FOR_ROWS_12(m, ROWS)                                                            \
    switch (m) {                                                                               \
    SC_GEMM_ROWS_1_TO_5(ROWS)                                                                  \
    case 6: ROWS(6); break;                                                                    \
    case 7: ROWS(7); break;                                                                    \
    case 8: ROWS(8); break;                                                                    \
    case 9: ROWS(9); break;                                                                    \
    case 10: ROWS(10); break;                                                                  \
    case 11: ROWS(11); break;                                                                  \
    default: ROWS(12); break;                                                                  \
    }

SC_DECLARE_GEMM(4x8, scalar);
#if defined(__x86_64__) || defined(_M_X64)
SC_DECLARE_GEMM(6x16, avx2);
SC_DECLARE_GEMM(12x32, avx512);
#endif
#if defined(__aarch64__)
SC_DECLARE_GEMM(6x16, neon);
#endif

/* direct/direct-<isa>.c */
#define SC_DECLARE_DIRECT(isa)                                                                 \
    void sc_direct_##isa(const sc_conv_geom *g, const float *in, const float *weight,          \
                         const float *bias, const int64_t *tap_off, float *out, int64_t oc0,   \
                         int64_t oc1, int64_t oh0, int64_t oh1, float *scratch)
SC_DECLARE_DIRECT(scalar);
#if defined(__x86_64__) || defined(_M_X64)
SC_DECLARE_DIRECT(avx2);
SC_DECLARE_DIRECT(avx512);
#endif
#if defined(__aarch64__)
SC_DECLARE_DIRECT(neon);
#endif

/* depthwise/depthwise-<isa>.c */
#define SC_DECLARE_DEPTHWISE(isa)                                                              \
    void sc_depthwise_##isa(const sc_conv_geom *g, const float *in, const float *wp,           \
                            const float *bias, float *out, int64_t c0, int64_t oh0,            \
                            int64_t oh1, float *scratch)
#if defined(__x86_64__) || defined(_M_X64)
SC_DECLARE_DEPTHWISE(avx2);
SC_DECLARE_DEPTHWISE(avx512);
#endif
#if defined(__aarch64__)
SC_DECLARE_DEPTHWISE(neon);
#endif

/* pack/pack-b-<isa>.c */
#define SC_DECLARE_PACK_B(isa)                                                                 \
    void sc_pack_b_##isa(const float *const *rp, int64_t wo, int64_t ow0, int64_t ncur,       \
                         int64_t nr, int64_t panel_stride, float *dst)
SC_DECLARE_PACK_B(scalar);
#if defined(__x86_64__) || defined(_M_X64)
SC_DECLARE_PACK_B(avx2);
SC_DECLARE_PACK_B(avx512);
#endif
#if defined(__aarch64__)
SC_DECLARE_PACK_B(neon);
#endif

/* pack/pack-xt-<isa>.c */
#define SC_DECLARE_PACK_XT(isa)                                                                \
    void sc_pack_xt_##isa(const float *src, const int64_t *koff, int64_t nk, const int64_t *off, \
                          const int64_t *len, int64_t nruns, int64_t mr, float *dst)
SC_DECLARE_PACK_XT(scalar);
#if defined(__x86_64__) || defined(_M_X64)
SC_DECLARE_PACK_XT(avx2);
SC_DECLARE_PACK_XT(avx512);
#endif
#if defined(__aarch64__)
SC_DECLARE_PACK_XT(neon);
#endif

/* winograd/winograd-f<m>x<m>-<r>x<r>-<isa>.c */
#define SC_DECLARE_WINOGRAD(m, r, isa)                                                         \
    void sc_winograd_f##m##x##m##_##r##x##r##_input_##isa(                                     \
        const sc_conv_geom *g, const float *plane, int64_t tiles_w, int64_t tile0,             \
        int64_t count, float *v, int64_t v_stride);                                            \
    void sc_winograd_f##m##x##m##_##r##x##r##_output_##isa(                                    \
        const float *m_in, int64_t m_stride, int64_t tile0, int64_t count, int64_t tiles_w,    \
        const float *bias, sc_activation act, float *y, int64_t ho, int64_t wo)
#define SC_DECLARE_WINOGRAD_ALL(isa)                                                           \
    SC_DECLARE_WINOGRAD(2, 3, isa);                                                            \
    SC_DECLARE_WINOGRAD(4, 3, isa);                                                            \
    SC_DECLARE_WINOGRAD(3, 4, isa)
SC_DECLARE_WINOGRAD_ALL(scalar);
#if defined(__x86_64__) || defined(_M_X64)
SC_DECLARE_WINOGRAD_ALL(avx2);
SC_DECLARE_WINOGRAD_ALL(avx512);
#endif
#if defined(__aarch64__)
SC_DECLARE_WINOGRAD_ALL(neon);
#endif

/* pool/{max,avg}pool-<isa>.c */
#define SC_DECLARE_POOL(fn)                                                                    \
    void fn(const sc_pool_geom *g, const float *in, float *out, int64_t *indices, int64_t oh0, \
            int64_t oh1)
SC_DECLARE_POOL(sc_maxpool_scalar);
SC_DECLARE_POOL(sc_avgpool_scalar);
#if defined(__x86_64__) || defined(_M_X64)
SC_DECLARE_POOL(sc_maxpool_avx2);
SC_DECLARE_POOL(sc_avgpool_avx2);
SC_DECLARE_POOL(sc_maxpool_avx512);
SC_DECLARE_POOL(sc_avgpool_avx512);
#endif
#if defined(__aarch64__)
SC_DECLARE_POOL(sc_maxpool_neon);
SC_DECLARE_POOL(sc_avgpool_neon);
#endif
#undef SC_DECLARE_POOL
#define SC_DECLARE_POOL_GLOBAL(fn)                                                             \
    void fn(const float *in, int64_t len, int64_t nplanes, int64_t divisor, float *out)
SC_DECLARE_POOL_GLOBAL(sc_avgpool_global_scalar);
#if defined(__x86_64__) || defined(_M_X64)
SC_DECLARE_POOL_GLOBAL(sc_avgpool_global_avx2);
SC_DECLARE_POOL_GLOBAL(sc_avgpool_global_avx512);
#endif
#if defined(__aarch64__)
SC_DECLARE_POOL_GLOBAL(sc_avgpool_global_neon);
#endif
#undef SC_DECLARE_POOL_GLOBAL

#endif
