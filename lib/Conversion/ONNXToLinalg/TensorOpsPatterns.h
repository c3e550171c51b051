//===- TensorOpsPatterns.h - Parts of the tensor op family ------*- C++ -*-===//
//
// The tensor and shape family is split over several files; each adds its
// patterns through one of these, and populateONNXTensorToLinalgPatterns
// collects them.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_LIB_CONVERSION_ONNXTOLINALG_TENSOROPSPATTERNS_H
#define LOWRANK_LIB_CONVERSION_ONNXTOLINALG_TENSOROPSPATTERNS_H

#include "mlir/IR/PatternMatch.h"

namespace lowrank {

/// Reshape, Flatten, Squeeze and Unsqueeze.
void populateONNXReshapeLikeToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// Concat, Split and Gather.
void populateONNXSliceGatherToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// Slice.
void populateONNXSliceToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// GatherElements, GatherND, Trilu, Range, Size and Shape; adds Pad too.
void populateONNXIndexingToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// Pad.
void populateONNXPadToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// CumSum and CumProd.
void populateONNXCumulativeToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// ScatterElements, Scatter and ScatterND.
void populateONNXScatterToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// TopK, Hardmax, OneHot and EyeLike.
void populateONNXSelectionToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// NonZero.
void populateONNXNonZeroToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// DFT and STFT.
void populateONNXSpectralToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// ReverseSequence.
void populateONNXReverseSequenceToLinalgPatterns(
    mlir::RewritePatternSet &patterns);

/// GridSample.
void populateONNXGridSampleToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// Resize (nearest and linear).
void populateONNXResizeToLinalgPatterns(mlir::RewritePatternSet &patterns);

} // namespace lowrank

#endif // LOWRANK_LIB_CONVERSION_ONNXTOLINALG_TENSOROPSPATTERNS_H
