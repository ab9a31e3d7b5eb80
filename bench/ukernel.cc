// The GEMM micro-kernels alone (family sc_ukernel): every row of the kernel
// table this CPU runs and the harness benchmarks, on L1-resident packed
// panels (kc = 256), one thread. This is the number the micro-kernel targets
// are judged by: GFLOP/s and peak_frac against the harness's own 1-thread FMA
// peak for the kernel's ISA (peak/), measured in the same process.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "harness.h"

extern "C" {
#include "internal.h"
}

namespace scb {

namespace {

struct UkernelBuffers {
    float *a = nullptr, *b = nullptr, *c = nullptr;
    ~UkernelBuffers()
    {
        std::free(a);
        std::free(b);
        std::free(c);
    }
};

// Sizes rounded up to the 64-byte alignment aligned_alloc wants.
float *alloc_floats(size_t n)
{
    const size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
    return static_cast<float *>(std::aligned_alloc(64, bytes));
}

}  // namespace

void register_ukernels(std::vector<std::string> &names)
{
    const int64_t kc = 256;
    for (const sc_gemm_kernel *k = sc_gemm_kernels; k->name; k++) {
        if (!sc_isa_usable(k->isa, sc_isa_detected()) || !use_isa(k->isa))
            continue;
        use_isa(best_isa());
        const std::string isa = sc_isa_name(k->isa);
        const std::string name = std::string("sc_ukernel/") + k->name + "/" + isa;
        benchmark::RegisterBenchmark(
            name.c_str(),
            [k, kc, isa](benchmark::State &st) {
                UkernelBuffers buf;
                buf.a = alloc_floats((size_t)(kc * k->mr));
                buf.b = alloc_floats((size_t)(kc * k->nr));
                buf.c = alloc_floats((size_t)(k->mr * k->nr));
                if (!buf.a || !buf.b || !buf.c) {
                    st.SkipWithError("out of memory");
                    return;
                }
                // Small values keep the sums finite however long it runs.
                for (int64_t i = 0; i < kc * k->mr; i++)
                    buf.a[i] = 1e-3f * (float)(i % 97);
                for (int64_t i = 0; i < kc * k->nr; i++)
                    buf.b[i] = 1e-3f * (float)(i % 89);
                // Besides the mean over the run, the fastest window of
                // kWindow calls (a call alone, about a microsecond, is too
                // short to time): the fastest_s every other benchmark
                // reports, per call, which a preempted or slowed vCPU can
                // only make slower.
                constexpr int64_t kWindow = 32;
                double fastest = 0;
                int64_t in_window = 0;
                const double t0 = now();
                double tw = t0;
                for (auto _ : st) {
                    k->fn(kc, buf.a, buf.b, k->nr, buf.c, k->nr, k->mr, k->nr, 0, nullptr);
                    benchmark::DoNotOptimize(buf.c);
                    benchmark::ClobberMemory();
                    if (++in_window == kWindow) {
                        const double t = now(), per_call = (t - tw) / (double)kWindow;
                        if (fastest == 0 || per_call < fastest)
                            fastest = per_call;
                        tw = t;
                        in_window = 0;
                    }
                }
                const double seconds = now() - t0;
                if (st.iterations() == 0 || seconds <= 0)
                    return;
                const double flops = 2.0 * (double)(k->mr * k->nr) * (double)kc;
                const double gflops = flops * (double)st.iterations() / seconds * 1e-9;
                st.counters["GFLOP/s"] = gflops;
                const double peak = peak_gflops(isa, 1);
                if (peak > 0)
                    st.counters["peak_frac"] = gflops / peak;
                if (fastest > 0) {
                    st.counters["fastest_s"] = fastest;
                    if (peak > 0)
                        st.counters["peak_frac_fastest"] = flops / fastest * 1e-9 / peak;
                }
                st.SetLabel(std::string(k->name) + "/" + isa + " kc=256");
            })
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
        register_meta(name, Meta{"sc_ukernel", k->name, isa, 1});
        names.push_back(name);
    }
    use_isa(best_isa());
}

}  // namespace scb
