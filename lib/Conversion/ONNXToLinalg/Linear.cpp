//===- Linear.cpp - onnx to linalg: placeholder ---------------------------===//

#include "lowrank/Conversion/ONNXToLinalg/ONNXToLinalg.h"

void lowrank::populateONNXLinearToLinalgPatterns(mlir::RewritePatternSet &) {}
