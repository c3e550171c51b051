//===- SpatialWindow.h - Window geometry of Conv and the pooling ops ------===//
//
// Conv, MaxPool and AveragePool share ONNX's description of a sliding window
// (kernel_shape, strides, dilations, pads, auto_pad, ceil_mode). This header
// resolves those attributes against static shapes into explicit per-dimension
// numbers and builds the padded input and the indexing maps of a window loop.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_LIB_CONVERSION_ONNXTOLINALG_SPATIALWINDOW_H
#define LOWRANK_LIB_CONVERSION_ONNXTOLINALG_SPATIALWINDOW_H

#include "mlir/IR/AffineExpr.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace lowrank {

/// The resolved window of one spatial operator, one entry per spatial
/// dimension.
struct SpatialWindow {
  llvm::SmallVector<int64_t> kernel;
  llvm::SmallVector<int64_t> strides;
  llvm::SmallVector<int64_t> dilations;
  /// The pads the operator defines (explicit or from auto_pad); these decide
  /// which window elements AveragePool counts.
  llvm::SmallVector<int64_t> padsBegin;
  llvm::SmallVector<int64_t> padsEnd;
  /// The trailing padding the padded input needs so that every output
  /// window lies inside it: larger than padsEnd under ceil_mode, smaller
  /// when the last input elements belong to no window.
  llvm::SmallVector<int64_t> paddedEnd;

  int64_t getRank() const { return kernel.size(); }
  int64_t getDilatedKernel(int64_t dim) const {
    return (kernel[dim] - 1) * dilations[dim] + 1;
  }
  bool needsPadding() const;
};

/// The ONNX window attributes of an operator, as written.
struct WindowAttrs {
  llvm::ArrayRef<int64_t> kernel;
  llvm::StringRef autoPad;
  std::optional<llvm::ArrayRef<int64_t>> pads;
  std::optional<llvm::ArrayRef<int64_t>> strides;
  std::optional<llvm::ArrayRef<int64_t>> dilations;
  bool ceilMode = false;
  /// Whether spatial sizes may be unknown at compile time (explicit or
  /// VALID padding, floor mode only): such a dimension pads by its pads and
  /// its output size is computed at run time (getWindowOutputSizes).
  bool allowDynamicSizes = false;
};

/// Resolves `attrs` for an input of spatial sizes `inputSizes` producing
/// spatial sizes `outputSizes` (from the result type). Fails, explaining why
/// to `rewriter`, when the result sizes disagree with the attributes.
mlir::FailureOr<SpatialWindow>
resolveSpatialWindow(mlir::PatternRewriter &rewriter, mlir::Operation *op,
                     llvm::ArrayRef<int64_t> inputSizes,
                     llvm::ArrayRef<int64_t> outputSizes,
                     const WindowAttrs &attrs);

/// The sizes of the result of a window over `input` whose result type is
/// `resultType`, for tensor.empty: the batch from the input's, a spatial
/// size unknown at compile time as (in + padsBegin + padsEnd - dilated
/// kernel) / stride + 1. Asserts that each such input holds a window and
/// that the sizes the result type fixes are the computed ones.
llvm::SmallVector<mlir::Value>
getWindowOutputSizes(mlir::OpBuilder &builder, mlir::Location loc,
                     mlir::Value input, mlir::RankedTensorType resultType,
                     const SpatialWindow &window, llvm::StringRef prefix);

/// Pads the spatial dimensions (those after N and C) of `input` by
/// `window.padsBegin` / `window.paddedEnd` with `padValue`; returns `input`
/// when no padding is needed.
mlir::Value padSpatialDims(mlir::OpBuilder &builder, mlir::Location loc,
                           mlir::Value input, const SpatialWindow &window,
                           mlir::TypedAttr padValue);

/// The input index `output * stride + window * dilation` of spatial
/// dimension `dim`.
mlir::AffineExpr getWindowInputExpr(const SpatialWindow &window, int64_t dim,
                                    mlir::AffineExpr output,
                                    mlir::AffineExpr windowPos);

/// `values` as the i64 vector attribute named linalg ops use for strides
/// and dilations.
mlir::DenseIntElementsAttr getI64VectorAttr(mlir::Builder &builder,
                                            llvm::ArrayRef<int64_t> values);

} // namespace lowrank

#endif // LOWRANK_LIB_CONVERSION_ONNXTOLINALG_SPATIALWINDOW_H
