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
 * Each thread times itself with its own CPU-time clock, and the rates are
 * summed: on a shared, busy machine a thread that is preempted does not
 * lower the measured peak of the core it runs on (wall-clock timing would).
 * The thread counts asked for never exceed the core count.
 */
#include <omp.h>
#include <time.h>

#define SCB_CHAINS 12 /* > FMA latency x pipes on current x86 cores (4 x 2) */

static inline double scb_thread_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double scb_peak_run(int threads)
{
    const long reps = 1000000; /* per pass: ~2 ms per thread at 100 GFLOP/s */
    double best = 0.0;
    float total = 0.0f;
    volatile float sink;
    /* Pass 0 warms up (clock ramp, wide-vector units, thread pool) and is not
       counted; the best of the others is kept. */
    for (int pass = 0; pass < 12; pass++) {
        double rate = 0.0; /* GFLOP/s summed over threads */
#pragma omp parallel num_threads(threads)
        {
            SCB_VEC acc[SCB_CHAINS];
            const SCB_VEC a = SCB_SET1(0.999999f), b = SCB_SET1(1e-6f);
            for (int i = 0; i < SCB_CHAINS; i++)
                acc[i] = SCB_SET1((float)(omp_get_thread_num() + i));
            const double t0 = scb_thread_seconds();
            for (long r = 0; r < reps; r++) {
                /* Fixed point 1.0: no overflow, no denormals. */
                for (int i = 0; i < SCB_CHAINS; i++)
                    acc[i] = SCB_MADD(acc[i], a, b);
            }
            float s = 0.0f;
            for (int i = 0; i < SCB_CHAINS; i++)
                s += SCB_SUM(acc[i]);
            const double dt = scb_thread_seconds() - t0;
            const double g = 2.0 * SCB_LANES * SCB_CHAINS * (double)reps / dt * 1e-9;
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
    return best;
}
