// Shared pieces of the simdconv benchmark harness (simdconv_bench):
// the cases of the shape file, their deterministic data, the one-slot cache
// that keeps set-up (plans, buffers, oneDNN primitives) outside the timed
// loops, the progress line, the measured peaks, and the bookkeeping the
// closing table is built from.
#ifndef SC_BENCH_HARNESS_H
#define SC_BENCH_HARNESS_H

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "simdconv.h"

namespace scb {

// One line of the shape file (see shapes.txt for the columns).
struct Case {
    std::string set, name, kind;  // kind: conv | max | avg
    int64_t n = 1, cin = 1, h = 1, w = 1, cout = 1, kh = 1, kw = 1;
    int64_t stride = 1, pad = 0, dil = 1, groups = 1;
    bool ceil = false, exclude_pad = false;
    sc_activation act = SC_ACT_NONE;  // convolution rows: a fused activation flag
    int64_t ho = 0, wo = 0;  // filled by load_cases through the library
    bool is_conv() const { return kind == "conv"; }
    // 2*N*Cout*Ho*Wo*(Cin/groups)*KH*KW (convolution; the same for every algorithm)
    double flops() const;
    // input + output bytes (pooling)
    double bytes() const;
    std::string shape_string() const;
};

// A shape-file activation flag ("silu", ...) and back.
bool activation_from_flag(const std::string &flag, sc_activation *act);
const char *activation_flag(sc_activation act);

// Reads the shape file; quick keeps only the "seed" set. Exits on a bad file.
std::vector<Case> load_cases(const std::string &path, bool quick);

sc_conv2d_desc conv_desc(const Case &c);
sc_pool2d_desc pool_desc(const Case &c);

// Deterministic input, weights and bias of a case, plus simdconv's output for
// the oneDNN check (computed on first use). One case is kept at a time.
struct CaseData {
    std::string name;
    std::vector<float> in, weight, bias;
    std::vector<float> sc_out;  // empty until reference_output() runs
};
CaseData &case_data(const Case &c);
// simdconv's output for the case (auto algorithm, best ISA, all threads).
const std::vector<float> &reference_output(const Case &c);
int64_t out_elems(const Case &c);

// One-slot cache: the set-up of the benchmark now running. A new key drops
// the previous object first (so at most one set of big buffers lives), then
// prints the progress line and builds the new one.
struct SlotBase {
    virtual ~SlotBase() = default;
};
SlotBase *slot_get(const std::string &key, const std::string &progress,
                   const std::function<std::unique_ptr<SlotBase>()> &make);
template <class T>
T *slot(const std::string &key, const std::string &progress,
        const std::function<std::unique_ptr<T>()> &make)
{
    return static_cast<T *>(
        slot_get(key, progress, [&]() -> std::unique_ptr<SlotBase> { return make(); }));
}
void slot_clear();

// Progress: the number of benchmarks the filter selects.
void set_progress_total(int total);

// Measured at start-up (see peak/peak.h).
double peak_gflops(const std::string &isa, int threads);  // 0 if not measured
double copy_gbs(int threads);

// Makes `isa` the active cap (sc_isa_limit); returns false if unavailable.
bool use_isa(sc_isa isa);
sc_isa best_isa();  // the best ISA the harness benchmarks
// The ISA a describe string ran on: the part after the last '/'.
std::string describe_isa(const std::string &describe);

// What a registered benchmark is, for the closing table.
struct Meta {
    std::string family;   // sc_conv, sc_pool, sc_plan, dnnl_conv, dnnl_pool
    std::string case_name;
    std::string variant;  // e.g. "im2col/avx2", "nchw_reorder"
    int threads = 1;
};
void register_meta(const std::string &name, const Meta &m);
std::map<std::string, Meta> &metas();

// Name filter as --benchmark_filter (for the progress total).
bool filter_matches(const std::string &filter, const std::string &name);

// Counters shared by both libraries, as plain values (not Google Benchmark
// rates, which the console would print as "x/s"): GFLOP/s and peak_frac
// (convolution), GB/s and bw_frac (pooling). `seconds` is the wall time of
// the timed loop (now() before and after it), so they follow real time.
double now();

// The timed loop of every family: fn once per iteration. Returns the loop's
// wall time; the fastest single iteration goes to the "fastest_s" counter,
// which the console's table reads (a shared machine's bursts lengthen
// iterations in phases, and the fastest is what repeats from run to run).
template <class F> double timed_loop(benchmark::State &st, F &&fn)
{
    double fastest = 0;
    const double t0 = now();
    for (auto _ : st) {
        const double a = now();
        fn();
        benchmark::ClobberMemory();
        const double e = now() - a;
        if (fastest == 0 || e < fastest)
            fastest = e;
    }
    const double total = now() - t0;
    st.counters["fastest_s"] = fastest;
    return total;
}

void set_conv_counters(benchmark::State &st, const Case &c, const std::string &isa, int threads,
                       double seconds);
void set_pool_counters(benchmark::State &st, const Case &c, int threads, double seconds);

// oneDNN agreement, one line per check that exceeds the tolerance.
void note_verification(const Case &c, const std::string &route, double max_rel_diff);
void print_verification_summary();

// The GEMM micro-kernels alone, one thread (ukernel.cc).
void register_ukernels(std::vector<std::string> &names);

#ifdef SC_BENCH_HAVE_DNNL
// Registers the oneDNN families of one case (onednn.cc).
void register_onednn(const Case *c, const std::vector<int> &threads,
                     std::vector<std::string> &names);
std::string onednn_version();
#endif

}  // namespace scb

#endif
