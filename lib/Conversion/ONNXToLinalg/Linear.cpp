//===- Linear.cpp - onnx to linalg: MatMul, Gemm, Conv, Det, Einsum -------===//

#include "LinearPatterns.h"
#include "lowrank/Conversion/ONNXToLinalg/ONNXToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

Value lowrank::createMultiplyAccumulate(OpBuilder &builder, Location loc,
                                        Value lhs, Value rhs, Value acc) {
  if (isa<FloatType>(acc.getType())) {
    Value product = arith::MulFOp::create(builder, loc, lhs, rhs);
    return arith::AddFOp::create(builder, loc, acc, product);
  }
  Value product = arith::MulIOp::create(builder, loc, lhs, rhs);
  return arith::AddIOp::create(builder, loc, acc, product);
}

void lowrank::populateONNXLinearToLinalgPatterns(RewritePatternSet &patterns) {
  populateONNXMatMulToLinalgPatterns(patterns);
  populateONNXGemmToLinalgPatterns(patterns);
  populateONNXConvToLinalgPatterns(patterns);
  populateONNXConvTransposeToLinalgPatterns(patterns);
  populateONNXDeterminantToLinalgPatterns(patterns);
  populateONNXEinsumToLinalgPatterns(patterns);
}
