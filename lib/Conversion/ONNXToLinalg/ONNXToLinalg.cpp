//===- ONNXToLinalg.cpp - The lowrank-convert-onnx-to-linalg pass ---------===//

#include "lowrank/Conversion/ONNXToLinalg/ONNXToLinalg.h"
#include "lowrank/Conversion/Passes.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Transforms/DialectConversion.h"

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKCONVERTONNXTOLINALG
#include "lowrank/Conversion/Passes.h.inc"
} // namespace lowrank

using namespace mlir;

namespace {
struct ConvertONNXToLinalgPass
    : lowrank::impl::LowrankConvertONNXToLinalgBase<ConvertONNXToLinalgPass> {
  using Base::Base;

  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    lowrank::populateONNXElementwiseToLinalgPatterns(patterns);
    lowrank::populateONNXLinearToLinalgPatterns(patterns);
    lowrank::populateONNXPoolingToLinalgPatterns(patterns);
    lowrank::populateONNXReductionToLinalgPatterns(patterns);
    lowrank::populateONNXNormalizationToLinalgPatterns(patterns);
    lowrank::populateONNXTensorToLinalgPatterns(patterns);

    ConversionTarget target(*context);
    target.addIllegalDialect<lowrank::onnx::ONNXDialect>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, tensor::TensorDialect,
                           bufferization::BufferizationDialect>();
    target.addLegalOp<func::ReturnOp>();
    // Omitted inputs stay `none` values until their users are rewritten;
    // the unused NoValue ops are then dead and canonicalization drops them.
    target.addLegalOp<lowrank::onnx::NoValueOp>();
    target.addLegalOp<UnrealizedConversionCastOp>();
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
