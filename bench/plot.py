#!/usr/bin/env python3
"""Plots of a simdconv_bench JSON result (Google Benchmark's format).

    python3 bench/plot.py RESULT.json OUTDIR

Writes into OUTDIR:
  threads_overview.png        GFLOP/s (convolution) or GB/s (pooling) against the
                              thread count, one panel per shape: every simdconv
                              variant (solid) and oneDNN's routes (dashed)
  threads/<shape>.png         the same, one file per shape
  simdconv_vs_onednn.png      per shape and thread count: best simdconv time /
                              oneDNN's cheapest NCHW->NCHW route (log scale; below 1
                              simdconv is faster), the ratio of the console table
  simdconv_vs_onednn_rate.png per shape: GFLOP/s or GB/s of the best simdconv
                              kernel, oneDNN's NCHW route and oneDNN on its own layout
Needs python3-matplotlib (bench/run.sh installs it).
"""
import json
import math
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

NAME = re.compile(r"^(sc_conv|sc_pool|dnnl_conv|dnnl_pool)/([^/]+)/(.+)/t:(\d+)(/real_time)?$")


def load(path):
    """{(family, case, variant, threads): {'s': seconds, 'rate': x, 'label': str}}"""
    data = json.load(open(path))
    unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    runs, order = {}, []
    for b in data.get("benchmarks", []):
        if b.get("error_occurred"):
            continue
        name = b.get("run_name", b["name"])
        if b.get("run_type") == "aggregate":
            continue  # the fastest run is kept below, as in the console's table
        m = NAME.match(name)
        if not m:
            continue
        fam, case, variant, t = m.group(1), m.group(2), m.group(3), int(m.group(4))
        key = (fam, case, variant, t)
        s = b["real_time"] * unit[b.get("time_unit", "ns")]
        rate = b.get("GFLOP/s", b.get("GB/s", 0.0))
        fastest = b.get("fastest_s", 0.0)
        if fastest > 0:  # the fastest iteration, as the console's table
            rate, s = rate * s / fastest, fastest
        prev = runs.get(key)
        if case not in order:
            order.append(case)
        if prev is None or s < prev["s"]:
            runs[key] = {"s": s, "rate": rate, "label": b.get("label", "")}
    return data.get("context", {}), runs, order


def shape_panel(ax, case, runs):
    series = {}
    pool = False
    for (fam, c, variant, t), r in runs.items():
        if c != case:
            continue
        pool = pool or fam.endswith("pool")
        if fam.startswith("sc_"):
            name = f"{variant} [{r['label']}]" if r["label"] else variant
        else:
            name = f"oneDNN {variant}"
        series.setdefault((fam.startswith("dnnl"), name), []).append((t, r["rate"]))
    for (is_dnnl, name), pts in sorted(series.items()):
        pts.sort()
        ax.plot([p[0] for p in pts], [p[1] for p in pts], "--" if is_dnnl else "-",
                marker="o", markersize=3, label=name)
    ax.set_title(case, fontsize=9)
    ax.set_xlabel("threads", fontsize=8)
    ax.set_ylabel("GB/s" if pool else "GFLOP/s", fontsize=8)
    ts = sorted({k[3] for k in runs if k[1] == case})
    if ts:
        ax.set_xticks(ts)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    return ax


