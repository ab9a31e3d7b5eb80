// simdconv_bench: the Google Benchmark sweep of bench/shapes.txt.
//
// Families (benchmark names; "/real_time" is appended by Google Benchmark):
//   sc_conv/<case>/<algo>/<isa>/t:<n>   simdconv convolution run
//   sc_pool/<case>/<isa>/t:<n>          simdconv pooling run
//   sc_plan/<case>/<algo>/<isa>         plan creation + destruction
//   dnnl_conv/<case>/<route>/t:<n>      oneDNN, routes in onednn.cc
//   dnnl_pool/<case>/<route>/t:<n>
// <algo>: auto, direct, im2col, winograd_f2, winograd_f3, winograd_f4 (the forced ones that
// plan creation accepts); <isa>: the cap given to sc_isa_limit. A (case, algo,
// isa) whose plan describes the same kernel as one registered before it
// (e.g. auto choosing im2col, or an ISA without its own kernel falling back)
// is not registered again; the start-up log lists what was folded.
// Labels are the plans' describe strings.
//
// Options besides Google Benchmark's own (--benchmark_*):
//   --sc_shapes=FILE     shape file (default: bench/shapes.txt of the source tree)
//   --sc_quick           only the seed cases
//   --sc_threads=1,2     thread counts (default 1, 2, 4, ... and the core count)
//   --sc_isa=scalar,avx2 ISAs (default every one sc_isa_limit accepts, at most
//                        the SIMDCONV_ISA cap if that is set)
//   --sc_no_onednn       skip the oneDNN families
//   --sc_no_plan         skip the plan-creation family
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "harness.h"
#include "peak/peak.h"

#ifndef SC_BENCH_SHAPES_FILE
#define SC_BENCH_SHAPES_FILE "shapes.txt"
#endif

namespace scb {

// ---------------------------------------------------------------- ISAs and peaks

static std::vector<sc_isa> g_isas;
static std::map<std::string, double> g_peak;  // "<isa>/<threads>" -> GFLOP/s
static std::map<int, double> g_copy_bw, g_read_bw;

sc_isa best_isa() { return g_isas.back(); }

double peak_gflops(const std::string &isa, int threads)
{
    auto it = g_peak.find(isa + "/" + std::to_string(threads));
    return it == g_peak.end() ? 0.0 : it->second;
}

double copy_gbs(int threads)
{
    auto it = g_copy_bw.find(threads);
    return it == g_copy_bw.end() ? 0.0 : it->second;
}

static int isa_rank(sc_isa i) { return i == SC_ISA_AVX512 ? 2 : i == SC_ISA_SCALAR ? 0 : 1; }

static std::string cpu_model()
{
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("model name", 0) == 0 || line.rfind("Model name", 0) == 0) {
            const size_t colon = line.find(':');
            if (colon != std::string::npos)
                return line.substr(line.find_first_not_of(" \t", colon + 1));
        }
    return "unknown";
}

