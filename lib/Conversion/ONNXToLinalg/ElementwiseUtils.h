//===- ElementwiseUtils.h - Building blocks of the elementwise lowering ---===//
//
// Every elementwise onnx op lowers to one linalg.generic over the static
// result shape, reading each operand through its broadcasting indexing map.
// arith only accepts signless integers, so unsigned elements are cast to
// signless inside the generic body; the op's element types tell the body
// which signedness to compute with.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_LIB_CONVERSION_ONNXTOLINALG_ELEMENTWISEUTILS_H
#define LOWRANK_LIB_CONVERSION_ONNXTOLINALG_ELEMENTWISEUTILS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace lowrank {

/// Computes one result element from the (signless) operand elements. The
/// builder is positioned inside the linalg.generic body.
using ElementwiseBodyBuilder = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// Replaces `op` by a linalg.generic producing `op`'s single result from
/// `operands` under ONNX multidirectional broadcasting. Fails (with a match
/// failure note) on unranked operands or shapes it cannot materialize.
mlir::LogicalResult
replaceWithElementwiseGeneric(mlir::RewriterBase &rewriter, mlir::Operation *op,
                              mlir::ValueRange operands,
                              ElementwiseBodyBuilder buildBody);

/// `type` with unsigned integers replaced by signless ones of the same width.
mlir::Type getSignlessType(mlir::Type type);

/// Reinterprets a scalar as `type` of the same width. Used between the
/// unsigned element types of tensors and the signless ones arith needs;
/// tensor.bitcast would say the same on tensors but does not bufferize.
mlir::Value castScalarSignedness(mlir::OpBuilder &builder, mlir::Location loc,
                                 mlir::Value scalar, mlir::Type type);

/// Whether `type` is an unsigned integer type (ONNX uint8..uint64).
bool isUnsignedInteger(mlir::Type type);

/// The element type of a shaped `value`.
mlir::Type getElementType(mlir::Value value);

/// Converts a scalar between any two supported element types with ONNX Cast
/// semantics (float to int truncates toward zero, to bool is `!= 0`).
/// `from` and `to` carry the signedness; `value` is signless.
mlir::Value convertScalar(mlir::OpBuilder &builder, mlir::Location loc,
                          mlir::Value value, mlir::Type from, mlir::Type to);

/// Adds the patterns of the unary ops (math, activations, Not, Clip).
void populateElementwiseUnaryPatterns(mlir::RewritePatternSet &patterns);

/// Adds the patterns of the binary, comparison, logical, variadic and Where
/// ops.
void populateElementwiseBinaryPatterns(mlir::RewritePatternSet &patterns);

/// Adds the Cast pattern.
void populateCastPatterns(mlir::RewritePatternSet &patterns);

/// Adds the DequantizeLinear pattern.
void populateQuantizePatterns(mlir::RewritePatternSet &patterns);

} // namespace lowrank

#endif // LOWRANK_LIB_CONVERSION_ONNXTOLINALG_ELEMENTWISEUTILS_H
