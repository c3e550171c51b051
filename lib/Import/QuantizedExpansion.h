//===- QuantizedExpansion.h - ONNX's integer operators, expanded -*- C++-*-===//
//
// Nodes of ONNX's integer matrix products and convolutions are replaced, for
// compilation, by the default-domain nodes that compute them exactly.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_LIB_IMPORT_QUANTIZEDEXPANSION_H
#define LOWRANK_LIB_IMPORT_QUANTIZEDEXPANSION_H

#include "llvm/ADT/StringRef.h"

#include <onnx/onnx_pb.h>

namespace lowrank {

/// Whether nodes of this operator are expanded (MatMulInteger,
/// ConvInteger, QLinearMatMul, QLinearConv of the default domain; ONNX
/// Runtime's quantized operators of `com.microsoft`).
bool isExpandedQuantizedOperator(llvm::StringRef domain,
                                 llvm::StringRef opType);

/// Replaces the main graph's nodes of the integer operators by standard
/// nodes (the forms are documented in QuantizedExpansion.cpp). A
/// convolution whose weight rank the model does not state keeps its node.
void expandQuantizedOperators(::onnx::ModelProto &model);

} // namespace lowrank

#endif // LOWRANK_LIB_IMPORT_QUANTIZEDEXPANSION_H
