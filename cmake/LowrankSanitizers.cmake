# Sanitizer and fuzzing configurations of the project's own code.
#
#   -DLOWRANK_SANITIZE=address,undefined   build/test with ASan + UBSan
#                                          (`make test-asan`, in build-asan/)
#   -DLOWRANK_ENABLE_FUZZERS=ON            also build the libFuzzer targets in
#                                          fuzz/ (`make fuzz`, in build-fuzz/)
#
# Only the project's sources are instrumented; Debian's libMLIR, libLLVM,
# libonnx and libprotobuf are not, which ASan and libFuzzer accept.

set(LOWRANK_SANITIZE "" CACHE STRING
    "Sanitizers for the project's code, e.g. address,undefined")
option(LOWRANK_ENABLE_FUZZERS
       "Build the libFuzzer targets (implies address,undefined)" OFF)

if(LOWRANK_ENABLE_FUZZERS AND NOT LOWRANK_SANITIZE)
  set(LOWRANK_SANITIZE "address,undefined" CACHE STRING
      "Sanitizers for the project's code, e.g. address,undefined" FORCE)
endif()

if(LOWRANK_SANITIZE)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "LOWRANK_SANITIZE needs clang (clang-22)")
  endif()
  # Report and stop at the first undefined behaviour instead of printing and
  # going on: a sanitizer finding must fail the test that caused it. The
  # `function` check is left out: it flags calls through MLIR's type-erased
  # callbacks across the uninstrumented libMLIR, which are not errors.
  set(LOWRANK_SANITIZE_FLAGS
      -fsanitize=${LOWRANK_SANITIZE} -fno-sanitize=function
      -fno-sanitize-recover=all -fno-omit-frame-pointer -g1)
  add_compile_options(${LOWRANK_SANITIZE_FLAGS})
  add_link_options(-fsanitize=${LOWRANK_SANITIZE} -fno-sanitize=function)
  message(STATUS "lowrank: sanitizers ${LOWRANK_SANITIZE}")
endif()

if(LOWRANK_ENABLE_FUZZERS)
  # Coverage feedback for libFuzzer in every project library; the fuzz
  # targets themselves link the fuzzer runtime with -fsanitize=fuzzer.
  add_compile_options(-fsanitize=fuzzer-no-link)
  add_link_options(-fsanitize=fuzzer-no-link)
endif()
