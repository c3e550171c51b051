//===- Pooling.cpp - onnx to linalg: placeholder ---------------------------===//

#include "lowrank/Conversion/ONNXToLinalg/ONNXToLinalg.h"

void lowrank::populateONNXPoolingToLinalgPatterns(mlir::RewritePatternSet &) {}
