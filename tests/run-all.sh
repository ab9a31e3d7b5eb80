#!/usr/bin/env bash
# The whole test suite, on every ISA this machine can reach:
#   native     Release build with -Werror, ctest on the CPU's own best ISA
#   haswell    the same binaries under qemu-x86_64 -cpu Haswell (asserts avx2)
#   nehalem    the same binaries under qemu-x86_64 -cpu Nehalem (asserts scalar)
#   aarch64    cross build (cmake/toolchain-aarch64.cmake), ctest under qemu-aarch64 (asserts neon)
#   sanitize   AddressSanitizer + UndefinedBehaviorSanitizer build of the native suite
#   avx512emu  the AVX-512 sources built on SIMDe's AVX-512 emulation (AVX2
#              code), with ASan+UBSan, on any AVX2+FMA host (asserts avx512)
#   torch      the native build's shared library against PyTorch itself
#              (Debian's python3-torch): tests/torch/torch-diff.py on the
#              native ISA and on scalar (SIMDCONV_ISA=scalar), and on an AVX2
#              host a Release build of the AVX-512 sources on SIMDe too
# It first installs, from Debian's packages, whatever of that is missing.
#
# No emulator in Debian executes AVX-512 instructions (qemu 7.2 stops at
# AVX2), so the real AVX-512 binaries run only on an AVX-512 CPU (the native
# stage there); avx512emu runs the same kernel sources everywhere else.
#
# Usage: bash tests/run-all.sh [stage...]   (default: all stages, in the order above)
# Build trees go to $SC_BUILD_ROOT (default build-ci/ in the repository); logs
# of every stage are kept there. Exit status is non-zero if any stage fails.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
ROOT=$PWD
BUILD_ROOT=${SC_BUILD_ROOT:-$ROOT/build-ci}
JOBS=$(nproc 2>/dev/null || echo 2)
EMU_SCALE=${SC_EMU_TEST_SCALE:-0.25}   # emulated runs shrink the randomized sizes
TEST_TIMEOUT=600                        # seconds per test: a hang fails, it does not stall CI
mkdir -p "$BUILD_ROOT"

log() { printf '%s\n' "$*"; }

# ---------------------------------------------------------------------------
# Debian packages
# ---------------------------------------------------------------------------
install_packages() {
    local native_arch
    native_arch=$(dpkg --print-architecture)
    local want=(
        cmake make gcc libc6-dev pkg-config
        "libsleef-dev:$native_arch" libsimde-dev
        qemu-user
        gcc-aarch64-linux-gnu libc6-dev-arm64-cross
        libsleef-dev:arm64 libgomp1:arm64 libc6:arm64
        python3-torch python3-numpy
    )
    # (--no-install-recommends below: list what is needed, e.g. the cross
    # libc6-dev that gcc-aarch64-linux-gnu only recommends.)
    local missing=() p
    for p in "${want[@]}"; do
        dpkg-query -W -f='${db:Status-Abbrev}\n' "$p" 2>/dev/null | grep -q '^ii' || missing+=("$p")
    done
    local need_arch=0
    dpkg --print-foreign-architectures | grep -qx arm64 || need_arch=1
    if [ ${#missing[@]} -eq 0 ] && [ $need_arch -eq 0 ]; then
        log "packages: all present"
        return 0
    fi
    log "packages: installing ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then
        log "packages: not root; install them by hand: ${missing[*]}"
        return 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    [ $need_arch -eq 1 ] && dpkg --add-architecture arm64
    apt-get update -q >"$BUILD_ROOT/apt.log" 2>&1 &&
        apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null >>"$BUILD_ROOT/apt.log" 2>&1
    local rc=$?
    [ $rc -eq 0 ] || { tail -30 "$BUILD_ROOT/apt.log"; log "packages: apt-get failed (full log: $BUILD_ROOT/apt.log)"; }
    return $rc
}

# ---------------------------------------------------------------------------
# What the native CPU supports (the ISA detection must report)
# ---------------------------------------------------------------------------
native_isa() {
    local flags
    case "$(uname -m)" in
        aarch64|arm64) echo neon; return ;;
        x86_64|amd64) ;;
        *) echo scalar; return ;;
    esac
    flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
    has() { [[ "$flags" == *" $1 "* ]]; }
    if has avx512f && has avx512bw && has avx512dq && has avx512vl; then
        echo avx512
    elif has avx2 && has fma; then
        echo avx2
    else
        echo scalar
    fi
}

