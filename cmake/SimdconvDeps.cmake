# Third-party dependencies: OpenMP and SLEEF (Debian: libsleef-dev, also :arm64).
find_package(OpenMP REQUIRED COMPONENTS C)

find_path(SLEEF_INCLUDE_DIR sleef.h
  HINTS /usr/include/${CMAKE_LIBRARY_ARCHITECTURE} ${SC_SLEEF_HINT_INCLUDE})
find_library(SLEEF_LIBRARY sleef
  HINTS /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE} ${SC_SLEEF_HINT_LIB})
if(NOT SLEEF_INCLUDE_DIR OR NOT SLEEF_LIBRARY)
  message(FATAL_ERROR "SLEEF not found (Debian: apt-get install libsleef-dev)")
endif()
if(NOT TARGET sc_sleef)
  add_library(sc_sleef INTERFACE IMPORTED)
  set_target_properties(sc_sleef PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${SLEEF_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${SLEEF_LIBRARY}")
endif()
