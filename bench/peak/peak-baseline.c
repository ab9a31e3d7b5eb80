/*
 * Baseline-flag peak (what the "scalar" kernels, compiled without ISA flags,
 * can reach) and the memory bandwidth probes. Compiled with the project's
 * baseline flags only.
 */
#define _POSIX_C_SOURCE 200112L /* posix_memalign, clock_gettime */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "peak.h"

typedef float scb_v4 __attribute__((vector_size(16)));

static inline scb_v4 scb_set1_v4(float x) { return (scb_v4){x, x, x, x}; }
static inline float scb_sum_v4(scb_v4 v) { return v[0] + v[1] + v[2] + v[3]; }

#define SCB_VEC scb_v4
#define SCB_LANES 4
#define SCB_SET1(x) scb_set1_v4(x)
/* Kept as a separate multiply and add: no FMA in the x86-64 baseline. */
#define SCB_MADD(a, b, c) ((a) * (b) + (c))
#define SCB_SUM(v) scb_sum_v4(v)
#include "peak-loop.h"

double scb_peak_gflops_baseline(int threads) { return scb_peak_run(threads); }

/* Buffers far larger than any last-level cache of this class of machine. */
#define SCB_STREAM_BYTES ((size_t)256 << 20)

static float *scb_stream_buf(size_t bytes)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes) != 0)
        return NULL;
    memset(p, 1, bytes); /* fault the pages in before timing */
    return (float *)p;
}

/* The part [*off, *off + *len) of n units that thread t of nt handles. */
static void scb_split(size_t n, int t, int nt, size_t *off, size_t *len)
{
    const size_t chunk = n / (size_t)nt;
    *off = chunk * (size_t)t;
    *len = t == nt - 1 ? n - *off : chunk;
}

/* Both probes time each thread with its own CPU-time clock and sum the
   per-thread rates (see peak-loop.h): preemption by other processes does not
   count against the bandwidth; their memory traffic does. */
double scb_stream_read_gbs(int threads)
{
    const size_t n = SCB_STREAM_BYTES / sizeof(scb_v4);
    scb_v4 *a = (scb_v4 *)scb_stream_buf(SCB_STREAM_BYTES);
    if (!a)
        return 0.0;
    double best = 0.0;
    float total = 0.0f;
    volatile float sink;
    for (int pass = 0; pass < 6; pass++) {
        double rate = 0.0;
#pragma omp parallel num_threads(threads)
        {
            size_t off, len;
            scb_split(n / 4, omp_get_thread_num(), omp_get_num_threads(), &off, &len);
            const scb_v4 *v = a + 4 * off;
            scb_v4 s0 = scb_set1_v4(0), s1 = s0, s2 = s0, s3 = s0;
            const double t0 = scb_thread_seconds();
            for (size_t i = 0; i < 4 * len; i += 4) {
                s0 += v[i];
                s1 += v[i + 1];
                s2 += v[i + 2];
                s3 += v[i + 3];
            }
            const double dt = scb_thread_seconds() - t0;
            const float s = scb_sum_v4(s0 + s1 + s2 + s3);
            const double g = (double)(4 * len * sizeof(scb_v4)) / dt * 1e-9;
#pragma omp atomic
            total += s;
#pragma omp atomic
            rate += g;
        }
        if (pass > 0 && rate > best)
            best = rate;
    }
    sink = total;
    (void)sink;
    free(a);
    return best;
}

double scb_stream_copy_gbs(int threads)
{
    const size_t bytes = SCB_STREAM_BYTES / 2;
    char *a = (char *)scb_stream_buf(bytes), *b = (char *)scb_stream_buf(bytes);
    if (!a || !b) {
        free(a);
        free(b);
        return 0.0;
    }
    double best = 0.0;
    for (int pass = 0; pass < 6; pass++) {
        double rate = 0.0;
#pragma omp parallel num_threads(threads)
        {
            size_t off, len;
            scb_split(bytes / 64, omp_get_thread_num(), omp_get_num_threads(), &off, &len);
            const double t0 = scb_thread_seconds();
            memcpy(b + 64 * off, a + 64 * off, 64 * len);
            const double dt = scb_thread_seconds() - t0;
            const double g = 2.0 * (double)(64 * len) / dt * 1e-9;
#pragma omp atomic
            rate += g;
        }
        if (pass > 0 && rate > best)
            best = rate;
        a[pass] = (char)(a[pass] + b[pass + 1]); /* keep the copies observable */
    }
    free(a);
    free(b);
    return best;
}
