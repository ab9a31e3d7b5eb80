# The host-package test: install this build into a fresh prefix, build
# tests/host/host.c against the installed package with find_package(simdconv)
# (shared and static targets) and with pkg-config (shared, and static through
# Libs.private), run all four (through SC_TEST_LAUNCHER) and check their output.
find_program(SC_PKG_CONFIG pkg-config)
set(_sc_host_flags "")
if(SC_SANITIZE)
  set(_sc_host_flags "-fsanitize=address,undefined -fno-omit-frame-pointer")
endif()
string(REPLACE ";" "|" _sc_host_launcher "${SC_TEST_LAUNCHER}")
add_test(NAME host-package
  COMMAND ${CMAKE_COMMAND}
    -DSC_BUILD_DIR=${PROJECT_BINARY_DIR}
    -DSC_HOST_SOURCE=${CMAKE_CURRENT_LIST_DIR}
    -DSC_WORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/host-package
    -DSC_LIBDIR=${CMAKE_INSTALL_LIBDIR}
    -DSC_C_COMPILER=${CMAKE_C_COMPILER}
    -DSC_GENERATOR=${CMAKE_GENERATOR}
    -DSC_TOOLCHAIN_FILE=${CMAKE_TOOLCHAIN_FILE}
    -DSC_CROSS_ARCH=$<$<BOOL:${CMAKE_CROSSCOMPILING}>:${CMAKE_LIBRARY_ARCHITECTURE}>
    -DSC_PKG_CONFIG=${SC_PKG_CONFIG}
    -DSC_HOST_FLAGS=${_sc_host_flags}
    -DSC_LAUNCHER=${_sc_host_launcher}
    -DSC_CONFIG=$<CONFIG>
    -P ${CMAKE_CURRENT_LIST_DIR}/run-host.cmake)
set_tests_properties(host-package PROPERTIES
  ENVIRONMENT "SC_EXPECT_ISA=${SC_EXPECT_ISA}"
  LABELS package
  TIMEOUT 300)
