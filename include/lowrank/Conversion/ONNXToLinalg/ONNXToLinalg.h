//===- ONNXToLinalg.h - Patterns lowering onnx to linalg --------*- C++ -*-===//
//
// The lowering is split by op family; each family adds its patterns here.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_CONVERSION_ONNXTOLINALG_ONNXTOLINALG_H
#define LOWRANK_CONVERSION_ONNXTOLINALG_ONNXTOLINALG_H

#include "mlir/IR/PatternMatch.h"

namespace lowrank {

/// Elementwise unary, binary, variadic, comparison, logical, Cast, Clip and
/// Where ops (linalg.generic with broadcasting indexing maps).
void populateONNXElementwiseToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// MatMul, Gemm and Conv.
void populateONNXLinearToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool.
void populateONNXPoolingToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// Reduce*, ArgMax, ArgMin, Softmax, LogSoftmax.
void populateONNXReductionToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// LayerNormalization and BatchNormalization.
void populateONNXNormalizationToLinalgPatterns(
    mlir::RewritePatternSet &patterns);

/// LSTM, GRU and RNN (an scf.for over the time steps per direction).
void populateONNXRecurrentToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// Constant, NoValue, Identity, Dropout, Transpose, Reshape, Flatten, Squeeze,
/// Unsqueeze, Concat, Split, Slice, Gather, Shape, ConstantOfShape, Expand,
/// Tile.
void populateONNXTensorToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// If, Loop and Scan (scf.if, scf.while, scf.for; their subgraph bodies
/// move into the scf regions and are lowered with the rest).
void populateONNXControlFlowToLinalgPatterns(mlir::RewritePatternSet &patterns);

} // namespace lowrank

#endif // LOWRANK_CONVERSION_ONNXTOLINALG_ONNXTOLINALG_H
