/*
 * The throughput loop shared by the peak-*.c files, instantiated once per
 * ISA with that file's vector type and multiply-add. Included only by those
 * files (after defining _POSIX_C_SOURCE); everything here is static.
 *
 * Before including, define:
 *   SCB_VEC            the vector type
 *   SCB_LANES          floats per vector
 *   SCB_SET1(x)        broadcast
 *   SCB_MADD(a, b, c)  a*b + c (one FMA, or a multiply and an add)
 *   SCB_SUM(v)         horizontal sum as float
 *
 * Each thread times short windows of the loop (about 30 us at these rates)
 * on the monotonic clock and keeps its fastest; the rates are summed over
 * the threads. On a shared, busy machine a preempted or slowed window only
 * reads slower, so the fastest is the core's capability, the same minimum
 * the benchmarks report as fastest_s. Timed over whole 2 ms passes on the
 * thread's CPU-time clock instead, the peak read 4-8% lower on the 2-vCPU
 * AVX-512 host (223-227 against 236-242 GFLOP/s), below the fastest windows
 * of the GEMM micro-kernel and of oneDNN's convolutions. The thread counts
 * asked for never exceed the core count.
 */
#include <omp.h>
#include <time.h>

#define SCB_CHAINS 12 /* > FMA latency x pipes on current x86 cores (4 x 2) */

/* The thread's CPU time (peak-baseline.c's bandwidth passes). */
static inline double scb_thread_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline double scb_wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double scb_peak_run(int threads)
{
    const long reps = 20000; /* per window: ~30 us at 200 GFLOP/s */
    const int windows = 400; /* per thread: ~15 ms */
    double rate = 0.0;       /* GFLOP/s summed over threads */
    float total = 0.0f;
    volatile float sink;
#pragma omp parallel num_threads(threads)
    {
        SCB_VEC acc[SCB_CHAINS];
        const SCB_VEC a = SCB_SET1(0.999999f), b = SCB_SET1(1e-6f);
        for (int i = 0; i < SCB_CHAINS; i++)
            acc[i] = SCB_SET1((float)(omp_get_thread_num() + i));
        double fastest = 0.0;
        /* The first windows warm up (clock ramp, wide-vector units) and
           are not counted. */
        for (int w = 0; w < windows; w++) {
            const double t0 = scb_wall_seconds();
            for (long r = 0; r < reps; r++) {
                /* Fixed point 1.0: no overflow, no denormals. */
                for (int i = 0; i < SCB_CHAINS; i++)
                    acc[i] = SCB_MADD(acc[i], a, b);
            }
            const double dt = scb_wall_seconds() - t0;
            if (w >= 16 && dt > 0 && (fastest == 0.0 || dt < fastest))
                fastest = dt;
        }
        float s = 0.0f;
        for (int i = 0; i < SCB_CHAINS; i++)
            s += SCB_SUM(acc[i]);
        const double flops = 2.0 * SCB_LANES * SCB_CHAINS * (double)reps;
        const double g = fastest > 0 ? flops / fastest * 1e-9 : 0.0;
#pragma omp atomic
        total += s;
#pragma omp atomic
        rate += g;
    }
    sink = total;
    (void)sink;
    return rate;
}
