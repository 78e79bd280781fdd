# Sanitizer and fuzzing builds (issue 13; docs/reliability.md).
#
#   MOESCOPE_SANITIZE=address,undefined   every target (libraries, moescope, the tests) is built with
#                                         these sanitizers, UBSan without recovery, so the test
#                                         suite runs under them. GCC or Clang.
#   MOESCOPE_FUZZ=ON                      the libFuzzer targets of tests/fuzz/ (Clang only). Every
#                                         library is built with libFuzzer's coverage instrumentation
#                                         (-fsanitize=fuzzer-no-link), and ASan + UBSan unless
#                                         MOESCOPE_SANITIZE says otherwise.
#
# Included before any part, so the flags reach every target of the build. A sanitizer build wants
# its own build folder (e.g. build-fuzz/); it is never the default build.

set(moescope_sanitize "${MOESCOPE_SANITIZE}")
if(MOESCOPE_FUZZ AND NOT moescope_sanitize)
  set(moescope_sanitize "address,undefined")
endif()

if(MOESCOPE_FUZZ AND NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "MoEScope: MOESCOPE_FUZZ needs Clang's libFuzzer (Debian: apt install clang "
                      "libclang-rt-14-dev; configure with -DCMAKE_C_COMPILER=clang "
                      "-DCMAKE_CXX_COMPILER=clang++)")
endif()

if(moescope_sanitize)
  string(REPLACE "," ";" moescope_sanitizers "${moescope_sanitize}")
  foreach(sanitizer IN LISTS moescope_sanitizers)
    if(NOT sanitizer MATCHES "^(address|undefined|leak)$")
      message(FATAL_ERROR "MoEScope: MOESCOPE_SANITIZE: unknown sanitizer '${sanitizer}' "
                          "(address, undefined, leak)")
    endif()
  endforeach()
  string(REPLACE ";" "," moescope_sanitize_flag "${moescope_sanitizers}")
  # Frame pointers and line tables for readable stacks; line tables cost far less than -g.
  set(moescope_sanitize_options -fsanitize=${moescope_sanitize_flag} -fno-omit-frame-pointer
                                -fno-sanitize-recover=all)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    list(APPEND moescope_sanitize_options -gline-tables-only)
  else()
    list(APPEND moescope_sanitize_options -g1)
  endif()
  add_compile_options(${moescope_sanitize_options})
  add_link_options(-fsanitize=${moescope_sanitize_flag})
  message(STATUS "MoEScope: every target built with -fsanitize=${moescope_sanitize_flag} "
                 "(run with ASAN_OPTIONS/UBSAN_OPTIONS as .ci/run sets them)")
endif()

if(MOESCOPE_FUZZ)
  # Coverage for libFuzzer in every object; only the fuzz targets link libFuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link)
  message(STATUS "MoEScope: libFuzzer targets in tests/fuzz (MOESCOPE_FUZZ=ON)")
endif()

# `moescope_tests`: every target of tests/ and its subfolders (tests/fuzz included), hence what
# they run (moescope, store_writer), and nothing else: no benchmarks. What a sanitizer build needs
# for ctest (packaging/sanitize-and-fuzz.sh). Made once every folder is configured.
function(moescope_add_tests_target)
  set(folders ${PROJECT_SOURCE_DIR})
  set(targets)
  while(folders)
    list(POP_FRONT folders folder)
    get_property(subfolders DIRECTORY ${folder} PROPERTY SUBDIRECTORIES)
    list(APPEND folders ${subfolders})
    string(FIND "${folder}/" "${PROJECT_SOURCE_DIR}/tests/" at)
    if(at EQUAL 0)
      get_property(made DIRECTORY ${folder} PROPERTY BUILDSYSTEM_TARGETS)
      list(APPEND targets ${made})
    endif()
  endwhile()
  add_custom_target(moescope_tests)
  if(targets)
    add_dependencies(moescope_tests ${targets})
  endif()
endfunction()
if(moescope_sanitize)
  cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL moescope_add_tests_target)
endif()
