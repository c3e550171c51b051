//===- ONNXToLinalg.cpp - The lowrank-convert-onnx-to-linalg pass ---------===//

#include "lowrank/Conversion/ONNXToLinalg/ONNXToLinalg.h"
#include "RuntimeChecks.h"
#include "lowrank/Conversion/Passes.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
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
    // Nodes kept opaque have no lowering: say which and why, once each,
    // instead of a legalization failure.
    bool opaque = false;
    getOperation().walk([&](lowrank::onnx::OpaqueOp op) {
      InFlightDiagnostic diag = op.emitError() << "cannot compile operator '";
      if (!op.getDomain().empty())
        diag << op.getDomain() << ".";
      diag << op.getOpType() << "' (opset " << op.getVersion() << ")";
      if (auto reason = op->getAttrOfType<StringAttr>("onnx.opaque_reason"))
        diag << ": " << reason.getValue();
      opaque = true;
      return WalkResult::skip();
    });
    if (opaque)
      return signalPassFailure();
    // Constant operands that fail every run are compile-time errors; the
    // others are checked by the generated code (RuntimeChecks.h).
    if (failed(lowrank::verifyTensorSizes(getOperation())) ||
        failed(lowrank::verifyConstantOperands(getOperation())))
      return signalPassFailure();
    RewritePatternSet patterns(context);
    lowrank::populateONNXElementwiseToLinalgPatterns(patterns);
    lowrank::populateONNXLinearToLinalgPatterns(patterns);
    lowrank::populateONNXPoolingToLinalgPatterns(patterns);
    lowrank::populateONNXReductionToLinalgPatterns(patterns);
    lowrank::populateONNXNormalizationToLinalgPatterns(patterns);
    lowrank::populateONNXRecurrentToLinalgPatterns(patterns);
    lowrank::populateONNXTensorToLinalgPatterns(patterns);
    lowrank::populateONNXControlFlowToLinalgPatterns(patterns);

    ConversionTarget target(*context);
    target.addIllegalDialect<lowrank::onnx::ONNXDialect>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, scf::SCFDialect,
                           tensor::TensorDialect,
                           bufferization::BufferizationDialect>();
    target.addLegalOp<func::ReturnOp, cf::AssertOp>();
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
