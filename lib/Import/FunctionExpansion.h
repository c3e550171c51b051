//===- FunctionExpansion.h - Operators expanded into their functions -*- C++
//-*-//
//
// Many ONNX operators are specified as a function of other operators (Gelu,
// CastLike, MeanVarianceNormalization, Shrink, Mish, GroupNormalization,
// the window generators, ...). When a model is compiled, nodes of such
// operators that have no modelled operation are replaced by their function
// bodies, by ONNX's own inliner, so that code generation sees only the
// operators it lowers. Export to ONNX does not expand: it writes the input
// model's nodes back.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_LIB_IMPORT_FUNCTIONEXPANSION_H
#define LOWRANK_LIB_IMPORT_FUNCTIONEXPANSION_H

#include "llvm/ADT/StringRef.h"

#include <onnx/onnx_pb.h>

#include <functional>

namespace lowrank {

/// Replaces, in the main graph of `model`, every default-domain node whose
/// operator `isModelled` rejects and whose schema at the model's opset has a
/// function body (fixed or built from the node's input types) by that body,
/// repeatedly, since bodies may use further such operators. Input types are
/// inferred first, so that typed function bodies can be built.
/// Bodies the inliner cannot expand leave their nodes, which are then
/// imported as opaque operators.
void expandOperatorFunctions(
    ::onnx::ModelProto &model,
    const std::function<bool(llvm::StringRef)> &isModelled);

} // namespace lowrank

#endif // LOWRANK_LIB_IMPORT_FUNCTIONEXPANSION_H