static void measure_peaks(const std::vector<int> &threads)
{
    const sc_isa det = sc_isa_detected();
    for (int t : threads) {
        fprintf(stderr, "measuring peaks, %d thread(s)...\n", t);
        g_peak["scalar/" + std::to_string(t)] = scb_peak_gflops_baseline(t);
#if defined(SC_BENCH_X86)
        if (det == SC_ISA_AVX2 || det == SC_ISA_AVX512)
            g_peak["avx2/" + std::to_string(t)] = scb_peak_gflops_avx2(t);
        if (det == SC_ISA_AVX512)
            g_peak["avx512/" + std::to_string(t)] = scb_peak_gflops_avx512(t);
#endif
        if (det == SC_ISA_NEON)  // no NEON loop yet: baseline code is NEON there
            g_peak["neon/" + std::to_string(t)] = g_peak["scalar/" + std::to_string(t)];
        g_read_bw[t] = scb_stream_read_gbs(t);
        g_copy_bw[t] = scb_stream_copy_gbs(t);
    }
    benchmark::AddCustomContext("cpu_model", cpu_model());
    benchmark::AddCustomContext("simdconv_version", sc_version());
    benchmark::AddCustomContext("isa_detected", sc_isa_name(det));
    std::string isas;
    for (sc_isa i : g_isas)
        isas += std::string(isas.empty() ? "" : ",") + sc_isa_name(i);
    benchmark::AddCustomContext("isa_benchmarked", isas);
    std::string ts;
    for (int t : threads)
        ts += (ts.empty() ? "" : ",") + std::to_string(t);
    benchmark::AddCustomContext("thread_counts", ts);
    char buf[64];
    for (auto &kv : g_peak) {
        snprintf(buf, sizeof buf, "%.1f", kv.second);
        std::string k = kv.first;
        std::replace(k.begin(), k.end(), '/', '_');
        benchmark::AddCustomContext("peak_gflops_" + k + "t", buf);  // e.g. peak_gflops_avx2_2t
    }
    for (auto &kv : g_read_bw) {
        snprintf(buf, sizeof buf, "%.1f", kv.second);
        benchmark::AddCustomContext("stream_read_gbs_" + std::to_string(kv.first) + "t", buf);
        snprintf(buf, sizeof buf, "%.1f", g_copy_bw[kv.first]);
        benchmark::AddCustomContext("stream_copy_gbs_" + std::to_string(kv.first) + "t", buf);
    }
    fprintf(stderr, "cpu: %s, detected ISA %s\n", cpu_model().c_str(), sc_isa_name(det));
    for (int t : threads) {
        fprintf(stderr, "  %d thread(s): peak GFLOP/s", t);
        for (auto &kv : g_peak)
            if (kv.first.substr(kv.first.find('/') + 1) == std::to_string(t))
                fprintf(stderr, " %s %.1f", kv.first.substr(0, kv.first.find('/')).c_str(),
                        kv.second);
        fprintf(stderr, "; stream read %.1f GB/s, copy %.1f GB/s\n", g_read_bw[t], g_copy_bw[t]);
    }
}

// ---------------------------------------------------------------- simdconv families

struct AlgoChoice {
    const char *name;
    sc_conv_algo algo;
    int tile;
};
static const AlgoChoice kAlgos[] = {
    {"auto", SC_CONV_AUTO, 0},
    {"direct", SC_CONV_DIRECT, 0},
    {"im2col", SC_CONV_IM2COL, 0},
    {"winograd_f2", SC_CONV_WINOGRAD, 2},
    {"winograd_f3", SC_CONV_WINOGRAD, 3}, /* F(3x3,4x4): 4x4 (phase) kernels */
    {"winograd_f4", SC_CONV_WINOGRAD, 4},
};

struct ConvPlanSlot : SlotBase {
    sc_conv2d_plan *plan = nullptr;
    std::vector<float> out;
    ~ConvPlanSlot() override { sc_conv2d_plan_destroy(plan); }
};
struct PoolPlanSlot : SlotBase {
    sc_pool2d_plan *plan = nullptr;
    std::vector<float> out;
    ~PoolPlanSlot() override { sc_pool2d_plan_destroy(plan); }
};

static sc_status make_conv_plan(const Case &c, const AlgoChoice &a, sc_isa isa, int threads,
                                const float *w, const float *b, sc_conv2d_plan **p)
{
    if (!use_isa(isa))
        return SC_UNSUPPORTED;
    const sc_conv2d_desc d = conv_desc(c);
    sc_conv2d_options opt = {};
    opt.algo = a.algo;
    opt.num_threads = threads;
    opt.winograd_tile = a.tile;
    return sc_conv2d_plan_create(&d, w, b, &opt, p);
}

static std::string progress_text(const Case &c, const std::string &variant, int threads)
{
    return c.name + " " + variant + (threads > 0 ? " t=" + std::to_string(threads) : "");
}

