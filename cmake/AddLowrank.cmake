# add_lowrank_library(name sources...
#   [DEPENDS targets...] [LINK_COMPONENTS llvm-components...]
#   [MLIR_LIBS MLIR libraries...] [LINK_LIBS other libraries...])
#
# A project library. MLIR libraries go through mlir_target_link_libraries so
# that, with MLIR_LINK_MLIR_DYLIB, everything links the one libMLIR.so.
function(add_lowrank_library name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;LINK_COMPONENTS;MLIR_LIBS;LINK_LIBS"
                        ${ARGN})
  add_mlir_library(${name} ${ARG_UNPARSED_ARGUMENTS}
    EXCLUDE_FROM_LIBMLIR
    DISABLE_INSTALL
    DEPENDS ${ARG_DEPENDS}
    LINK_COMPONENTS ${ARG_LINK_COMPONENTS}
    LINK_LIBS PUBLIC ${ARG_LINK_LIBS})
  if(ARG_MLIR_LIBS)
    mlir_target_link_libraries(${name} PUBLIC ${ARG_MLIR_LIBS})
  endif()
endfunction()
