// Shared pieces of the harness; see harness.h.
#include "harness.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

namespace scb {

double Case::flops() const
{
    return 2.0 * (double)n * (double)cout * (double)ho * (double)wo * (double)(cin / groups) *
           (double)kh * (double)kw;
}

// The shape file's activation flags, named as torch.nn's modules.
static const struct {
    const char *flag;
    sc_activation act;
} kActivationFlags[] = {
    {"relu", SC_ACT_RELU},       {"relu6", SC_ACT_RELU6},         {"sigmoid", SC_ACT_SIGMOID},
    {"tanh", SC_ACT_TANH},       {"silu", SC_ACT_SILU},           {"gelu", SC_ACT_GELU},
    {"gelu_tanh", SC_ACT_GELU_TANH}, {"mish", SC_ACT_MISH},
};

bool activation_from_flag(const std::string &flag, sc_activation *act)
{
    for (const auto &a : kActivationFlags)
        if (flag == a.flag) {
            *act = a.act;
            return true;
        }
    return false;
}

const char *activation_flag(sc_activation act)
{
    for (const auto &a : kActivationFlags)
        if (a.act == act)
            return a.flag;
    return "none";
}

double Case::bytes() const
{
    return 4.0 * ((double)n * cin * h * w + (double)n * cout * ho * wo);
}

std::string Case::shape_string() const
{
    char buf[160];
    if (is_conv())
        snprintf(buf, sizeof buf,
                 "%lldx%lldx%lldx%lld->%lld k%lldx%lld s%lld p%lld d%lld g%lld%s%s",
                 (long long)n, (long long)cin, (long long)h, (long long)w, (long long)cout,
                 (long long)kh, (long long)kw, (long long)stride, (long long)pad, (long long)dil,
                 (long long)groups, act == SC_ACT_NONE ? "" : " ",
                 act == SC_ACT_NONE ? "" : activation_flag(act));
    else
        snprintf(buf, sizeof buf, "%s %lldx%lldx%lldx%lld k%lldx%lld s%lld p%lld d%lld%s",
                 kind.c_str(), (long long)n, (long long)cin, (long long)h, (long long)w,
                 (long long)kh, (long long)kw, (long long)stride, (long long)pad,
                 (long long)dil, ceil ? " ceil" : "");
    return buf;
}

sc_conv2d_desc conv_desc(const Case &c)
{
    sc_conv2d_desc d;
    sc_conv2d_desc_init(&d, c.n, c.cin, c.h, c.w, c.cout, c.kh, c.kw);
    d.stride_h = d.stride_w = c.stride;
    d.pad_h = d.pad_w = c.pad;
    d.dilation_h = d.dilation_w = c.dil;
    d.groups = c.groups;
    d.activation = c.act;
    return d;
}

sc_pool2d_desc pool_desc(const Case &c)
{
    sc_pool2d_desc d;
    sc_pool2d_desc_init(&d, c.kind == "max" ? SC_POOL_MAX : SC_POOL_AVG, c.n, c.cin, c.h, c.w,
                        c.kh, c.kw);
    d.stride_h = d.stride_w = c.stride;
    d.pad_h = d.pad_w = c.pad;
    d.dilation_h = d.dilation_w = c.dil;
    d.ceil_mode = c.ceil ? 1 : 0;
    d.count_include_pad = c.exclude_pad ? 0 : 1;
    return d;
}

[[noreturn]] static void die(const std::string &msg)
{
    fprintf(stderr, "simdconv_bench: %s\n", msg.c_str());
    exit(2);
}

std::vector<Case> load_cases(const std::string &path, bool quick)
{
    std::ifstream f(path);
    if (!f)
        die("cannot open shape file " + path);
    std::vector<Case> cases;
    std::string line;
    int lineno = 0;
    while (std::getline(f, line)) {
        lineno++;
        const size_t hash = line.find('#');
        if (hash != std::string::npos)
            line.resize(hash);
        std::istringstream ss(line);
        Case c;
        std::string flags;
        if (!(ss >> c.set))
            continue;
        const std::string where = path + ":" + std::to_string(lineno);
        if (!(ss >> c.name >> c.kind >> c.n >> c.cin >> c.h >> c.w >> c.cout >> c.kh >> c.kw >>
              c.stride >> c.pad >> c.dil >> c.groups >> flags))
            die(where + ": expected set name kind N Cin H W Cout KH KW stride pad dilation "
                        "groups flags");
        if (c.set != "seed" && c.set != "full")
            die(where + ": set must be seed or full, got " + c.set);
        if (c.kind != "conv" && c.kind != "max" && c.kind != "avg")
            die(where + ": kind must be conv, max or avg, got " + c.kind);
        if (flags != "-") {
            std::stringstream fs(flags);
            std::string fl;
            while (std::getline(fs, fl, ',')) {
                if (fl == "ceil")
                    c.ceil = true;
                else if (fl == "exclude_pad")
                    c.exclude_pad = true;
                else if (activation_from_flag(fl, &c.act) && c.is_conv())
                    continue;
                else
                    die(where + ": unknown flag " + fl +
                        (c.is_conv() ? "" : " (activations are for conv rows)"));
            }
        }
        sc_status s;
        if (c.is_conv()) {
            const sc_conv2d_desc d = conv_desc(c);
            s = sc_conv2d_output_size(&d, &c.ho, &c.wo);
        } else {
            if (c.cout != c.cin || c.groups != 1)
                die(where + ": pooling rows need Cout == Cin and groups 1");
            const sc_pool2d_desc d = pool_desc(c);
            s = sc_pool2d_output_size(&d, &c.ho, &c.wo);
        }
        if (s != SC_OK)
            die(where + ": " + sc_last_error());
        for (const Case &o : cases)
            if (o.name == c.name)
                die(where + ": duplicate case name " + c.name);
        if (!quick || c.set == "seed")
            cases.push_back(c);
    }
    if (cases.empty())
        die("no cases in " + path);
    return cases;
}

// ---------------------------------------------------------------- data

int64_t out_elems(const Case &c) { return c.n * c.cout * c.ho * c.wo; }

static void fill(std::vector<float> &v, size_t n, uint64_t seed)
{
    v.resize(n);
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        v[i] = (float)((double)(x >> 40) / (double)(1ull << 24) * 2.0 - 1.0);  // [-1, 1)
    }
}