static void register_sc_conv(const Case *c, const std::vector<int> &threads, bool plan_family,
                             std::vector<std::string> &names)
{
    std::vector<float> w((size_t)(c->cout * (c->cin / c->groups) * c->kh * c->kw), 0.0f);
    std::map<std::string, std::string> seen;  // describe -> first name
    for (sc_isa isa : g_isas)
        for (const AlgoChoice &a : kAlgos) {
            sc_conv2d_plan *p = nullptr;
            const sc_status s = make_conv_plan(*c, a, isa, 1, w.data(), nullptr, &p);
            const std::string variant = std::string(a.name) + "/" + sc_isa_name(isa);
            if (s == SC_UNSUPPORTED) {
                continue;
            } else if (s != SC_OK) {
                fprintf(stderr, "simdconv_bench: %s %s: %s\n", c->name.c_str(), variant.c_str(),
                        sc_last_error());
                continue;
            }
            const std::string describe = sc_conv2d_plan_describe(p);
            sc_conv2d_plan_destroy(p);
            if (seen.count(describe)) {
                fprintf(stderr, "  fold %s %s = %s (same kernel as %s)\n", c->name.c_str(),
                        variant.c_str(), describe.c_str(), seen[describe].c_str());
                continue;
            }
            seen[describe] = variant;
            const AlgoChoice algo = a;
            const std::string kernel_isa = describe_isa(describe);

            if (plan_family) {
                const std::string name = "sc_plan/" + c->name + "/" + variant;
                benchmark::RegisterBenchmark(
                    name.c_str(),
                    [c, algo, isa, describe, name](benchmark::State &st) {
                        CaseData &d = case_data(*c);
                        slot<SlotBase>(name, progress_text(*c, "plan " + std::string(algo.name) +
                                                                   "/" + sc_isa_name(isa), 0),
                                       [] { return std::make_unique<SlotBase>(); });
                        for (auto _ : st) {
                            sc_conv2d_plan *pp = nullptr;
                            if (make_conv_plan(*c, algo, isa, 1, d.weight.data(), d.bias.data(),
                                               &pp) != SC_OK) {
                                st.SkipWithError(sc_last_error());
                                break;
                            }
                            sc_conv2d_plan_destroy(pp);
                        }
                        st.SetLabel(describe);
                    })
                    ->UseRealTime()
                    ->Unit(benchmark::kMicrosecond);
                register_meta(name, Meta{"sc_plan", c->name, variant, 1});
                names.push_back(name);
            }
            for (int t : threads) {
                const std::string name =
                    "sc_conv/" + c->name + "/" + variant + "/t:" + std::to_string(t);
                benchmark::RegisterBenchmark(
                    name.c_str(),
                    [c, algo, isa, t, name, kernel_isa, variant](benchmark::State &st) {
                        CaseData &d = case_data(*c);
                        auto *sl = slot<ConvPlanSlot>(
                            name, progress_text(*c, variant, t), [&] {
                                auto x = std::make_unique<ConvPlanSlot>();
                                if (make_conv_plan(*c, algo, isa, t, d.weight.data(),
                                                   d.bias.data(), &x->plan) != SC_OK)
                                    x->plan = nullptr;
                                x->out.assign((size_t)out_elems(*c), 0.0f);
                                return x;
                            });
                        if (!sl->plan) {
                            st.SkipWithError(sc_last_error());
                            return;
                        }
                        omp_set_num_threads(t);
                        const double secs = timed_loop(
                            st, [&] { sc_conv2d_run(sl->plan, d.in.data(), sl->out.data()); });
                        st.SetLabel(sc_conv2d_plan_describe(sl->plan));
                        set_conv_counters(st, *c, kernel_isa, t, secs);
                    })
                    ->UseRealTime()
                    ->Unit(benchmark::kMicrosecond);
                register_meta(name, Meta{"sc_conv", c->name, variant, t});
                names.push_back(name);
            }
        }
}

