//===- TestLinearAnalysis.cpp - Print the linear-layer analysis -----------===//

#include "lowrank/Analysis/LinearOpAnalysis.h"
#include "lowrank/Transforms/Passes.h"

#include "mlir/IR/AsmState.h"
#include "llvm/Support/Format.h"

namespace lowrank {
#define GEN_PASS_DEF_LOWRANKTESTLINEARANALYSIS
#include "lowrank/Transforms/Passes.h.inc"
} // namespace lowrank

using namespace mlir;
using namespace lowrank;

namespace {
struct TestLinearAnalysisPass
    : lowrank::impl::LowrankTestLinearAnalysisBase<TestLinearAnalysisPass> {
  using Base::Base;

  void runOnOperation() override {
    LinearOpAnalysis &analysis = getAnalysis<LinearOpAnalysis>();
    if (printSpectrum && failed(analysis.computeSpectra()))
      return signalPassFailure();
    llvm::raw_ostream &os = llvm::outs();
    for (const LinearLayerInfo &layer : analysis.getLayers()) {
      os << "layer '" << layer.name << "' " << layer.op->getName()
         << " d_in=" << layer.dIn << " d_out=" << layer.dOut
         << llvm::format(" aspect=%.4g", layer.aspectRatio)
         << " params=" << layer.params << " parity=" << layer.parityRank
         << " rows=";
      if (ShapedType::isDynamic(layer.rows))
        os << "?";
      else
        os << layer.rows;
      os << " flops_per_row=" << layer.flopsPerRow
         << " weight_bytes=" << layer.weightBytes << "\n";
      if (printSpectrum) {
        os << "  spectrum:";
        for (size_t i = 0; i < std::min<size_t>(spectrumCount,
                                                layer.spectrum->size());
             ++i)
          os << llvm::format(" %.4g", (*layer.spectrum)[i]);
        os << "\n";
      }
    }
    AsmState state(getOperation());
    for (auto [i, group] : llvm::enumerate(analysis.getGroups())) {
      os << "group " << i << " input=";
      group.input.printAsOperand(os, state);
      os << " d_in=" << group.dIn << " d_out=" << group.dOut
         << " parity=" << group.parityRank << " members=";
      llvm::interleave(
          group.members, os,
          [&](unsigned m) { os << "'" << analysis.getLayers()[m].name << "'"; },
          ",");
      os << "\n";
    }
    markAllAnalysesPreserved();
  }
};
} // namespace
