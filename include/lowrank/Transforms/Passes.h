//===- Passes.h - Low-rank analysis and transformation passes ---*- C++ -*-===//

#ifndef LOWRANK_TRANSFORMS_PASSES_H
#define LOWRANK_TRANSFORMS_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassOptions.h"

namespace lowrank {

#define GEN_PASS_DECL
#include "lowrank/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "lowrank/Transforms/Passes.h.inc"

/// Attribute names the passes write.
constexpr llvm::StringLiteral kDecisionAttr = "lowrank.decision";
constexpr llvm::StringLiteral kFactorAttr = "lowrank.factor";
constexpr llvm::StringLiteral kReportAttr = "lowrank.report";

/// Options of the `lowrank-compress` pipeline: selection and factorization.
struct CompressOptions : public mlir::PassPipelineOptions<CompressOptions> {
  Option<int64_t> rank{
      *this, "rank",
      llvm::cl::desc("Rank for every layer (0: no low-rank part, with "
                     "quantize)"),
      llvm::cl::init(-1)};
  Option<double> rankRatio{*this, "rank-ratio",
                           llvm::cl::desc("Fraction of min(d_in, d_out)"),
                           llvm::cl::init(0.0)};
  Option<double> energy{*this, "energy",
                        llvm::cl::desc("Fraction of spectral energy kept"),
                        llvm::cl::init(0.0)};
  Option<double> maxError{
      *this, "max-error",
      llvm::cl::desc("Largest relative weight error (output error with "
                     "calibration)"),
      llvm::cl::init(0.0)};
  Option<double> paramRatio{
      *this, "param-ratio",
      llvm::cl::desc("Fraction of linear-layer parameters kept (global)"),
      llvm::cl::init(0.0)};
  Option<int64_t> rankMultiple{*this, "multiple",
                               llvm::cl::desc("Round ranks to a multiple"),
                               llvm::cl::init(8)};
  Option<double> minSaving{*this, "min-saving",
                           llvm::cl::desc("Smallest worthwhile saving"),
                           llvm::cl::init(0.0)};
  Option<int64_t> minSize{*this, "min-size",
                          llvm::cl::desc("Smallest min(d_in, d_out)"),
                          llvm::cl::init(16)};
  Option<bool> skipHeads{*this, "skip-heads",
                         llvm::cl::desc("Leave output heads dense"),
                         llvm::cl::init(true)};
  Option<bool> grouping{*this, "grouping",
                        llvm::cl::desc("Share bottlenecks of shared inputs"),
                        llvm::cl::init(true)};
  Option<bool> enforceParity{
      *this, "enforce-parity",
      llvm::cl::desc("Leave layers dense whose rank is not below parity"),
      llvm::cl::init(true)};
  ListOption<std::string> overrides{
      *this, "override", llvm::cl::desc("Per-layer GLOB=RANK or GLOB=dense")};
  Option<std::string> svd{*this, "svd",
                          llvm::cl::desc("gesdd, randomized or auto"),
                          llvm::cl::init("auto")};
  Option<int64_t> powerIterations{
      *this, "power-iterations",
      llvm::cl::desc("Power iterations of the randomized SVD"),
      llvm::cl::init(2)};
  Option<bool> useFloat64{*this, "float64",
                          llvm::cl::desc("SVD in float64"),
                          llvm::cl::init(false)};
  Option<std::string> quantize{
      *this, "quantize",
      llvm::cl::desc("none, int8 or int4: factored layers become Q + L R"),
      llvm::cl::init("none")};
  Option<std::string> quantizeFactors{
      *this, "quantize-factors",
      llvm::cl::desc("none or int8: quantize L and R of Q + L R"),
      llvm::cl::init("none")};
  Option<int64_t> quantizeGroup{
      *this, "quantize-group",
      llvm::cl::desc("Input rows per scale of Q (0: one per output channel)"),
      llvm::cl::init(0)};
  Option<int64_t> qlrIterations{
      *this, "qlr-iterations",
      llvm::cl::desc("Most alternating iterations of the Q + L R fit"),
      llvm::cl::init(15)};
  Option<bool> tucker{*this, "tucker",
                      llvm::cl::desc("Tucker-2 for k x k convolutions"),
                      llvm::cl::init(false)};
  Option<int64_t> hooiIterations{
      *this, "hooi-iterations",
      llvm::cl::desc("HOOI refinements of a Tucker-2 decomposition"),
      llvm::cl::init(2)};
  Option<std::string> calibration{
      *this, "calibration",
      llvm::cl::desc("Calibration statistics (.lrstats) of the inputs"),
      llvm::cl::init("")};
  Option<std::string> method{
      *this, "method",
      llvm::cl::desc("svd, whiten or basis (default: whiten with "
                     "calibration, svd without)"),
      llvm::cl::init("")};
};

/// select-ranks, factorize, canonicalize.
void buildCompressPipeline(mlir::OpPassManager &pm,
                           const CompressOptions &options);

/// Registers the passes and the `lowrank-compress` pipeline.
void registerLowrankTransforms();

} // namespace lowrank

#endif // LOWRANK_TRANSFORMS_PASSES_H
