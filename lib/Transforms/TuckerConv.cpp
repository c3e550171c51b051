//===- TuckerConv.cpp - Tucker-2 decisions and rewrites of convolutions ---===//
//
// Conv(x, W [C_out, C_in, kh, kw], b) ~ Conv1x1(Conv_kxk(Conv1x1(x, U_in^T),
// core), U_out, b): the first 1x1 convolution maps C_in to r_in channels,
// the core keeps the original window (strides, pads, dilations) between
// r_in and r_out channels, and the last maps r_out to C_out channels and
// adds the bias. Zero padding commutes with the first (bias-free) 1x1
// convolution, so the rewrite is exact at full ranks. A factor at full rank
// (r_out = C_out or r_in = C_in) is square: it is multiplied into the core
// and its 1x1 convolution left out, so that side costs no parameters and
// no time (getTucker2Params counts it so when ranks are allocated).
//
//===----------------------------------------------------------------------===//

#include "lowrank/Transforms/TuckerConv.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"
#include "lowrank/Numerics/LowRank.h"
#include "lowrank/Numerics/Tucker.h"
#include "lowrank/Support/NodeName.h"
#include "lowrank/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;
using namespace lowrank::numerics;

namespace lowrank {

namespace {
/// A k x k convolution with a constant weight.
struct ConvCandidate {
  onnx::ConvOp op;
  std::string name;
  ConvWeightShape shape;
};
} // namespace

static SmallVector<ConvCandidate> findCandidates(ModuleOp module) {
  SmallVector<ConvCandidate> result;
  unsigned index = 0;
  module.walk([&](onnx::ConvOp conv) {
    auto type = dyn_cast<RankedTensorType>(conv.getW().getType());
    if (conv->hasAttr(kFactorAttr) || !type || !type.hasStaticShape() ||
        type.getRank() < 3 || !type.getElementType().isF32() ||
        !isConstantMatrix(conv.getW()))
      return;
    int64_t kernel = 1;
    for (int64_t d : type.getShape().drop_front(2))
      kernel *= d;
    if (kernel == 1 && conv.getGroup() == 1)
      return; // a 1x1 convolution: a linear layer of its own
    ConvCandidate candidate{conv, "", {}};
    candidate.name =
        getNodeName(conv).value_or(("onnx.Conv#" + llvm::Twine(index)).str());
    ++index;
    candidate.shape = {type.getDimSize(0), type.getDimSize(1), kernel};
    result.push_back(std::move(candidate));
  });
  return result;
}

static int64_t dense(const ConvWeightShape &s) {
  return s.outChannels * s.inChannels * s.kernelSize;
}

/// param-ratio: ranks for the convolutions without a dense reason, from one
/// budget of `ratio` x their dense parameters allocated across them.
static LogicalResult
allocateBudget(MutableArrayRef<ConvCandidate> candidates,
               ArrayRef<std::string> reasons, double ratio, int64_t multiple,
               SmallVectorImpl<std::pair<int64_t, int64_t>> &ranks) {
  std::vector<Tucker2Candidate> spectra;
  SmallVector<size_t> indices;
  double budget = 0;
  for (auto [i, c] : llvm::enumerate(candidates)) {
    if (!reasons[i].empty())
      continue;
    FailureOr<WeightMatrix> weight = readConstantMatrix(c.op.getW(), false);
    if (failed(weight))
      return c.op.emitError("cannot read the weight of convolution '")
             << c.name << "'";
    auto candidate = getTucker2Candidate(*weight, c.shape);
    if (!candidate)
      return c.op.emitError("spectra of convolution '")
             << c.name << "': " << llvm::toString(candidate.takeError());
    spectra.push_back(std::move(*candidate));
    indices.push_back(i);
    budget += ratio * dense(c.shape);
  }
  auto allocated = allocateTucker2Ranks(spectra, budget, multiple);
  for (auto [k, i] : llvm::enumerate(indices))
    ranks[i] = allocated[k];
  return success();
}

LogicalResult selectTuckerRanks(ModuleOp module, const TuckerRankRule &rule) {
  Builder b(module.getContext());
  SmallVector<ConvCandidate> candidates = findCandidates(module);
  SmallVector<std::string> reasons(candidates.size());
  SmallVector<std::pair<int64_t, int64_t>> ranks(candidates.size());
  for (auto [i, c] : llvm::enumerate(candidates)) {
    const ConvWeightShape &s = c.shape;
    int64_t maxOut = std::min(s.outChannels, s.inChannels * s.kernelSize);
    int64_t maxIn = std::min(s.inChannels, s.outChannels * s.kernelSize);
    auto &[rOut, rIn] = ranks[i];
    std::string &reason = reasons[i];
    if (c.op.getGroup() != 1)
      reason =
          "grouped convolution (group = " + std::to_string(c.op.getGroup()) +
          ")";
    else if (rule.unsupportedRule)
      reason = "Tucker-2 ranks follow rank, rank-ratio or param-ratio only";
    else if (std::min(s.outChannels, s.inChannels) < rule.minSize)
      reason = "smaller than min-size";
    else if (rule.rank != 0) {
      rOut = std::min(rule.rank, maxOut);
      rIn = std::min(rule.rank, maxIn);
    } else if (rule.rankRatio != 0) {
      rOut = roundRank(
          std::max<int64_t>(1, std::llround(rule.rankRatio * s.outChannels)),
          rule.rankMultiple, maxOut);
      rIn = roundRank(
          std::max<int64_t>(1, std::llround(rule.rankRatio * s.inChannels)),
          rule.rankMultiple, maxIn);
    }
  }
  if (rule.paramRatio != 0 &&
      failed(allocateBudget(candidates, reasons, rule.paramRatio,
                            rule.rankMultiple, ranks)))
    return failure();

  for (auto [i, c] : llvm::enumerate(candidates)) {
    const ConvWeightShape &s = c.shape;
    auto [rOut, rIn] = ranks[i];
    std::string &reason = reasons[i];
    int64_t params = reason.empty() ? getTucker2Params(s, rOut, rIn) : 0;
    if (reason.empty() && rule.enforceParity && params >= dense(s))
      reason = llvm::formatv("Tucker-2 ranks ({0}, {1}) store {2} >= {3} "
                             "parameters (parity at {4:F3} of the channels)",
                             rOut, rIn, params, dense(s),
                             getTucker2ParityFraction(s))
                   .str();
    bool factor = reason.empty();
    SmallVector<NamedAttribute> fields = {
        b.getNamedAttr("action", b.getStringAttr(factor ? "tucker" : "dense")),
        b.getNamedAttr("name", b.getStringAttr(c.name)),
        b.getNamedAttr("out_rank", b.getI64IntegerAttr(factor ? rOut : 0)),
        b.getNamedAttr("in_rank", b.getI64IntegerAttr(factor ? rIn : 0)),
        b.getNamedAttr("c_out", b.getI64IntegerAttr(s.outChannels)),
        b.getNamedAttr("c_in", b.getI64IntegerAttr(s.inChannels)),
        b.getNamedAttr("kernel_size", b.getI64IntegerAttr(s.kernelSize)),
        b.getNamedAttr("parity_fraction",
                       b.getF64FloatAttr(getTucker2ParityFraction(s))),
    };
    if (!factor)
      fields.push_back(b.getNamedAttr("reason", b.getStringAttr(reason)));
    c.op->setAttr(kDecisionAttr, b.getDictionaryAttr(fields));
  }
  return success();
}

/// The decision of a convolution written by selectTuckerRanks, if any.
static DictionaryAttr getTuckerDecision(onnx::ConvOp conv) {
  auto dict = conv->getAttrOfType<DictionaryAttr>(kDecisionAttr);
  return dict && dict.get("out_rank") ? dict : DictionaryAttr();
}

static int64_t getInt(DictionaryAttr dict, StringRef name) {
  auto attr = dict.getAs<IntegerAttr>(name);
  return attr ? attr.getInt() : 0;
}

static Value createKernel(OpBuilder &builder, Location loc, StringRef name,
                          ArrayRef<int64_t> shape, const WeightMatrix &data) {
  auto attr = createWeightAttr(builder.getContext(), name, shape, data);
  return onnx::ConstantOp::create(builder, loc, attr.getType(), attr);
}

static RankedTensorType withChannels(Type type, int64_t channels) {
  auto ranked = cast<RankedTensorType>(type);
  SmallVector<int64_t> shape(ranked.getShape());
  shape[1] = channels;
  return RankedTensorType::get(shape, ranked.getElementType());
}

static DictionaryAttr reportRow(Builder &b, StringRef name,
                                const ConvWeightShape &s, int64_t rOut,
                                int64_t rIn, double error,
                                DictionaryAttr decision) {
  bool factor = rOut > 0;
  int64_t params = factor ? getTucker2Params(s, rOut, rIn) : dense(s);
  SmallVector<NamedAttribute> fields = {
      b.getNamedAttr("kind", b.getStringAttr("layer")),
      b.getNamedAttr("name", b.getStringAttr(name)),
      b.getNamedAttr("op", b.getStringAttr("onnx.Conv")),
      b.getNamedAttr("d_in", b.getI64IntegerAttr(s.inChannels)),
      b.getNamedAttr("d_out", b.getI64IntegerAttr(s.outChannels)),
      b.getNamedAttr("kernel_size", b.getI64IntegerAttr(s.kernelSize)),
      b.getNamedAttr("aspect_ratio", b.getF64FloatAttr(getAspectRatio(
                                         s.inChannels, s.outChannels))),
      b.getNamedAttr("parity_rank",
                     b.getI64IntegerAttr(std::llround(
                         getTucker2ParityFraction(s) * s.outChannels))),
      b.getNamedAttr("parity_fraction",
                     b.getF64FloatAttr(getTucker2ParityFraction(s))),
      b.getNamedAttr("rank", b.getI64IntegerAttr(rOut)),
      b.getNamedAttr("out_rank", b.getI64IntegerAttr(rOut)),
      b.getNamedAttr("in_rank", b.getI64IntegerAttr(rIn)),
      b.getNamedAttr("params_before", b.getI64IntegerAttr(dense(s))),
      b.getNamedAttr("params_after", b.getI64IntegerAttr(params)),
      b.getNamedAttr("relative_error", b.getF64FloatAttr(error)),
      b.getNamedAttr("action", b.getStringAttr(factor ? "tucker" : "dense")),
  };
  if (auto reason = decision.getAs<StringAttr>("reason"))
    fields.push_back(b.getNamedAttr("reason", reason));
  return b.getDictionaryAttr(fields);
}

static LogicalResult rewriteConv(onnx::ConvOp conv, DictionaryAttr decision,
                                 int hooiIterations, ReportBuilder &report) {
  auto wType = cast<RankedTensorType>(conv.getW().getType());
  ConvWeightShape s{wType.getDimSize(0), wType.getDimSize(1), 1};
  for (int64_t d : wType.getShape().drop_front(2))
    s.kernelSize *= d;
  std::string name = decision.getAs<StringAttr>("name").str();
  int64_t rOut = getInt(decision, "out_rank"),
          rIn = getInt(decision, "in_rank");
  Builder b(conv.getContext());
  if (rOut <= 0) {
    report.addRow(reportRow(b, name, s, 0, 0, 0.0, decision));
    return success();
  }
  FailureOr<WeightMatrix> weight = readConstantMatrix(conv.getW(), false);
  if (failed(weight))
    return conv.emitError("cannot read the weight of convolution '")
           << name << "'";
  auto tucker = computeTucker2(*weight, s, rOut, rIn, hooiIterations);
  if (!tucker)
    return conv.emitError("Tucker-2 of convolution '")
           << name << "' failed: " << llvm::toString(tucker.takeError());

  OpBuilder builder(conv);
  Location loc = conv.getLoc();
  int64_t spatial = wType.getRank() - 2;
  SmallVector<int64_t> ones(spatial, 1);
  auto pointwiseKernel = builder.getDenseI64ArrayAttr(ones);
  auto shapeOf = [&](int64_t out, int64_t in, ArrayRef<int64_t> window) {
    SmallVector<int64_t> shape = {out, in};
    shape.append(window.begin(), window.end());
    return shape;
  };
  // A factor at full rank is square: it is multiplied into the core and
  // its 1x1 convolution left out.
  bool foldIn = rIn == s.inChannels, foldOut = rOut == s.outChannels;
  Value none = onnx::NoValueOp::create(builder, loc, builder.getNoneType());
  Value coreInput = conv.getX();
  if (!foldIn) {
    Value inKernel = createKernel(builder, loc, name + ".tucker_in",
                                  shapeOf(rIn, s.inChannels, ones),
                                  transposed(tucker->inFactor));
    auto reduce = onnx::ConvOp::create(
        builder, loc, withChannels(conv.getX().getType(), rIn), conv.getX(),
        inKernel, none, builder.getStringAttr("NOTSET"), DenseI64ArrayAttr(),
        builder.getI64IntegerAttr(1), pointwiseKernel, DenseI64ArrayAttr(),
        DenseI64ArrayAttr());
    reduce->setAttr(kFactorAttr, builder.getStringAttr("tucker_in"));
    coreInput = reduce.getY();
  }
  Value coreKernel = createKernel(
      builder, loc, name + ".tucker_core",
      shapeOf(foldOut ? s.outChannels : rOut, foldIn ? s.inChannels : rIn,
              wType.getShape().drop_front(2)),
      foldTucker2Factors(*tucker, s, foldOut, foldIn));
  auto core = onnx::ConvOp::create(
      builder, loc,
      foldOut ? conv.getType() : withChannels(conv.getType(), rOut), coreInput,
      coreKernel, foldOut ? conv.getB() : none, conv.getAutoPadAttr(),
      conv.getDilationsAttr(), builder.getI64IntegerAttr(1),
      conv.getKernelShapeAttr(), conv.getPadsAttr(), conv.getStridesAttr());
  core->setAttr(kFactorAttr, builder.getStringAttr("tucker_core"));
  onnx::ConvOp last = core;
  if (!foldOut) {
    Value outKernel =
        createKernel(builder, loc, name + ".tucker_out",
                     shapeOf(s.outChannels, rOut, ones), tucker->outFactor);
    last = onnx::ConvOp::create(
        builder, loc, conv.getType(), core.getY(), outKernel, conv.getB(),
        builder.getStringAttr("NOTSET"), DenseI64ArrayAttr(),
        builder.getI64IntegerAttr(1), pointwiseKernel, DenseI64ArrayAttr(),
        DenseI64ArrayAttr());
    last->setAttr(kFactorAttr, builder.getStringAttr("tucker_out"));
  }
  last->setAttr(kDecisionAttr, decision);

  report.addRow(
      reportRow(b, name, s, rOut, rIn, tucker->relativeError, decision));
  Value oldWeight = conv.getW();
  conv.getY().replaceAllUsesWith(last.getY());
  conv.erase();
  if (Operation *def = oldWeight.getDefiningOp(); def && def->use_empty())
    def->erase();
  return success();
}

LogicalResult applyTuckerDecisions(ModuleOp module, int hooiIterations,
                                   ReportBuilder &report) {
  SmallVector<std::pair<onnx::ConvOp, DictionaryAttr>> decided;
  module.walk([&](onnx::ConvOp conv) {
    if (DictionaryAttr decision = getTuckerDecision(conv);
        decision && !conv->hasAttr(kFactorAttr))
      decided.push_back({conv, decision});
  });
  for (auto [conv, decision] : decided)
    if (failed(rewriteConv(conv, decision, hooiIterations, report)))
      return failure();
  return success();
}

} // namespace lowrank
