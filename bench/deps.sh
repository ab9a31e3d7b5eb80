# Sourced by bench/run.sh and bench/callgrind-gate.sh.
# sc_bench_need PKG...: installs the Debian packages that are missing, with
# apt-get only; checks each with dpkg -s first and runs apt-get update at
# most once per process, only when something is missing.
SC_BENCH_APT_UPDATED=${SC_BENCH_APT_UPDATED:-0}

sc_bench_need() {
    local missing=() p arch
    arch=$(dpkg --print-architecture)
    for p in "$@"; do
        # "pkg:arch" resolves packages installed for several architectures
        # (multiarch, e.g. libsleef-dev for amd64 and arm64).
        dpkg -s "$p" >/dev/null 2>&1 || dpkg -s "$p:$arch" >/dev/null 2>&1 || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
            echo "bench: missing Debian packages: ${missing[*]} (run as root or install them)" >&2
            return 1
        fi
    fi
    echo "bench: installing missing Debian packages: ${missing[*]}" >&2
    if [ "$SC_BENCH_APT_UPDATED" = 0 ]; then
        $sudo apt-get update -qq >&2 || return 1
        SC_BENCH_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >&2
}

# What the library itself needs to build (see cmake/SimdconvDeps.cmake).
SC_BENCH_BUILD_PKGS=(cmake make gcc g++ libc6-dev libsleef-dev)

# Debian's interpreter, which sees the python3-* packages installed above
# (a python3 earlier in PATH, e.g. pyenv's, does not).
SC_BENCH_PYTHON=/usr/bin/python3
[ -x "$SC_BENCH_PYTHON" ] || SC_BENCH_PYTHON=python3
