#!/usr/bin/env bash
# CI hard gate: instruction counts of the seed cases against a committed baseline.
#
#   bash bench/callgrind-gate.sh [--update] [--tolerance PCT] [BUILD_DIR]
#
# Runs every seed case of bench/shapes.txt (set "seed") once, on one thread,
# with every algorithm (auto and each forced one the plan accepts), on the
# scalar and AVX2 paths (SIMDCONV_ISA=scalar / avx2; valgrind cannot run
# AVX-512), under valgrind --tool=callgrind --instr-atstart=no. The driver
# (bench/gate_driver.c) turns instrumentation on only around sc_conv2d_run /
# sc_pool2d_run, so the count is the kernel's alone. The counts are compared
# with bench/callgrind-baseline.txt:
#   - more instructions than baseline * (1 + PCT/100) is a regression
#     (default PCT = 3, or $SC_GATE_TOLERANCE);
#   - a different kernel (describe string) than the baseline's, or a case that
#     appeared or disappeared, fails too: the baseline no longer describes
#     what runs;
#   - fewer instructions beyond the tolerance pass, with a note to update.
# Exit status: 0 pass, 1 regression or mismatch, 2 setup error.
#
# Why instruction counts: timings on shared CI machines are noise; the number
# of instructions a kernel executes on a given input does not depend on the
# machine's load or clock, only on the code (the library, the compiler and its
# flags, and glibc's CPU-dependent memcpy/memset variants). So the gate is
# exact on one machine image and stable across runs; the tolerance absorbs
# small toolchain differences.
#
# Updating the baseline: when a kernel change is intended (a new kernel, a
# faster or deliberately slower one, a new seed case or algorithm), regenerate
# the baseline on purpose and commit it with the change:
#   bash bench/callgrind-gate.sh --update
# and say in the commit why the counts moved (the script prints the old and new
# counts). Regenerate it on the CI machine image (Debian 12, Release build).
#
# BUILD_DIR: a CMake build directory to reuse (Release, not sanitized); it is
# reconfigured with -DSC_BUILD_BENCH=ON and only the sc_gate_driver target is
# built. Default: build/bench-gate in the source tree.
# Takes about half a minute plus the build on 2 cores.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
baseline="$here/callgrind-baseline.txt"
update=0
tol=${SC_GATE_TOLERANCE:-3}
build=""
while [ $# -gt 0 ]; do
    case "$1" in
        --update) update=1 ;;
        --tolerance) tol=$2; shift ;;
        --tolerance=*) tol=${1#*=} ;;
        -h|--help) sed -n '2,40p' "$0"; exit 0 ;;
        -*) echo "callgrind-gate: unknown option $1" >&2; exit 2 ;;
        *) build=$1 ;;
    esac
    shift
done
build=${build:-$root/build/bench-gate}
start=$SECONDS

# shellcheck source=bench/deps.sh
. "$here/deps.sh"
sc_bench_need "${SC_BENCH_BUILD_PKGS[@]}" valgrind python3 || exit 2

# ---- build the driver (Release)
if [ -f "$build/CMakeCache.txt" ]; then
    bt=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt")
    san=$(sed -n 's/^SC_SANITIZE:BOOL=//p' "$build/CMakeCache.txt")
    if [ "$bt" != "Release" ] || [ "$san" = "ON" ]; then
        echo "callgrind-gate: $build is a '$bt' build (SC_SANITIZE=$san); the baseline is for" \
             "an unsanitized Release build. Give another directory." >&2
        exit 2
    fi
    cmake -S "$root" -B "$build" -DSC_BUILD_BENCH=ON >"$build/gate-configure.log" 2>&1 \
        || { cat "$build/gate-configure.log" >&2; exit 2; }
else
    mkdir -p "$build"
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSC_BUILD_BENCH=ON \
          -DSC_BUILD_TESTS=OFF >"$build/gate-configure.log" 2>&1 \
        || { cat "$build/gate-configure.log" >&2; exit 2; }
fi
cmake --build "$build" --target sc_gate_driver -j"$(nproc)" >"$build/gate-build.log" 2>&1 \
    || { tail -40 "$build/gate-build.log" >&2; exit 2; }
driver="$build/bench/sc_gate_driver"
[ -x "$driver" ] || { echo "callgrind-gate: $driver was not built" >&2; exit 2; }

# ---- the runs: key = case/algo/isa
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
jobs_file="$work/jobs"
: > "$jobs_file"
isas=()
for isa in scalar avx2; do
    # Only ISAs this machine has: the driver reports the active ISA.
    if [ "$(SIMDCONV_ISA=$isa "$driver" --probe auto max 1 1 2 2 1 2 2 2 0 1 1 - \
            2>/dev/null | awk '{print $2}')" = "$isa" ]; then
        isas+=("$isa")
    else
        echo "callgrind-gate: this machine has no $isa; its entries are not checked" >&2
    fi