def best_pairs(runs, cases):
    """{threads: [(case, best simdconv, its label, oneDNN cheapest NCHW route, own)]}"""
    out = {}
    for t in sorted({k[3] for k in runs}):
        rows = []
        for case in cases:
            sc = [(r["s"], r) for (f, c, v, tt), r in runs.items()
                  if c == case and tt == t and f.startswith("sc_")]
            dn = [(r["s"], r) for (f, c, v, tt), r in runs.items()
                  if c == case and tt == t and f.startswith("dnnl") and v != "blocked_native"]
            own = [(r["s"], r) for (f, c, v, tt), r in runs.items()
                   if c == case and tt == t and f.startswith("dnnl") and v == "blocked_native"]
            if sc and dn:
                b, d = min(sc, key=lambda x: x[0]), min(dn, key=lambda x: x[0])
                o = min(own, key=lambda x: x[0]) if own else (None, None)
                rows.append((case, b[1], d[1], o[1]))
        out[t] = rows
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    ctx, runs, cases = load(sys.argv[1])
    outdir = sys.argv[2]
    os.makedirs(os.path.join(outdir, "threads"), exist_ok=True)
    if not runs:
        sys.exit("plot.py: no sc_/dnnl_ runs in " + sys.argv[1])
    title = f"simdconv {ctx.get('simdconv_version', '')} on {ctx.get('cpu_model', '?')}"

    # GFLOP/s against threads, one file per shape and an overview grid.
    for case in cases:
        fig, ax = plt.subplots(figsize=(6, 4))
        shape_panel(ax, case, runs)
        ax.legend(fontsize=6)
        fig.suptitle(title, fontsize=8)
        fig.tight_layout()
        fig.savefig(os.path.join(outdir, "threads", case + ".png"), dpi=100)
        plt.close(fig)
    cols = 4
    rows = math.ceil(len(cases) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 4.2, rows * 3.0), squeeze=False)
    for i, case in enumerate(cases):
        shape_panel(axes[i // cols][i % cols], case, runs)
        axes[i // cols][i % cols].legend(fontsize=4)
    for j in range(len(cases), rows * cols):
        axes[j // cols][j % cols].axis("off")
    fig.suptitle(title + ": GFLOP/s (GB/s for pooling) vs threads; dashed = oneDNN", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.985))
    fig.savefig(os.path.join(outdir, "threads_overview.png"), dpi=90)
    plt.close(fig)

    # simdconv vs oneDNN.
    pairs = best_pairs(runs, cases)
    pairs = {t: r for t, r in pairs.items() if r}
    if pairs:
        names = [c for c in cases if any(row[0] == c for rr in pairs.values() for row in rr)]
        fig, ax = plt.subplots(figsize=(8, 0.35 * len(names) * max(1, len(pairs)) + 1.5))
        h = 0.8 / len(pairs)
        for i, (t, rr) in enumerate(sorted(pairs.items())):
            ratio = {row[0]: row[1]["s"] / row[2]["s"] for row in rr}
            ys = [names.index(c) + i * h for c in ratio]
            ax.barh(ys, list(ratio.values()), height=h, label=f"{t} thread(s)")
        ax.set_xscale("log")
        ax.axvline(1.0, color="black", linewidth=0.8)
        ax.set_yticks([k + 0.4 - h / 2 for k in range(len(names))])
        ax.set_yticklabels(names, fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel("simdconv time / oneDNN time (NCHW in and out; < 1: simdconv faster)")
        ax.legend(fontsize=7)
        ax.grid(axis="x", alpha=0.3)
        fig.suptitle(title, fontsize=8)
        fig.tight_layout()
        fig.savefig(os.path.join(outdir, "simdconv_vs_onednn.png"), dpi=100)
        plt.close(fig)

        ts = sorted(pairs)
        fig, axes = plt.subplots(len(ts), 1, figsize=(max(8, 0.5 * len(names)), 3.5 * len(ts)),
                                 squeeze=False)
        for ax, t in zip(axes[:, 0], ts):
            rr = pairs[t]
            x = range(len(rr))
            w = 0.27
            ax.bar([i - w for i in x], [row[1]["rate"] for row in rr], w, label="simdconv best")
            ax.bar(list(x), [row[2]["rate"] for row in rr], w, label="oneDNN NCHW route")
            ax.bar([i + w for i in x], [row[3]["rate"] if row[3] else 0 for row in rr], w,
                   label="oneDNN own layout, no reorders")
            ax.set_xticks(list(x))
            ax.set_xticklabels([row[0] for row in rr], rotation=60, ha="right", fontsize=7)
            ax.set_yscale("log")
            ax.set_ylabel("GFLOP/s (pooling: GB/s)", fontsize=8)
            ax.set_title(f"{t} thread(s)", fontsize=9)
            ax.legend(fontsize=7)
            ax.grid(axis="y", alpha=0.3)
        fig.suptitle(title, fontsize=8)
        fig.tight_layout()
        fig.savefig(os.path.join(outdir, "simdconv_vs_onednn_rate.png"), dpi=100)
        plt.close(fig)
    print(f"plots written to {outdir}")


if __name__ == "__main__":
    main()
