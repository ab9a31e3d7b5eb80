// The same cases through oneDNN (Debian's libdnnl, OpenMP runtime), in the
// same process, for the side-by-side table.
//
// Routes, each a family dnnl_conv/<case>/<route>/t:<n> (dnnl_pool/... alike):
//   nchw_reorder    what a PyTorch user pays: user NCHW input and output, the
//                   primitive on the layout oneDNN prefers (format_tag::any for
//                   convolution; nChw8c, or nChw16c with AVX-512, for pooling,
//                   whose source cannot be "any"), weights reordered once at
//                   set-up; the input and output reorders are inside the timing.
//   nchw_plain      the primitive created on plain NCHW source and destination
//                   (weights still in its preferred layout): no reorders at all.
//   blocked_native  the nchw_reorder primitive alone, on data already in its
//                   own layout (no reorders): oneDNN's best case, for reference.
// The table compares simdconv with the cheaper of nchw_reorder and nchw_plain.
// Each route's output is checked once per case against simdconv's.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include <oneapi/dnnl/dnnl.hpp>

#include "harness.h"

namespace scb {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

static dnnl::engine &engine()
{
    static dnnl::engine e(dnnl::engine::kind::cpu, 0);
    return e;
}

std::string onednn_version()
{
    const dnnl_version_t *v = dnnl_version();
    char buf[96];
    snprintf(buf, sizeof buf, "%d.%d.%d (%s)", v->major, v->minor, v->patch, v->hash);
    return buf;
}

enum Route { kReorder, kPlain, kNative };
static const char *route_name(Route r)
{
    return r == kReorder ? "nchw_reorder" : r == kPlain ? "nchw_plain" : "blocked_native";
}

// Right padding oneDNN needs to produce PyTorch's output size (ceil_mode, or
// a floor that leaves input unused).
static int64_t right_pad(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, int64_t out)
{
    const int64_t keff = (k - 1) * d + 1;
    if ((in + 2 * p - keff) / s + 1 == out)
        return p;
    return (out - 1) * s + keff - in - p;
}

struct DnnlSlot : SlotBase {
    dnnl::stream strm{engine()};
    dnnl::primitive prim;
    dnnl::memory user_src, user_dst, src, dst, wei, bias;
    bool reorder_in = false, reorder_out = false;
    dnnl::reorder r_in, r_out;
    std::string error;