# ---------------------------------------------------------------------------
# Stage helpers
# ---------------------------------------------------------------------------
declare -A RESULT SECONDS_TAKEN TESTS CHECKS
STAGES_RUN=()
TOTAL_PASSED=0
TOTAL_FAILED=0

# configure <dir> <cmake args...>; build <dir>
configure() {
    local dir=$1; shift
    cmake -S "$ROOT" -B "$dir" "$@" >"$dir.configure.log" 2>&1 ||
        { tail -40 "$dir.configure.log"; return 1; }
}
build() {
    local dir=$1
    cmake --build "$dir" --parallel "$JOBS" >"$dir.build.log" 2>&1 ||
        { grep -E 'error|warning' "$dir.build.log" | head -60; tail -20 "$dir.build.log"; return 1; }
}

# run_ctest <stage> <dir> [VAR=value...]: ctest -V into a log; prints ctest's
# own summary and the per-binary "name: N passed, N failed" lines; on failure
# the failing tests' output. qemu's "TCG doesn't support requested feature"
# warnings stay in the log only.
run_ctest() {
    local stage=$1 dir=$2; shift 2
    local logf="$BUILD_ROOT/$stage.ctest.log"
    env "$@" ctest --test-dir "$dir" -V -j "$JOBS" --timeout "$TEST_TIMEOUT" >"$logf" 2>&1
    local rc=$?
    grep -v "TCG doesn't support requested feature" "$logf" |
        grep -E '^ *[0-9]+/[0-9]+ Test +#|tests passed|^[0-9]+: [A-Za-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed$' |
        sed -E 's/^[0-9]+: /    /'
    if [ $rc -ne 0 ]; then
        local n
        for n in $(grep -E '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .*(Failed|Timeout|Exception|Not Run)' "$logf" |
                   sed -E 's/.*Test +#([0-9]+):.*/\1/'); do
            log "---- output of failing test #$n (first 60 lines; full log: $logf)"
            grep -E "^$n: " "$logf" | grep -v "TCG doesn't support requested feature" | head -60
        done
    fi
    # Counts: ctest's closing line and the sum of the binaries' check lines.
    local closing total failed passed cp cf
    closing=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$logf" | tail -1)
    if [ -n "$closing" ]; then
        total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$closing")
        failed=$(sed -E 's/.*passed, ([0-9]+) tests failed.*/\1/' <<<"$closing")
        passed=$((total - failed))
    else
        total=0 failed=0 passed=0
    fi
    read -r cp cf < <(grep -E '^[0-9]+: [A-Za-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed$' "$logf" |
        awk '{p += $(NF-3); f += $(NF-1)} END {print p+0, f+0}')
    TESTS[$stage]="$passed/$total"
    CHECKS[$stage]="$cp/$((cp + cf))"
    TOTAL_PASSED=$((TOTAL_PASSED + passed))
    TOTAL_FAILED=$((TOTAL_FAILED + failed))
    [ $rc -eq 0 ] && [ "$total" -gt 0 ]
}

stage_native() {
    local dir="$BUILD_ROOT/native"
    configure "$dir" -DCMAKE_BUILD_TYPE=Release -DSC_WERROR=ON \
        -DSC_TEST_LAUNCHER= -DSC_EXPECT_ISA="$NATIVE_ISA" && build "$dir" &&
        run_ctest native "$dir"
}

# The native build's binaries, run under qemu-x86_64 as another CPU. Only the
# tests' launcher and expected ISA change, so nothing is recompiled.
stage_emulated_x86() {
    local stage=$1 cpu=$2 isa=$3 dir="$BUILD_ROOT/native"
    if [ "$(uname -m)" != x86_64 ]; then log "not an x86_64 host: skipped"; return 2; fi
    { [ -f "$dir/CMakeCache.txt" ] || configure "$dir" -DCMAKE_BUILD_TYPE=Release -DSC_WERROR=ON; } &&
        configure "$dir" -DSC_TEST_LAUNCHER="qemu-x86_64;-cpu;$cpu" -DSC_EXPECT_ISA="$isa" &&
        build "$dir" &&
        run_ctest "$stage" "$dir" SC_TEST_SCALE="$EMU_SCALE"
    local rc=$?
    # Leave the native build as a native build again.
    configure "$dir" -DSC_TEST_LAUNCHER= -DSC_EXPECT_ISA="$NATIVE_ISA" || true
    return $rc
}

