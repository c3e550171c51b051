//===- Passes.cpp - Registration and the lowrank-compress pipeline --------===//

#include "lowrank/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace lowrank {

void buildCompressPipeline(OpPassManager &pm, const CompressOptions &options) {
  LowrankSelectRanksOptions select;
  select.rank = options.rank;
  select.rankRatio = options.rankRatio;
  select.energy = options.energy;
  select.maxError = options.maxError;
  select.paramRatio = options.paramRatio;
  select.rankMultiple = options.rankMultiple;
  select.minSaving = options.minSaving;
  select.minSize = options.minSize;
  select.skipHeads = options.skipHeads;
  select.grouping = options.grouping;
  select.enforceParity = options.enforceParity;
  select.overrides.assign(options.overrides.begin(), options.overrides.end());
  select.quantize = options.quantize;
  select.tucker = options.tucker;
  select.calibration = options.calibration;
  select.method = options.method;
  pm.addPass(createLowrankSelectRanks(select));

  LowrankFactorizeOptions factorize;
  factorize.svd = options.svd;
  factorize.useFloat64 = options.useFloat64;
  factorize.powerIterations = options.powerIterations;
  factorize.quantize = options.quantize;
  factorize.quantizeFactors = options.quantizeFactors;
  factorize.quantizeGroup = options.quantizeGroup;
  factorize.qlrIterations = options.qlrIterations;
  factorize.hooiIterations = options.hooiIterations;
  factorize.calibration = options.calibration;
  factorize.method = options.method;
  // No canonicalization after: factorization erases what it replaces, and
  // every other operation stays as imported, so that ONNX export writes the
  // input model back with only the factored layers changed.
  pm.addPass(createLowrankFactorize(factorize));
}

void registerLowrankTransforms() {
  registerLowrankTransformsPasses();
  PassPipelineRegistration<CompressOptions>(
      "lowrank-compress",
      "Choose ranks and factor the linear layers (select-ranks, factorize)",
      buildCompressPipeline);
}

} // namespace lowrank
