/*
 * Machine peaks the benchmark harness measures at start-up, so that its
 * "fraction of peak" counters need no table of CPU models.
 *
 *   FMA (or mul+add) throughput per ISA and thread count: many independent
 *   accumulator chains, no loads, no stores. Each ISA's loop is its own
 *   translation unit compiled with only that ISA's flags (-mavx2 -mfma,
 *   -mavx512f); the caller runs it only when sc_isa_detected() says the CPU
 *   has the ISA. The "scalar" peak is what code compiled with the baseline
 *   flags can reach: 4-wide SSE2 multiply and add (no FMA in the x86-64
 *   baseline); on other targets, plain 4-wide vector-extension code.
 *
 *   Memory bandwidth: a streaming read (sum) and a copy over buffers much
 *   larger than the last-level cache, split across the threads.
 *
 * All functions return the best of a few timed passes, in GFLOP/s or GB/s,
 * summed over `threads` OpenMP threads.
 */
#ifndef SC_BENCH_PEAK_H
#define SC_BENCH_PEAK_H

#ifdef __cplusplus
extern "C" {
#endif

double scb_peak_gflops_baseline(int threads);
double scb_peak_gflops_avx2(int threads);    /* only in x86-64 builds */
double scb_peak_gflops_avx512(int threads);  /* only in x86-64 builds */

/* Bytes moved per second: read counts the bytes read, copy counts the bytes
   read plus the bytes written (the convention of the STREAM benchmark). */
double scb_stream_read_gbs(int threads);
double scb_stream_copy_gbs(int threads);

#ifdef __cplusplus
}
#endif

#endif