static void register_sc_pool(const Case *c, const std::vector<int> &threads, bool plan_family,
                             std::vector<std::string> &names)
{
    std::map<std::string, std::string> seen;
    for (sc_isa isa : g_isas) {
        if (!use_isa(isa))
            continue;
        const sc_pool2d_desc d = pool_desc(*c);
        sc_pool2d_plan *p = nullptr;
        if (sc_pool2d_plan_create(&d, nullptr, &p) != SC_OK) {
            fprintf(stderr, "simdconv_bench: %s/%s: %s\n", c->name.c_str(), sc_isa_name(isa),
                    sc_last_error());
            continue;
        }
        const std::string describe = sc_pool2d_plan_describe(p);
        sc_pool2d_plan_destroy(p);
        const std::string variant = sc_isa_name(isa);
        if (seen.count(describe)) {
            fprintf(stderr, "  fold %s %s = %s (same kernel as %s)\n", c->name.c_str(),
                    variant.c_str(), describe.c_str(), seen[describe].c_str());
            continue;
        }
        seen[describe] = variant;
        auto make = [c, isa](int t, sc_pool2d_plan **pp) {
            if (!use_isa(isa))
                return SC_UNSUPPORTED;
            const sc_pool2d_desc dd = pool_desc(*c);
            sc_pool2d_options opt = {t};
            return sc_pool2d_plan_create(&dd, &opt, pp);
        };
        if (plan_family) {
            const std::string name = "sc_plan/" + c->name + "/" + variant;
            benchmark::RegisterBenchmark(name.c_str(),
                                         [c, make, describe, name, variant](benchmark::State &st) {
                                             slot<SlotBase>(
                                                 name, progress_text(*c, "plan " + variant, 0),
                                                 [] { return std::make_unique<SlotBase>(); });
                                             for (auto _ : st) {
                                                 sc_pool2d_plan *pp = nullptr;
                                                 if (make(1, &pp) != SC_OK) {
                                                     st.SkipWithError(sc_last_error());
                                                     break;
                                                 }
                                                 sc_pool2d_plan_destroy(pp);
                                             }
                                             st.SetLabel(describe);
                                         })
                ->UseRealTime()
                ->Unit(benchmark::kMicrosecond);
            register_meta(name, Meta{"sc_plan", c->name, variant, 1});
            names.push_back(name);
        }
        for (int t : threads) {
            const std::string name = "sc_pool/" + c->name + "/" + variant + "/t:" + std::to_string(t);
            benchmark::RegisterBenchmark(
                name.c_str(),
                [c, make, t, name, variant](benchmark::State &st) {
                    CaseData &d = case_data(*c);
                    auto *sl = slot<PoolPlanSlot>(name, progress_text(*c, variant, t), [&] {
                        auto x = std::make_unique<PoolPlanSlot>();
                        if (make(t, &x->plan) != SC_OK)
                            x->plan = nullptr;
                        x->out.assign((size_t)out_elems(*c), 0.0f);
                        return x;
                    });
                    if (!sl->plan) {
                        st.SkipWithError(sc_last_error());
                        return;
                    }
                    omp_set_num_threads(t);
                    const double secs = timed_loop(st, [&] {
                        sc_pool2d_run(sl->plan, d.in.data(), sl->out.data(), nullptr);
                    });
                    st.SetLabel(sc_pool2d_plan_describe(sl->plan));
                    set_pool_counters(st, *c, t, secs);
                })
                ->UseRealTime()
                ->Unit(benchmark::kMicrosecond);
            register_meta(name, Meta{"sc_pool", c->name, variant, t});
            names.push_back(name);
        }
    }
}

// ---------------------------------------------------------------- reporting

// The console reporter, also keeping each benchmark's time for the table: its
// fastest single iteration over all repetitions (the "fastest_s" counter of
// timed_loop; noise on a shared machine only ever adds time). It sees every
// run; with repetitions it prints only the aggregates.
class TableReporter : public benchmark::ConsoleReporter {
public:
    explicit TableReporter(OutputOptions o) : ConsoleReporter(o) {}
    struct Result {
        double seconds = 0;  // per iteration, real time
        std::string label;
    };
    std::map<std::string, Result> results;

    void ReportRuns(const std::vector<Run> &runs) override
    {
        std::vector<Run> shown;
        for (const Run &r : runs) {
            if (r.run_type == Run::RT_Aggregate || r.repetitions <= 1)
                shown.push_back(r);
            if (r.error_occurred || r.run_type == Run::RT_Aggregate || r.iterations == 0)
                continue;
            Result &res = results[r.run_name.function_name];
            const auto f = r.counters.find("fastest_s");
            const double s = f != r.counters.end() && f->second.value > 0
                                 ? f->second.value
                                 : r.real_accumulated_time / (double)r.iterations;
            if (res.seconds == 0 || s < res.seconds) {
                res.seconds = s;
                res.label = r.report_label;
            }
        }
        if (!shown.empty())
            ConsoleReporter::ReportRuns(shown);
    }
};

