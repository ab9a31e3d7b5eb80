#!/usr/bin/env bash
# Regression check between two benchmark results, with Google Benchmark's own
# compare.py (Debian: libbenchmark-tools; its Mann-Whitney U-test needs
# python3-scipy, installed here when missing).
#
#   bash bench/compare.sh [--threshold PCT] [--alpha A] BASELINE.json CONTENDER.json
#
# Prints compare.py's report, then fails (exit 1) when some benchmark present
# in both files got slower by more than PCT percent (default 5) in real time:
#   - with repetitions (>= 2 per benchmark): the change of the medians, and only
#     if the U-test calls it significant (p < A, default 0.05);
#   - without repetitions: the single measurements' change (no test possible;
#     a noisy machine will then flag noise: use repetitions).
# Exit status: 0 no regression, 1 regression, 2 usage or setup error.
#
# Repetitions: the U-test needs at least 9 repetitions per benchmark to be
# meaningful (compare.py's UTEST_OPTIMAL_REPETITIONS) and warns below that.
# Produce both files the same way, e.g. the seed cases with 9 repetitions:
#   bash bench/run.sh --quick --reps 9          # before and after the change
#   bash bench/compare.sh results/<before>/bench.json results/<after>/bench.json
# or a subset of the full sweep:
#   bash bench/run.sh --reps 9 --filter 'resnet_3x3|mbnet'
# Each file must come from the same machine; timings across machines are not
# comparable (use bench/callgrind-gate.sh for a machine-independent gate).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
threshold=5
alpha=0.05
files=()
while [ $# -gt 0 ]; do
    case "$1" in
        --threshold) threshold=$2; shift ;;
        --threshold=*) threshold=${1#*=} ;;
        --alpha) alpha=$2; shift ;;
        --alpha=*) alpha=${1#*=} ;;
        -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
        -*) echo "compare: unknown option $1" >&2; exit 2 ;;
        *) files+=("$1") ;;
    esac
    shift
done
if [ ${#files[@]} -ne 2 ]; then
    echo "usage: bash bench/compare.sh [--threshold PCT] [--alpha A] BASELINE.json CONTENDER.json" >&2
    exit 2
fi
# shellcheck source=bench/deps.sh
. "$here/deps.sh"
sc_bench_need libbenchmark-tools python3 python3-scipy || exit 2
compare_py=$(dpkg -L libbenchmark-tools | grep '/compare\.py$' | head -1)
[ -n "$compare_py" ] || { echo "compare: compare.py not found in libbenchmark-tools" >&2; exit 2; }

diff_json=$(mktemp)
trap 'rm -f "$diff_json"' EXIT
"$SC_BENCH_PYTHON" "$compare_py" --no-color -a --alpha "$alpha" --dump_to_json "$diff_json" \
    benchmarks "${files[0]}" "${files[1]}"

"$SC_BENCH_PYTHON" - "$diff_json" "$threshold" "$alpha" <<'PY'
import json, sys
report, threshold, alpha = json.load(open(sys.argv[1])), float(sys.argv[2]), float(sys.argv[3])
by_name = {e['name']: e for e in report}
regressions, few_reps = [], False
for e in report:
    if e['run_type'] == 'aggregate' or e['name'] == 'OVERALL_GEOMEAN':
        continue
    name, ms = e['name'], e['measurements']
    if len(ms) >= 2:
        med = by_name.get(name + '_median')
        if med:
            m = med['measurements'][0]
        else:
            m = sorted(ms, key=lambda x: x['time'])[len(ms) // 2]
        change = m['time'] * 100
        u = e.get('utest') or {}
        p = u.get('time_pvalue')
        if not u.get('have_optimal_repetitions', False):
            few_reps = True
        if change > threshold and p is not None and p < alpha:
            regressions.append((name, change, f"p={p:.4f}"))
    else:
        change = ms[0]['time'] * 100
        if change > threshold:
            regressions.append((name, change, "single run, no U-test"))
print()
if few_reps:
    print("note: fewer than 9 repetitions per benchmark; the U-test is weak (see bench/README.md)")
if regressions:
    print(f"REGRESSION: {len(regressions)} benchmark(s) slower by more than {threshold}% "
          f"(real time):")
    for name, change, why in sorted(regressions, key=lambda r: -r[1]):
        print(f"  {name}: {change:+.1f}% ({why})")
    sys.exit(1)
print(f"no regression beyond {threshold}% (alpha {alpha})")
PY