stage_aarch64() {
    local dir="$BUILD_ROOT/aarch64"
    configure "$dir" -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/toolchain-aarch64.cmake" \
        -DCMAKE_BUILD_TYPE=Release -DSC_WERROR=ON -DSC_EXPECT_ISA=neon && build "$dir" &&
        run_ctest aarch64 "$dir" SC_TEST_SCALE="$EMU_SCALE"
}

stage_sanitize() {
    local dir="$BUILD_ROOT/sanitize"
    configure "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSC_SANITIZE=ON \
        -DSC_EXPECT_ISA="$NATIVE_ISA" && build "$dir" &&
        run_ctest sanitize "$dir" \
            ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 \
            UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
}

# The *-avx512.c sources compiled against SIMDe (kernels/simd/avx512-emulated.h)
# with AVX2 flags; dispatch reports AVX-512, so every test takes the AVX-512
# kernels. Sanitized: SIMDe's masked loads, stores and gathers touch only the
# active lanes, so ASan sees the tails exactly as the hardware would access them.
stage_avx512emu() {
    local dir="$BUILD_ROOT/avx512emu"
    if [ "$(uname -m)" != x86_64 ]; then log "not an x86_64 host: skipped"; return 2; fi
    if [ "$NATIVE_ISA" = scalar ]; then log "the host lacks AVX2+FMA: skipped"; return 2; fi
    configure "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSC_SANITIZE=ON -DSC_WERROR=ON \
        -DSC_EMULATE_AVX512=ON -DSC_EXPECT_ISA=avx512 && build "$dir" &&
        run_ctest avx512emu "$dir" \
            ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 \
            UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
}

# tests/torch/torch-diff.py on the native build's shared library: random
# descriptors of every parameter against PyTorch, on the native ISA and on
# scalar. Python is Debian's (/usr/bin/python3), which python3-torch serves.
stage_torch() {
    local dir="$BUILD_ROOT/native" logf="$BUILD_ROOT/torch.log" lib rc=0 runs=0 ok=0 isa
    { [ -f "$dir/CMakeCache.txt" ] ||
        configure "$dir" -DCMAKE_BUILD_TYPE=Release -DSC_WERROR=ON -DSC_TEST_LAUNCHER= \
            -DSC_EXPECT_ISA="$NATIVE_ISA"; } && build "$dir" || return 1
    lib=$(find "$dir/kernels" -name 'libsimdconv.so' | head -1)
    [ -n "$lib" ] || { log "no libsimdconv.so in $dir"; return 1; }
    : >"$logf"
    # The AVX-512 sources too, where only their SIMDe emulation runs: a
    # Release build of the library alone (the avx512emu stage's is sanitized,
    # which a Python host cannot load).
    local emu="" emudir="$BUILD_ROOT/torch-avx512emu"
    if [ "$(uname -m)" = x86_64 ] && [ "$NATIVE_ISA" = avx2 ]; then
        configure "$emudir" -DCMAKE_BUILD_TYPE=Release -DSC_EMULATE_AVX512=ON \
            -DSC_BUILD_TESTS=OFF && cmake --build "$emudir" --parallel "$JOBS" \
            --target simdconv >"$emudir.build.log" 2>&1 || return 1
        emu=$(find "$emudir/kernels" -name 'libsimdconv.so' | head -1)
    fi
    for isa in native scalar ${emu:+avx512emu}; do
        local env=() seed=1 cases=600 l=$lib
        [ $isa = scalar ] && env=(SIMDCONV_ISA=scalar) seed=2 cases=400
        [ $isa = avx512emu ] && seed=3 cases=300 l=$emu
        runs=$((runs + 1))
        if timeout "$TEST_TIMEOUT" env "${env[@]}" OMP_WAIT_POLICY=passive \
            /usr/bin/python3 "$ROOT/tests/torch/torch-diff.py" \
            "$l" --seed $seed --cases $cases >>"$logf" 2>&1; then
            ok=$((ok + 1))
        else
            rc=1
        fi
    done
    grep -E '^(FAIL|torch-diff|Traceback)' "$logf" | head -40 | sed 's/^/    /'
    [ $rc -eq 0 ] || { log "    last lines of $logf:"; tail -5 "$logf" | sed 's/^/    /'; }
    TESTS[torch]="$ok/$runs"
    CHECKS[torch]=$(grep -E '^torch-diff' "$logf" |
        sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/' |
        awk '{p += $1; f += $2} END {print p + 0 "/" p + f}')
    TOTAL_PASSED=$((TOTAL_PASSED + ok))
    TOTAL_FAILED=$((TOTAL_FAILED + runs - ok))
    return $rc
}

