#!/usr/bin/env bash
# The benchmark sweep: bash bench/run.sh [options] [-- simdconv_bench arguments]
#
#   (none)          full sweep: every case of bench/shapes.txt, every algorithm
#                   and ISA, thread counts 1, 2, 4, ... up to the core count, side
#                   by side with oneDNN (about 6.5 minutes on 2 cores)
#   --quick         the seed cases only, short minimum time (CI, first look)
#   --reps N        repetitions per benchmark (default 3; 1 with --quick;
#                   for bench/compare.sh's U-test: 9 or more)
#   --min-time S    Google Benchmark's minimum time per repetition, seconds
#                   (default 0.1; 0.02 with --quick)
#   --filter REGEX  only the benchmarks whose name matches (--benchmark_filter)
#   --build DIR     build directory (default: build/bench)
#   --out DIR       results directory (default: results/<UTC timestamp>)
#
# Installs what is missing from Debian's packages (apt-get), builds simdconv
# and the harness (Release), runs the sweep and writes into the results
# directory: bench.json (Google Benchmark's JSON, machine context included),
# console.log (the console, ending with the simdconv/oneDNN tables),
# progress.log (stderr: peaks, folded variants, progress lines) and the PNG
# plots of bench/plot.py. See bench/README.md.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
quick=0
reps=""
min_time=""
filter=""
build="$root/build/bench"
out=""
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --reps) reps=$2; shift ;;
        --min-time) min_time=$2; shift ;;
        --filter) filter=$2; shift ;;
        --build) build=$2; shift ;;
        --out) out=$2; shift ;;
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        --) shift; extra=("$@"); break ;;
        *) echo "run.sh: unknown option $1 (see bash bench/run.sh --help)" >&2; exit 2 ;;
    esac
    shift
done
# Full sweep: 3 repetitions of >= 0.1 s each (the table takes the fastest
# iteration: a shared machine's bursts only ever add time); about 6.5 minutes
# on 2 cores.
if [ $quick = 1 ]; then
    min_time=${min_time:-0.02}; reps=${reps:-1}
else
    min_time=${min_time:-0.1}; reps=${reps:-3}
fi
start=$SECONDS

# shellcheck source=bench/deps.sh
. "$here/deps.sh"
# ocl-icd-opencl-dev: Debian's oneDNN is built with its OpenCL GPU runtime,
# so its CMake config requires OpenCL's headers and library (a package it
# only recommends, which --no-install-recommends leaves out).
sc_bench_need "${SC_BENCH_BUILD_PKGS[@]}" libbenchmark-dev libbenchmark-tools libdnnl-dev \
    ocl-icd-opencl-dev python3 python3-matplotlib

echo "== building (Release) in $build" >&2
mkdir -p "$build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSC_BUILD_BENCH=ON \
      -DSC_BUILD_TESTS=OFF >"$build/configure.log" 2>&1 \
    || { cat "$build/configure.log" >&2; exit 1; }
cmake --build "$build" --target simdconv_bench -j"$(nproc)" >"$build/build.log" 2>&1 \
    || { tail -40 "$build/build.log" >&2; exit 1; }
bin="$build/bench/simdconv_bench"

suffix=""
if [ $quick = 1 ]; then suffix=-quick; fi
out=${out:-$root/results/$(date -u +%Y%m%dT%H%M%SZ)$suffix}
mkdir -p "$out"
args=(--benchmark_min_time="$min_time" --benchmark_out="$out/bench.json"
      --benchmark_out_format=json)
if [ $quick = 1 ]; then args+=(--sc_quick); fi
if [ "$reps" -gt 1 ]; then
    args+=(--benchmark_repetitions="$reps")
fi
if [ -n "$filter" ]; then args+=(--benchmark_filter="$filter"); fi
args+=("${extra[@]}")
echo "== running $bin ${args[*]}" >&2
run_start=$SECONDS
"$bin" "${args[@]}" 2> >(tee "$out/progress.log" >&2) | tee "$out/console.log"
wait
run_time=$((SECONDS - run_start))

echo "== plotting" >&2
"$SC_BENCH_PYTHON" "$here/plot.py" "$out/bench.json" "$out/plots" >&2 \
    || echo "run.sh: plotting failed (results are still in $out)" >&2
echo "sweep: ${run_time} s, total with build and plots: $((SECONDS - start)) s" \
    | tee -a "$out/console.log"
echo
echo "Results in $out:"
echo "  bench.json    Google Benchmark JSON (compare two with bash bench/compare.sh A B)"
echo "  console.log   console output; the simdconv vs oneDNN tables are at its end"
echo "  progress.log  peaks, folded variants, progress"
echo "  plots/        threads_overview.png, threads/<shape>.png, simdconv_vs_onednn*.png"
