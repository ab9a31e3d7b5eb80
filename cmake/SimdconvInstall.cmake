# Installation: the header, libsimdconv.so and libsimdconv.a, a CMake package
# (find_package(simdconv) -> simdconv::simdconv, simdconv::simdconv_static)
# and simdconv.pc for pkg-config.
include(CMakePackageConfigHelpers)

set(SC_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/simdconv
    CACHE STRING "Where the CMake package files are installed (relative to the prefix)")

install(FILES ${PROJECT_SOURCE_DIR}/kernels/include/simdconv.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# The installed static archive needs SLEEF at link time: its exported
# interface names simdconv::sleef, an imported target the package config
# creates (the build tree's sc_sleef is not exported).
target_link_libraries(simdconv_static INTERFACE $<INSTALL_INTERFACE:simdconv::sleef>)

install(TARGETS simdconv simdconv_static
        EXPORT simdconvTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT simdconvTargets
        NAMESPACE simdconv::
        DESTINATION ${SC_INSTALL_CMAKEDIR})

configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/simdconvConfig.cmake.in
  ${PROJECT_BINARY_DIR}/simdconvConfig.cmake
  INSTALL_DESTINATION ${SC_INSTALL_CMAKEDIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/simdconvConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/simdconvConfig.cmake
              ${PROJECT_BINARY_DIR}/simdconvConfigVersion.cmake
        DESTINATION ${SC_INSTALL_CMAKEDIR})

# pkg-config. SLEEF goes into Requires.private when its own sleef.pc is
# installed for this target (Debian's libsleef-dev ships one), otherwise its
# library path goes into Libs.private. OpenMP and libm are always private:
# the public header uses neither.
set(SC_PC_REQUIRES_PRIVATE "")
set(SC_PC_LIBS_PRIVATE "")
get_filename_component(_sc_sleef_libdir "${SLEEF_LIBRARY}" DIRECTORY)
if(EXISTS "${_sc_sleef_libdir}/pkgconfig/sleef.pc")
  set(SC_PC_REQUIRES_PRIVATE "sleef")
else()
  string(APPEND SC_PC_LIBS_PRIVATE " -L${_sc_sleef_libdir} -lsleef")
endif()
string(APPEND SC_PC_LIBS_PRIVATE " ${OpenMP_C_FLAGS}")
foreach(_sc_omp_lib ${OpenMP_C_LIB_NAMES})
  if(NOT _sc_omp_lib STREQUAL "pthread")
    string(APPEND SC_PC_LIBS_PRIVATE " -l${_sc_omp_lib}")
  endif()
endforeach()
string(APPEND SC_PC_LIBS_PRIVATE " -lpthread -lm")
string(STRIP "${SC_PC_LIBS_PRIVATE}" SC_PC_LIBS_PRIVATE)
# The prefix is derived from the .pc file's own place, so the file stays right
# whatever `cmake --install --prefix` says at install time.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(SC_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(SC_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(SC_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH _sc_up "/root/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/root")
  string(REGEX REPLACE "/$" "" _sc_up "${_sc_up}")
  set(SC_PC_PREFIX "\${pcfiledir}/${_sc_up}")
  set(SC_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(SC_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/simdconv.pc.in ${PROJECT_BINARY_DIR}/simdconv.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/simdconv.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