run_stage() {
    local stage=$1; shift
    log ""
    log "=== stage $stage: $*"
    local t0=$SECONDS rc
    case "$stage" in
        native)   stage_native ;;
        haswell)  stage_emulated_x86 haswell Haswell avx2 ;;
        nehalem)  stage_emulated_x86 nehalem Nehalem scalar ;;
        aarch64)  stage_aarch64 ;;
        sanitize) stage_sanitize ;;
        avx512emu) stage_avx512emu ;;
        torch)    stage_torch ;;
    esac
    rc=$?
    SECONDS_TAKEN[$stage]=$((SECONDS - t0))
    case $rc in
        0) RESULT[$stage]=PASS ;;
        2) RESULT[$stage]=SKIP ;;
        *) RESULT[$stage]=FAIL ;;
    esac
    : "${TESTS[$stage]:=0/0}" "${CHECKS[$stage]:=0/0}"
    STAGES_RUN+=("$stage")
    log "=== stage $stage: ${RESULT[$stage]} in ${SECONDS_TAKEN[$stage]} s"
}

# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------
T_START=$SECONDS
install_packages || { log "FAIL: could not install the packages the tests need"; exit 1; }
INSTALL_SECONDS=$SECONDS
NATIVE_ISA=$(native_isa)
log "native CPU: $NATIVE_ISA ($(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//'); $JOBS cores)"
if [ "$(uname -m)" = x86_64 ] && [ "$NATIVE_ISA" != avx512 ]; then
    log "note: this CPU lacks AVX-512: the AVX-512 kernel sources run in the avx512emu stage (SIMDe emulation), the real AVX-512 binaries only on an AVX-512 CPU"
fi

stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(native haswell nehalem aarch64 sanitize avx512emu torch)
for s in "${stages[@]}"; do
    case "$s" in
        native)   run_stage native "native $NATIVE_ISA, Release, -Werror" ;;
        haswell)  run_stage haswell "qemu-x86_64 -cpu Haswell, expects avx2, SC_TEST_SCALE=$EMU_SCALE" ;;
        nehalem)  run_stage nehalem "qemu-x86_64 -cpu Nehalem, expects scalar, SC_TEST_SCALE=$EMU_SCALE" ;;
        aarch64)  run_stage aarch64 "aarch64 cross build, qemu-aarch64, expects neon, SC_TEST_SCALE=$EMU_SCALE" ;;
        sanitize) run_stage sanitize "ASan+UBSan, native $NATIVE_ISA" ;;
        avx512emu) run_stage avx512emu "AVX-512 sources on SIMDe emulation, ASan+UBSan, expects avx512" ;;
        torch)    run_stage torch "against PyTorch: native $NATIVE_ISA, scalar, avx512emu" ;;
        *) log "unknown stage '$s' (native haswell nehalem aarch64 sanitize avx512emu torch)"
           exit 2 ;;
    esac
done

log ""
log "Summary (tests: ctest tests passed/run; checks: assertions passed/run, from the binaries' own counts)"
printf '%-10s %-6s %8s %10s %16s\n' stage result seconds tests checks
printf '%-10s %-6s %8s %10s %16s\n' packages done "$INSTALL_SECONDS" - -
status=0
for s in "${STAGES_RUN[@]}"; do
    printf '%-10s %-6s %8s %10s %16s\n' "$s" "${RESULT[$s]}" "${SECONDS_TAKEN[$s]}" "${TESTS[$s]}" "${CHECKS[$s]}"
    if [ "${RESULT[$s]}" = FAIL ]; then
        status=1
        # A stage that failed before any test did (configure, build) counts once.
        [ "${TESTS[$s]#*/}" = 0 ] && TOTAL_FAILED=$((TOTAL_FAILED + 1))
    fi
done
printf '%-10s %-6s %8s\n' total "$([ $status -eq 0 ] && echo PASS || echo FAIL)" "$((SECONDS - T_START))"
[ "$TOTAL_PASSED" -gt 0 ] || status=1
log "stages: $TOTAL_PASSED passed, $TOTAL_FAILED failed"
exit $status
