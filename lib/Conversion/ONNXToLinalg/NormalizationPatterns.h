//===- NormalizationPatterns.h - The normalization family ---*- C++ -*-===/
//
// The normalization family is split over several files; Normalization.cpp's
// populate function collects the patterns of the others through this.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_LIB_CONVERSION_ONNXTOLINALG_NORMALIZATIONPATTERNS_H
#define LOWRANK_LIB_CONVERSION_ONNXTOLINALG_NORMALIZATIONPATTERNS_H

#include "mlir/IR/PatternMatch.h"

namespace lowrank {

/// InstanceNormalization and LpNormalization.
void populatePerInstanceNormalizationPatterns(
    mlir::RewritePatternSet &patterns);

/// LRN.
void populateLocalResponseNormalizationPatterns(
    mlir::RewritePatternSet &patterns);

} // namespace lowrank

#endif // LOWRANK_LIB_CONVERSION_ONNXTOLINALG_NORMALIZATIONPATTERNS_H
