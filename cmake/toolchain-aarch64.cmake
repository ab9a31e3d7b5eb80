# Cross-build for aarch64 (Debian 12: gcc-aarch64-linux-gnu, libsleef-dev:arm64,
# libgomp1:arm64, qemu-user). Use:
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake
#   cmake --build build-aarch64 && ctest --test-dir build-aarch64
# Tests run under qemu-aarch64.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Debian's multiarch arm64 packages (libsleef-dev:arm64, libgomp1:arm64, libc6:arm64)
# live in /usr/lib/aarch64-linux-gnu and /usr/include/aarch64-linux-gnu; the
# cross compiler's own runtime lives in /usr/aarch64-linux-gnu. Search the
# multiarch places for libraries and headers, the host for programs.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(SC_SLEEF_HINT_INCLUDE /usr/include/aarch64-linux-gnu)
set(SC_SLEEF_HINT_LIB /usr/lib/aarch64-linux-gnu)

# libsleef.so from the multiarch tree names libm.so.6/libc.so.6; let the
# linker resolve them in the same tree.
set(_sc_rpath_link "-Wl,-rpath-link,/lib/aarch64-linux-gnu:/usr/lib/aarch64-linux-gnu")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${_sc_rpath_link}")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "${_sc_rpath_link}")

# Run the tests under qemu with ONE aarch64 libc: the loader of libc6:arm64
# (-L / makes qemu take /lib/ld-linux-aarch64.so.1 from the multiarch tree)
# and, through LD_LIBRARY_PATH, that same tree's libc, libm, libgomp, libsleef.
# Mixing in /usr/aarch64-linux-gnu's libc (the cross toolchain's copy) makes
# threaded programs hang in pthread_create.
set(SC_AARCH64_EMULATOR qemu-aarch64 -L / -E LD_LIBRARY_PATH=/lib/aarch64-linux-gnu:/usr/lib/aarch64-linux-gnu)
set(CMAKE_CROSSCOMPILING_EMULATOR ${SC_AARCH64_EMULATOR})
set(SC_TEST_LAUNCHER "${SC_AARCH64_EMULATOR}" CACHE STRING "Prefix for running test binaries (emulator)")