static std::string fmt_time(double s)
{
    char buf[32];
    if (s >= 1.0)
        snprintf(buf, sizeof buf, "%.3f s", s);
    else if (s >= 1e-3)
        snprintf(buf, sizeof buf, "%.3f ms", s * 1e3);
    else
        snprintf(buf, sizeof buf, "%.1f us", s * 1e6);
    return buf;
}

// The 1-minute load average, and a warning when other processes compete for
// the cores (timings with several threads then mostly measure the scheduler).
static std::string load_note()
{
    double l1 = 0;
    FILE *f = fopen("/proc/loadavg", "r");
    if (!f)
        return "";
    const int ok = fscanf(f, "%lf", &l1);
    fclose(f);
    if (ok != 1)
        return "";
    char buf[200];
    const int cores = omp_get_num_procs();
    if (l1 > 0.5 * cores + 1)
        snprintf(buf, sizeof buf,
                 "WARNING: load average %.1f on %d cores: other processes compete for the "
                 "cores; multi-thread timings are unreliable",
                 l1, cores);
    else
        snprintf(buf, sizeof buf, "load average %.1f on %d cores", l1, cores);
    return buf;
}

static void print_tables(const TableReporter &rep, const std::vector<Case> &cases,
                         const std::vector<int> &threads)
{
    const auto &M = metas();
    for (int t : threads) {
        printf("\n=== %d thread%s: best simdconv kernel vs oneDNN (cheapest NCHW->NCHW route) ===\n",
               t, t == 1 ? "" : "s");
        printf("%-22s %-34s %12s %12s %-14s %8s %12s\n", "shape", "best simdconv kernel",
               "simdconv", "oneDNN", "oneDNN route", "ratio", "oneDNN own");
        double log_sum = 0;
        int nratio = 0;
        for (const Case &c : cases) {
            double best = 0, dnnl = 0, native = 0;
            std::string best_label, dnnl_route;
            for (const auto &kv : rep.results) {
                auto m = M.find(kv.first);
                if (m == M.end() || m->second.case_name != c.name || m->second.threads != t)
                    continue;
                const std::string &fam = m->second.family;
                const double s = kv.second.seconds;
                if ((fam == "sc_conv" || fam == "sc_pool") && (best == 0 || s < best)) {
                    best = s;
                    best_label = kv.second.label;
                } else if (fam == "dnnl_conv" || fam == "dnnl_pool") {
                    if (m->second.variant == "blocked_native")
                        native = s;
                    else if (dnnl == 0 || s < dnnl) {
                        dnnl = s;
                        dnnl_route = m->second.variant;
                    }
                }
            }
            if (best == 0 && dnnl == 0)
                continue;
            char ratio[32] = "-";
            if (best > 0 && dnnl > 0) {
                snprintf(ratio, sizeof ratio, "%.2f", best / dnnl);
                log_sum += std::log(best / dnnl);
                nratio++;
            }
            printf("%-22s %-34s %12s %12s %-14s %8s %12s\n", c.name.c_str(),
                   best > 0 ? best_label.c_str() : "-", best > 0 ? fmt_time(best).c_str() : "-",
                   dnnl > 0 ? fmt_time(dnnl).c_str() : "-", dnnl > 0 ? dnnl_route.c_str() : "-",
                   ratio, native > 0 ? fmt_time(native).c_str() : "-");
        }
        if (nratio)
            printf("%-22s %-34s %12s %12s %-14s %8.2f\n", "geomean", "", "", "", "",
                   std::exp(log_sum / nratio));
    }
    printf("\nratio = simdconv time / oneDNN time (below 1: simdconv faster). oneDNN: user NCHW\n"
           "in and out, reorders included; \"oneDNN own\" = its primitive alone on its own "
           "layout.\nTimes: the fastest single run (real time) over all iterations and repetitions.\n");
    printf("%s\n", load_note().c_str());
}

}  // namespace scb