done
while read -r set name kind n cin h w cout kh kw s p d g flags; do
    [ "$set" = "seed" ] || continue
    if [ "$kind" = conv ]; then algos="auto direct im2col winograd_f2 winograd_f3 winograd_f4"; else algos="-"; fi
    for isa in "${isas[@]}"; do
        for algo in $algos; do
            args="$algo $kind $n $cin $h $w $cout $kh $kw $s $p $d $g $flags"
            key="$name/${algo/-/pool}/$isa"
            rc=0
            SIMDCONV_ISA=$isa "$driver" --probe $args >/dev/null 2>&1 || rc=$?
            if [ $rc -eq 3 ]; then continue; fi  # forced algorithm does not apply
            if [ $rc -ne 0 ]; then
                echo "callgrind-gate: $key: the driver failed (rc=$rc):" >&2
                SIMDCONV_ISA=$isa "$driver" --probe $args >&2 || true
                exit 2
            fi
            echo "$key $isa $args" >> "$jobs_file"
        done
    done
done < <(grep -v '^[[:space:]]*#' "$here/shapes.txt" | grep -v '^[[:space:]]*$')

run_one() { # key isa args...
    local key=$1 isa=$2; shift 2
    local f="$work/${key//\//_}"
    if ! SIMDCONV_ISA=$isa valgrind --tool=callgrind --instr-atstart=no \
            --callgrind-out-file="$f.cg" "$driver" "$@" > "$f.describe" 2> "$f.log"; then
        echo "$key FAILED" > "$f.result"
        return
    fi
    local ir
    ir=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$f.cg")
    echo "$key ${ir:-0} $(awk '{print $1}' "$f.describe")" > "$f.result"
}
njobs=$(nproc)
while read -r line; do
    # shellcheck disable=SC2086
    run_one $line &
    while [ "$(jobs -rp | wc -l)" -ge "$njobs" ]; do wait -n || true; done
done < "$jobs_file"
wait
cat "$work"/*.result | sort > "$work/now.txt"
if grep -q FAILED "$work/now.txt"; then
    grep FAILED "$work/now.txt" >&2
    for f in "$work"/*.log; do tail -5 "$f" >&2; done
    exit 2
fi

# ---- compare (also shown before an update, when there is a baseline)
if [ $update = 0 ] && [ ! -f "$baseline" ]; then
    echo "callgrind-gate: no baseline $baseline; run with --update" >&2
    exit 2
fi
status=0
"$SC_BENCH_PYTHON" - "$( [ -f "$baseline" ] && echo "$baseline" || echo /dev/null )" "$work/now.txt" "$tol" "${isas[*]}" "$update" <<'PY' || status=1
import sys
base_path, now_path, tol, isas = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4].split()
update = sys.argv[5] == "1"

def load(path):
    d = {}
    for line in open(path):
        line = line.split('#', 1)[0].split()
        if len(line) >= 3:
            d[line[0]] = (int(line[1]), line[2])
    return d

base, now = load(base_path), load(now_path)
bad, better = [], []
print(f"{'case/algo/isa':44} {'baseline':>12} {'now':>12} {'change':>8}  kernel")
for key in sorted(set(base) | set(now)):
    isa = key.rsplit('/', 1)[1]
    if key not in now:
        if isa in isas:
            print(f"{key:44} {base[key][0]:12d} {'-':>12} {'':>8}  GONE (was {base[key][1]})")
            bad.append(key)
        continue
    ir, kern = now[key]
    if key not in base:
        print(f"{key:44} {'-':>12} {ir:12d} {'':>8}  {kern}  NEW")
        bad.append(key)
        continue
    bir, bkern = base[key]
    ch = (ir - bir) / bir * 100 if bir else 0.0
    note = ""
    if kern != bkern:
        note = f"  KERNEL CHANGED (baseline: {bkern})"
        bad.append(key)
    elif ch > tol:
        note = "  REGRESSION"
        bad.append(key)
    elif ch < -tol:
        note = "  faster"
        better.append(key)
    print(f"{key:44} {bir:12d} {ir:12d} {ch:+7.2f}%  {kern}{note}")
print()
if update:
    print(f"{len(bad)} entries differ from the old baseline beyond {tol}% or in kernel; "
          "writing the new baseline")
    sys.exit(0)
if better:
    print(f"{len(better)} entries are more than {tol}% below the baseline: if that is meant, "
          "record it with bash bench/callgrind-gate.sh --update")
if bad:
    print(f"FAIL: {len(bad)} entries regressed by more than {tol}% or no longer match the "
          "baseline. If the change is intended, regenerate the baseline with\n"
          "  bash bench/callgrind-gate.sh --update\nand commit bench/callgrind-baseline.txt "
          "with the change.")
    sys.exit(1)
print(f"PASS: {len(now)} entries within +{tol}% of the baseline")
PY
if [ $update = 1 ]; then
    {
        echo "# Instruction counts (callgrind Ir) of sc_conv2d_run / sc_pool2d_run on the seed"
        echo "# cases of bench/shapes.txt, one thread, Release build. Written by"
        echo "#   bash bench/callgrind-gate.sh --update"
        echo "# on $(date -u +%Y-%m-%d): $(gcc --version | head -1), $(valgrind --version),"
        echo "# $(ldd --version | head -1), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')."
        echo "# Regenerate it (and commit it) whenever a kernel change is meant to move these."
        echo "# case/algo/isa  instructions  kernel"
        cat "$work/now.txt"
    } > "$baseline"
    echo "callgrind-gate: wrote $(wc -l < "$work/now.txt") entries to $baseline" \
         "($((SECONDS - start)) s)"
    exit 0
fi
echo "callgrind-gate: $((SECONDS - start)) s"
exit $status
