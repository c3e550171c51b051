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

/// Whether `type` is an unsigned integer narrower than 64 bits, which
/// widenUnsignedElements can hold.
bool isWidenableUnsigned(mlir::Type type);

/// `value`, a ranked tensor of unsigned integers narrower than 64 bits,
/// zero-extended to signless integers of twice the width: arith's signed
/// comparisons (max, min, argmax, pooling) then order them as the unsigned
/// values.
mlir::Value widenUnsignedElements(mlir::OpBuilder &builder, mlir::Location loc,
                                  mlir::Value value);

/// The inverse: `value`, signless integers holding unsigned values, as
/// tensors of `unsignedElement`.
mlir::Value narrowToUnsignedElements(mlir::OpBuilder &builder,
                                     mlir::Location loc, mlir::Value value,
                                     mlir::Type unsignedElement);

/// The element type of a shaped `value`.
mlir::Type getElementType(mlir::Value value);

/// Converts a scalar between any two supported element types with ONNX Cast
/// semantics (float to int truncates toward zero, to bool is `!= 0`).
/// `from` and `to` carry the signedness; `value` is signless.
mlir::Value convertScalar(mlir::OpBuilder &builder, mlir::Location loc,
                          mlir::Value value, mlir::Type from, mlir::Type to);

/// Whether `type` is one of the 8- and 4-bit float types, which casts
/// convert through f32 bit by bit (see SmallFloatCast.cpp).
bool isSmallFloat(mlir::Type type);

/// The f32 value of a scalar of an 8- or 4-bit float type (exact).
mlir::Value extendSmallFloat(mlir::OpBuilder &builder, mlir::Location loc,
                             mlir::Value value);

/// How Cast rounds to float8 E8M0 (its `round_mode`); other types always
/// round to nearest even.
enum class SmallFloatRounding { Up, Down, Nearest };

/// An f32 scalar rounded to nearest even into the 8- or 4-bit float `type`
/// (E8M0: as `rounding` says). Beyond the largest finite value, `saturate`
/// gives that value, otherwise infinity where the type has one, else NaN.
mlir::Value
truncateToSmallFloat(mlir::OpBuilder &builder, mlir::Location loc,
                     mlir::Value value, mlir::FloatType type, bool saturate,
                     SmallFloatRounding rounding = SmallFloatRounding::Up);

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
