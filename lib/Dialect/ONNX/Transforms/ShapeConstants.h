//===- ShapeConstants.h - Constants for shape folding -----------*- C++ -*-===//
//
// The lowrank-onnx-fold-shapes patterns evaluate onnx ops on small integer
// constants (shape tensors, axes, indices) and refine result types; this is
// what they share.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_LIB_DIALECT_ONNX_TRANSFORMS_SHAPECONSTANTS_H
#define LOWRANK_LIB_DIALECT_ONNX_TRANSFORMS_SHAPECONSTANTS_H

#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace lowrank {

/// A statically shaped integer (or i1) constant, its values in row-major
/// order and sign-extended (i1 as 0 and 1).
struct IntTensor {
  llvm::SmallVector<int64_t> shape;
  llvm::SmallVector<int64_t> values;
};

/// The value of `value` when an onnx.Constant with at most `maxElements`
/// integer elements produces it.
std::optional<IntTensor> getIntTensor(mlir::Value value, int64_t maxElements);

/// The value of a constant shape operand (as getIntTensor) when no size in
/// it is negative.
std::optional<IntTensor> getConstantShape(mlir::Value value,
                                          int64_t maxElements);

/// A pattern reading integer constants of at most `maxElements` elements,
/// the bound that keeps the pass from materializing large tensors.
template <typename OpTy>
struct ConstantOperandPattern : mlir::OpRewritePattern<OpTy> {
  ConstantOperandPattern(mlir::MLIRContext *context, int64_t maxElements)
      : mlir::OpRewritePattern<OpTy>(context), maxElements(maxElements) {}

  int64_t maxElements;
};

/// An onnx.Constant of the static `type` (integer or i1 elements) holding
/// `values`, truncated to the element width.
mlir::Value createIntConstant(mlir::OpBuilder &builder, mlir::Location loc,
                              mlir::RankedTensorType type,
                              llvm::ArrayRef<int64_t> values);

/// Whether `refined` keeps every static size of `current` and adds at least
/// one (or gives a rank to an unranked `current`).
bool isMoreStatic(mlir::Type refined, mlir::Type current);

/// Gives `result` the type `refined` in place; uses outside the onnx dialect
/// read it through a tensor.cast back to the old type. Fails when `refined`
/// is not more static than the current type.
llvm::LogicalResult refineResultType(mlir::PatternRewriter &rewriter,
                                     mlir::OpResult result,
                                     mlir::RankedTensorType refined);

/// The product of `sizes`.
int64_t getProduct(llvm::ArrayRef<int64_t> sizes);

/// Replaces `op` by a constant of `shape` holding `values`, with the element
/// type of its result; fails when that result is not integer or its static
/// sizes disagree with `shape`.
llvm::LogicalResult replaceWithIntConstant(mlir::PatternRewriter &rewriter,
                                           mlir::Operation *op,
                                           llvm::ArrayRef<int64_t> shape,
                                           llvm::ArrayRef<int64_t> values);

/// `axis` (an I64Attr, read as uint64_t: -1 arrives as 2^64 - 1) counted
/// from the front of a rank-`rank` shape; none when outside [-rank, rank).
std::optional<int64_t> getAxisIndex(uint64_t axis, int64_t rank);

/// Patterns evaluating Slice, Transpose and the integer reductions of small
/// constants (FoldRearrangedConstants.cpp).
void populateFoldRearrangedConstantsPatterns(mlir::RewritePatternSet &patterns,
                                             int64_t maxElements);

/// Patterns evaluating onnx ops whose operands are small integer constants.
void populateFoldShapeConstantsPatterns(mlir::RewritePatternSet &patterns,
                                        int64_t maxElements);

/// Patterns inlining Ifs on constant conditions, refining the argument
/// types of Scan bodies from the Scan's operands, and the result types of
/// If and Scan from their regions'.
void populateRefineControlFlowTypesPatterns(mlir::RewritePatternSet &patterns);

/// Replaces each branch of an onnx.If under `root` that holds an op which
/// no longer verifies (its input shapes are known now) by a failed check
/// that yields empty tensors; true if it replaced any.
bool trapInvalidBranches(mlir::Operation *root);

/// Patterns refining dynamic result types from constant shape operands.
void populateRefineShapeTypesPatterns(mlir::RewritePatternSet &patterns,
                                      int64_t maxElements);

/// Replaces the type of `op`'s first result by `shape` with its element
/// type (refineResultType).
llvm::LogicalResult refineToShape(mlir::PatternRewriter &rewriter,
                                  mlir::Operation *op,
                                  llvm::ArrayRef<int64_t> shape);

/// The ONNX multidirectional broadcast of `shapes`; none when they
/// conflict. Dynamic sizes broadcast against anything.
std::optional<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<llvm::SmallVector<int64_t>> shapes);

/// The result shape of a Reshape whose target shape is a constant of at
/// most `maxElements` elements (0 copies the input's size, -1 is inferred
/// when the input is static); none otherwise.
std::optional<llvm::SmallVector<int64_t>>
getReshapeResultShape(onnx::ReshapeOp op, int64_t maxElements);

/// Gives a graph output that a Reshape computes in another rank than the
/// model declares (ONNX Runtime warns and returns the computed shape) the
/// computed type, in the function's type too, with a warning; true if it
/// changed any.
bool adoptComputedOutputRanks(mlir::func::FuncOp func, int64_t maxElements);

/// The shape of `value`'s ranked type; none when it is unranked.
std::optional<llvm::SmallVector<int64_t>> getRankedShape(mlir::Value value);

/// Patterns refining the result types of MatMul, Gemm, Einsum and NonZero.
void populateRefineProductTypesPatterns(mlir::RewritePatternSet &patterns);

/// Patterns refining the result types of LSTM, GRU and RNN from the sizes
/// of X and R.
void populateRefineRecurrentTypesPatterns(mlir::RewritePatternSet &patterns);

/// Patterns refining the result types of Conv and the pooling ops from the
/// static spatial sizes of their input.
void populateRefineWindowTypesPatterns(mlir::RewritePatternSet &patterns);

/// Patterns refining the result types of reductions and Pad from constant
/// axes and pads, and operand types from results of the same shape.
void populateRefineReductionTypesPatterns(mlir::RewritePatternSet &patterns,
                                          int64_t maxElements);

} // namespace lowrank

#endif // LOWRANK_LIB_DIALECT_ONNX_TRANSFORMS_SHAPECONSTANTS_H