static std::unique_ptr<CaseData> g_case;

CaseData &case_data(const Case &c)
{
    if (!g_case || g_case->name != c.name) {
        g_case.reset();
        auto d = std::make_unique<CaseData>();
        d->name = c.name;
        fill(d->in, (size_t)(c.n * c.cin * c.h * c.w), 1);
        if (c.is_conv()) {
            fill(d->weight, (size_t)(c.cout * (c.cin / c.groups) * c.kh * c.kw), 2);
            fill(d->bias, (size_t)c.cout, 3);
        }
        g_case = std::move(d);
    }
    return *g_case;
}

const std::vector<float> &reference_output(const Case &c)
{
    CaseData &d = case_data(c);
    if (!d.sc_out.empty())
        return d.sc_out;
    std::vector<float> out((size_t)out_elems(c));
    use_isa(best_isa());
    sc_status s;
    if (c.is_conv()) {
        const sc_conv2d_desc desc = conv_desc(c);
        sc_conv2d_options opt = {};
        opt.algo = SC_CONV_AUTO;
        opt.num_threads = omp_get_num_procs();
        sc_conv2d_plan *p = nullptr;
        s = sc_conv2d_plan_create(&desc, d.weight.data(), d.bias.data(), &opt, &p);
        if (s == SC_OK)
            s = sc_conv2d_run(p, d.in.data(), out.data());
        sc_conv2d_plan_destroy(p);
    } else {
        const sc_pool2d_desc desc = pool_desc(c);
        s = sc_pool2d(&desc, d.in.data(), out.data(), nullptr);
    }
    if (s != SC_OK)
        fprintf(stderr, "simdconv_bench: reference run of %s failed: %s\n", c.name.c_str(),
                sc_last_error());
    d.sc_out = std::move(out);
    return d.sc_out;
}

