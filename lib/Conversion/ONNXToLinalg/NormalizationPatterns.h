//===- NormalizationPatterns.h - The normalization family ---*- C++ -*-===/
//
// The normalization family is split over two files; Normalization.cpp's
// populate function collects the patterns of the other through this.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_LIB_CONVERSION_ONNXTOLINALG_NORMALIZATIONPATTERNS_H
#define LOWRANK_LIB_CONVERSION_ONNXTOLINALG_NORMALIZATIONPATTERNS_H

#include "mlir/IR/PatternMatch.h"

namespace lowrank {

/// InstanceNormalization and LpNormalization.
void populatePerInstanceNormalizationPatterns(
    mlir::RewritePatternSet &patterns);

} // namespace lowrank

#endif // LOWRANK_LIB_CONVERSION_ONNXTOLINALG_NORMALIZATIONPATTERNS_H
