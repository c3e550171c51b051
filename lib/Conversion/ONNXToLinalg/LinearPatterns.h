//===- LinearPatterns.h - The linear op families of onnx-to-linalg --------===//
//
// Linear.cpp gathers the patterns of MatMul.cpp, Gemm.cpp, Conv.cpp and
// ConvTranspose.cpp; the declarations here keep each file's patterns in its
// anonymous namespace.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_LIB_CONVERSION_ONNXTOLINALG_LINEARPATTERNS_H
#define LOWRANK_LIB_CONVERSION_ONNXTOLINALG_LINEARPATTERNS_H

#include "mlir/IR/PatternMatch.h"

namespace lowrank {

void populateONNXMatMulToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateONNXGemmToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateONNXConvToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateONNXConvTransposeToLinalgPatterns(
    mlir::RewritePatternSet &patterns);
void populateONNXDeterminantToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateONNXEinsumToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// `lhs * rhs + acc` in the scalar arithmetic of the element type of `acc`;
/// the body of every multiply-accumulate generic of the linear ops.
mlir::Value createMultiplyAccumulate(mlir::OpBuilder &builder,
                                     mlir::Location loc, mlir::Value lhs,
                                     mlir::Value rhs, mlir::Value acc);

} // namespace lowrank

#endif // LOWRANK_LIB_CONVERSION_ONNXTOLINALG_LINEARPATTERNS_H
