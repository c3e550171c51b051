//===- Elementwise.cpp - onnx to linalg: placeholder ---------------------------===//

#include "lowrank/Conversion/ONNXToLinalg/ONNXToLinalg.h"

void lowrank::populateONNXElementwiseToLinalgPatterns(mlir::RewritePatternSet &) {}