// ---------------------------------------------------------------- slot, progress

static std::string g_slot_key;
static std::unique_ptr<SlotBase> g_slot;
static int g_progress_total = 0, g_progress_done = 0;

void set_progress_total(int total) { g_progress_total = total; }

SlotBase *slot_get(const std::string &key, const std::string &progress,
                   const std::function<std::unique_ptr<SlotBase>()> &make)
{
    if (g_slot && g_slot_key == key)
        return g_slot.get();
    g_slot.reset();
    g_slot_key = key;
    fprintf(stderr, "[%d/%d] %s\n", ++g_progress_done, g_progress_total, progress.c_str());
    fflush(stderr);
    g_slot = make();
    return g_slot.get();
}

void slot_clear()
{
    g_slot.reset();
    g_slot_key.clear();
    g_case.reset();
}

// ---------------------------------------------------------------- ISA, meta, filter

bool use_isa(sc_isa isa) { return sc_isa_limit(isa) == SC_OK; }

std::string describe_isa(const std::string &describe)
{
    const size_t slash = describe.rfind('/');
    return slash == std::string::npos ? describe : describe.substr(slash + 1);
}

std::map<std::string, Meta> &metas()
{
    static std::map<std::string, Meta> m;
    return m;
}

void register_meta(const std::string &name, const Meta &m) { metas()[name] = m; }

bool filter_matches(const std::string &filter, const std::string &name)
{
    // As Google Benchmark: empty or "all" selects everything; a leading '-'
    // negates; otherwise an extended regular expression searched in the name.
    if (filter.empty() || filter == "all")
        return true;
    bool negate = filter[0] == '-';
    const std::string re = negate ? filter.substr(1) : filter;
    try {
        const bool m = std::regex_search(name, std::regex(re, std::regex::extended));
        return negate ? !m : m;
    } catch (const std::regex_error &) {
        return true;
    }
}

// ---------------------------------------------------------------- counters

double now()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void set_conv_counters(benchmark::State &st, const Case &c, const std::string &isa, int threads,
                       double seconds)
{
    if (st.iterations() == 0 || seconds <= 0)
        return;
    const double gflops = c.flops() * (double)st.iterations() / seconds * 1e-9;
    st.counters["GFLOP/s"] = gflops;
    const double peak = peak_gflops(isa, threads);
    if (peak > 0)
        st.counters["peak_frac"] = gflops / peak;
}

void set_pool_counters(benchmark::State &st, const Case &c, int threads, double seconds)
{
    if (st.iterations() == 0 || seconds <= 0)
        return;
    const double gbs = c.bytes() * (double)st.iterations() / seconds * 1e-9;
    st.counters["GB/s"] = gbs;
    const double bw = copy_gbs(threads);
    if (bw > 0)
        st.counters["bw_frac"] = gbs / bw;
}

// ---------------------------------------------------------------- verification

static const double kVerifyTolerance = 1e-3;
static int g_verified = 0;
static double g_worst = 0.0;
static std::string g_worst_what;

void note_verification(const Case &c, const std::string &route, double d)
{
    g_verified++;
    if (d > g_worst || std::isnan(d)) {
        g_worst = d;
        g_worst_what = c.name + " " + route;
    }
    if (!(d <= kVerifyTolerance))
        fprintf(stderr,
                "WARNING: oneDNN %s and simdconv differ on %s: max relative difference %.3g "
                "(of the output's largest magnitude)\n",
                route.c_str(), c.name.c_str(), d);
}

void print_verification_summary()
{
    if (g_verified)
        printf("oneDNN agreement: %d checks, worst max relative difference %.3g (%s); "
               "tolerance %.0e\n",
               g_verified, g_worst, g_worst_what.c_str(), kVerifyTolerance);
}

}  // namespace scb