using namespace scb;

static std::vector<int> parse_int_list(const std::string &s)
{
    std::vector<int> v;
    std::stringstream ss(s);
    std::string x;
    while (std::getline(ss, x, ','))
        if (!x.empty())
            v.push_back(atoi(x.c_str()));
    return v;
}

int main(int argc, char **argv)
{
    std::string filter;
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--benchmark_filter=", 19) == 0)
            filter = argv[i] + 19;
    benchmark::Initialize(&argc, argv);

    std::string shapes = SC_BENCH_SHAPES_FILE, isa_list;
    bool quick = false, onednn = true, plan_family = true;
    std::vector<int> threads;
    for (int i = 1; i < argc; i++) {
        const std::string a = argv[i];
        if (a.rfind("--sc_shapes=", 0) == 0)
            shapes = a.substr(12);
        else if (a == "--sc_quick")
            quick = true;
        else if (a.rfind("--sc_threads=", 0) == 0)
            threads = parse_int_list(a.substr(13));
        else if (a.rfind("--sc_isa=", 0) == 0)
            isa_list = a.substr(9);
        else if (a == "--sc_no_onednn")
            onednn = false;
        else if (a == "--sc_no_plan")
            plan_family = false;
        else {
            fprintf(stderr, "simdconv_bench: unknown argument %s (see the top of bench/main.cc)\n",
                    argv[i]);
            return 2;
        }
    }

    const int cores = omp_get_num_procs();
    if (threads.empty()) {
        for (int t = 1; t < cores; t *= 2)
            threads.push_back(t);
        threads.push_back(cores);
    }

    const sc_isa start = sc_isa_active();  // SIMDCONV_ISA's cap, if any
    const bool env_cap = getenv("SIMDCONV_ISA") != nullptr;
    for (sc_isa i : {SC_ISA_SCALAR, SC_ISA_AVX2, SC_ISA_AVX512, SC_ISA_NEON}) {
        if (sc_isa_limit(i) != SC_OK)
            continue;
        if (env_cap && isa_rank(i) > isa_rank(start))
            continue;
        if (!isa_list.empty() && ("," + isa_list + ",").find(std::string(",") + sc_isa_name(i) +
                                                             ",") == std::string::npos)
            continue;
        g_isas.push_back(i);
    }
    if (g_isas.empty()) {
        fprintf(stderr, "simdconv_bench: no ISA to benchmark\n");
        return 2;
    }
    use_isa(best_isa());

    const std::vector<Case> cases = load_cases(shapes, quick);
    measure_peaks(threads);

    std::vector<std::string> names;
    fprintf(stderr, "registering %zu cases...\n", cases.size());
#ifdef SC_BENCH_HAVE_DNNL
    if (onednn)
        benchmark::AddCustomContext("onednn_version", onednn_version());
#else
    if (onednn)
        fprintf(stderr, "simdconv_bench: built without oneDNN (libdnnl-dev); no comparison\n");
#endif
    register_ukernels(names);
    // Per case: simdconv's families, then oneDNN's (one case's data at a time).
    for (const Case &c : cases) {
        if (c.is_conv())
            register_sc_conv(&c, threads, plan_family, names);
        else
            register_sc_pool(&c, threads, plan_family, names);
#ifdef SC_BENCH_HAVE_DNNL
        if (onednn)
            register_onednn(&c, threads, names);
#endif
    }
    int total = 0;
    for (const std::string &n : names)
        total += filter_matches(filter, n + "/real_time") ? 1 : 0;
    set_progress_total(total);

    fprintf(stderr, "%s\n", load_note().c_str());
    TableReporter rep(isatty(STDOUT_FILENO) ? benchmark::ConsoleReporter::OO_Color
                                            : benchmark::ConsoleReporter::OO_None);
    benchmark::RunSpecifiedBenchmarks(&rep);
    slot_clear();
    print_tables(rep, cases, threads);
    print_verification_summary();
    benchmark::Shutdown();
    return 0;
}