    void run_once(Route r)
    {
        if (r == kReorder && reorder_in)
            r_in.execute(strm, user_src, src);
        std::unordered_map<int, memory> args{{DNNL_ARG_SRC, r == kPlain ? user_src : src},
                                             {DNNL_ARG_DST, r == kPlain ? user_dst : dst}};
        if (wei)
            args[DNNL_ARG_WEIGHTS] = wei;
        if (bias)
            args[DNNL_ARG_BIAS] = bias;
        prim.execute(strm, args);
        if (r == kReorder && reorder_out)
            r_out.execute(strm, dst, user_dst);
        strm.wait();
    }
};

static double max_rel_diff(const float *a, const std::vector<float> &ref)
{
    double maxref = 0, maxd = 0;
    for (size_t i = 0; i < ref.size(); i++) {
        maxref = std::max(maxref, (double)std::fabs(ref[i]));
        const double d = std::fabs((double)a[i] - (double)ref[i]);
        if (!(d <= maxd))
            maxd = d;  // NaN sticks
    }
    return maxd / std::max(maxref, 1e-30);
}

// oneDNN's eltwise post-op for simdconv's activation: PyTorch's
// definitions, which oneDNN implements under these names.
struct Eltwise {
    dnnl::algorithm alg;
    float alpha, beta;
};
static Eltwise eltwise_of(sc_activation a)
{
    using alg = dnnl::algorithm;
    switch (a) {
    case SC_ACT_RELU: return {alg::eltwise_relu, 0.0f, 0.0f};
    case SC_ACT_RELU6: return {alg::eltwise_clip, 0.0f, 6.0f};  // clip(x, 0, 6)
    case SC_ACT_SIGMOID: return {alg::eltwise_logistic, 0.0f, 0.0f};
    case SC_ACT_TANH: return {alg::eltwise_tanh, 0.0f, 0.0f};
    case SC_ACT_SILU: return {alg::eltwise_swish, 1.0f, 0.0f};  // x * sigmoid(1 * x)
    case SC_ACT_GELU: return {alg::eltwise_gelu_erf, 0.0f, 0.0f};
    case SC_ACT_GELU_TANH: return {alg::eltwise_gelu_tanh, 0.0f, 0.0f};
    case SC_ACT_MISH: return {alg::eltwise_mish, 0.0f, 0.0f};
    default: return {alg::eltwise_linear, 1.0f, 0.0f};  // identity: x * 1 + 0
    }
}

static std::unique_ptr<DnnlSlot> make_slot(const Case &c, Route r)
{
    auto s = std::make_unique<DnnlSlot>();
    CaseData &d = case_data(c);
    auto &eng = engine();
    const memory::dims src_dims = {c.n, c.cin, c.h, c.w}, dst_dims = {c.n, c.cout, c.ho, c.wo};
    const memory::dims strides = {c.stride, c.stride}, pad_l = {c.pad, c.pad};
    const memory::dims pad_r = {right_pad(c.h, c.kh, c.stride, c.pad, c.dil, c.ho),
                                right_pad(c.w, c.kw, c.stride, c.pad, c.dil, c.wo)};
    const memory::dims dil = {c.dil - 1, c.dil - 1};  // oneDNN counts dilation from 0
    const memory::desc user_src_md(src_dims, dt::f32, tag::nchw);
    const memory::desc user_dst_md(dst_dims, dt::f32, tag::nchw);
    s->user_src = memory(user_src_md, eng, d.in.data());
    s->user_dst = memory(user_dst_md, eng);
    try {
        memory::desc src_md, dst_md;
        if (c.is_conv()) {
            const bool g = c.groups > 1;
            const memory::dims wdims =
                g ? memory::dims{c.groups, c.cout / c.groups, c.cin / c.groups, c.kh, c.kw}
                  : memory::dims{c.cout, c.cin, c.kh, c.kw};
            const memory::desc user_w_md(wdims, dt::f32, g ? tag::goihw : tag::oihw);
            const memory::desc bias_md({c.cout}, dt::f32, tag::x);
            const memory::desc any_src(src_dims, dt::f32, r == kPlain ? tag::nchw : tag::any);
            const memory::desc any_dst(dst_dims, dt::f32, r == kPlain ? tag::nchw : tag::any);
            const memory::desc any_w(wdims, dt::f32, tag::any);
            dnnl::convolution_forward::desc cd(
                dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_auto, any_src,
                any_w, bias_md, any_dst, strides, dil, pad_l, pad_r);
            // A fused activation as oneDNN's eltwise post-op, so both
            // libraries do the same work.
            dnnl::primitive_attr attr;
            if (c.act != SC_ACT_NONE) {
                dnnl::post_ops po;
                const Eltwise e = eltwise_of(c.act);
                po.append_eltwise(1.0f, e.alg, e.alpha, e.beta);
                attr.set_post_ops(po);
            }
            dnnl::convolution_forward::primitive_desc pd(cd, attr, eng);
            src_md = pd.src_desc();
            dst_md = pd.dst_desc();
            memory user_w(user_w_md, eng, d.weight.data());
            s->wei = memory(pd.weights_desc(), eng);
            dnnl::reorder(user_w, s->wei).execute(s->strm, user_w, s->wei);
            s->bias = memory(bias_md, eng, d.bias.data());
            s->prim = dnnl::convolution_forward(pd);
        } else {
            const bool avx512 = sc_isa_detected() == SC_ISA_AVX512;
            const tag blocked = avx512 ? tag::nChw16c : tag::nChw8c;
            const memory::desc psrc(src_dims, dt::f32, r == kPlain ? tag::nchw : blocked);
            const memory::desc pdst(dst_dims, dt::f32, r == kPlain ? tag::nchw : tag::any);
            const dnnl::algorithm alg = c.kind == "max" ? dnnl::algorithm::pooling_max
                                        : c.exclude_pad
                                            ? dnnl::algorithm::pooling_avg_exclude_padding
                                            : dnnl::algorithm::pooling_avg_include_padding;
            dnnl::pooling_v2_forward::desc pdesc(dnnl::prop_kind::forward_inference, alg, psrc,
                                                 pdst, strides, {c.kh, c.kw}, dil, pad_l, pad_r);
            dnnl::pooling_v2_forward::primitive_desc pd(pdesc, eng);
            src_md = pd.src_desc();
            dst_md = pd.dst_desc();
            s->prim = dnnl::pooling_v2_forward(pd);
        }
        if (r == kPlain) {
            s->src = s->user_src;
            s->dst = s->user_dst;
        } else {
            s->src = memory(src_md, eng);
            s->dst = memory(dst_md, eng);
            s->reorder_in = src_md != user_src_md;
            s->reorder_out = dst_md != user_dst_md;
            if (s->reorder_in)
                s->r_in = dnnl::reorder(s->user_src, s->src);
            else
                s->src = s->user_src;
            if (s->reorder_out)
                s->r_out = dnnl::reorder(s->dst, s->user_dst);
            else
                s->dst = s->user_dst;
            // The native route's source holds the case's input in its own layout.
            if (s->reorder_in)
                s->r_in.execute(s->strm, s->user_src, s->src);
            s->strm.wait();
        }
        // Check once per case and route: the output in NCHW against simdconv's.
        static std::set<std::string> checked;
        if (checked.insert(c.name + "/" + route_name(r)).second) {
            s->run_once(r == kNative ? kReorder : r);
            const std::vector<float> &ref = reference_output(c);
            note_verification(c, route_name(r),
                              max_rel_diff((const float *)s->user_dst.get_data_handle(), ref));
        }
    } catch (const dnnl::error &e) {
        s->error = std::string("oneDNN: ") + e.what();
    }
    return s;
}

void register_onednn(const Case *c, const std::vector<int> &threads,
                     std::vector<std::string> &names)
{
    {
        const std::string fam = c->is_conv() ? "dnnl_conv" : "dnnl_pool";
        for (Route r : {kReorder, kPlain, kNative})
            for (int t : threads) {
                const std::string name =
                    fam + "/" + c->name + "/" + route_name(r) + "/t:" + std::to_string(t);
                benchmark::RegisterBenchmark(
                    name.c_str(),
                    [c, r, t, name](benchmark::State &st) {
                        omp_set_num_threads(t);  // before set-up: oneDNN plans for it
                        auto *s = slot<DnnlSlot>(
                            name,
                            c->name + " oneDNN " + route_name(r) + " t=" + std::to_string(t),
                            [&] { return make_slot(*c, r); });
                        if (!s->error.empty()) {
                            st.SkipWithError(s->error.c_str());
                            return;
                        }
                        omp_set_num_threads(t);
                        const double secs = timed_loop(st, [&] { s->run_once(r); });
                        std::string label = std::string("onednn ") + route_name(r);
                        const char *impl = nullptr;  // e.g. "jit:avx2"
                        dnnl_primitive_desc_query(s->prim.get_primitive_desc(),
                                                  dnnl_query_impl_info_str, 0, &impl);
                        if (impl)
                            label += std::string(" ") + impl;
                        st.SetLabel(label);
                        if (c->is_conv())
                            set_conv_counters(st, *c, sc_isa_name(sc_isa_detected()), t, secs);
                        else
                            set_pool_counters(st, *c, t, secs);
                    })
                    ->UseRealTime()
                    ->Unit(benchmark::kMicrosecond);
                register_meta(name, Meta{fam, c->name, route_name(r), t});
                names.push_back(name);
            }
    }
}

}  // namespace scb
