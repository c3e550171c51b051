//===- ContribExpansion.h - ONNX Runtime's fused operators, unfused -*- C++
//-*-//
//
// Nodes of ONNX Runtime's `com.microsoft` fused transformer operators are
// replaced, for compilation, by the default-domain nodes that compute them.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_LIB_IMPORT_CONTRIBEXPANSION_H
#define LOWRANK_LIB_IMPORT_CONTRIBEXPANSION_H

#include "llvm/ADT/StringRef.h"

#include <onnx/onnx_pb.h>

namespace lowrank {

/// Whether nodes of this operator are expanded (in the forms documented in
/// ContribExpansion.cpp).
bool isExpandedContribOperator(llvm::StringRef domain, llvm::StringRef opType);

/// Replaces the main graph's nodes of ONNX Runtime's fused operators
/// (FastGelu, BiasGelu, Gelu, QuickGelu, SkipLayerNormalization,
/// SkipSimplifiedLayerNormalization, EmbedLayerNormalization, Attention,
/// FusedMatMul) by standard nodes. Forms it does not cover keep their node.
void expandContribOperators(::onnx::ModelProto &model);

} // namespace lowrank

#endif // LOWRANK_LIB_IMPORT_CONTRIBEXPANSION_H
