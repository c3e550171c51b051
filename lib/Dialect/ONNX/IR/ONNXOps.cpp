//===- ONNXOps.cpp - Verifiers of the onnx operations ---------------------===//
//
// The verifiers check what ODS type constraints cannot: ranks, axes in range,
// matching contraction sizes, attribute consistency. Dynamic dimensions are
// accepted wherever a static size would be checked.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"
#include "lowrank/Dialect/ONNX/IR/ONNXDataType.h"
#include "lowrank/Dialect/ONNX/IR/EinsumEquation.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/SmallSet.h"

using namespace mlir;
using namespace lowrank::onnx;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

static bool isNone(Value value) { return isa<NoneType>(value.getType()); }

static std::optional<int64_t> getRank(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type)
    return std::nullopt;
  return type.getRank();
}

static bool sizesConflict(int64_t a, int64_t b) {
  return !ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b;
}

/// Checks that `axis` is in [-rank, rank) (or [-rank-1, rank] when
/// `inclusiveEnd`), the ONNX convention for negative axes.
static LogicalResult verifyAxis(Operation *op, int64_t axis, int64_t rank,
                                StringRef what, bool inclusiveEnd = false) {
  int64_t upper = inclusiveEnd ? rank + 1 : rank;
  if (axis < -upper || axis >= upper)
    return op->emitOpError() << what << " " << axis << " is out of range for "
                             << "rank " << rank;
  return success();
}

static LogicalResult verifyAxesUnique(Operation *op, ArrayRef<int64_t> axes,
                                      int64_t rank) {
  llvm::SmallSet<int64_t, 8> seen;
  for (int64_t axis : axes) {
    if (failed(verifyAxis(op, axis, rank, "axis")))
      return failure();
    if (!seen.insert(axis < 0 ? axis + rank : axis).second)
      return op->emitOpError() << "axis " << axis << " appears twice";
  }
  return success();
}

static LogicalResult verifySameElementType(Operation *op, Value a, Value b) {
  if (isNone(a) || isNone(b))
    return success();
  if (getElementTypeOrSelf(a.getType()) != getElementTypeOrSelf(b.getType()))
    return op->emitOpError("operands must have the same element type, got ")
           << a.getType() << " and " << b.getType();
  return success();
}

/// Checks the spatial attributes shared by Conv and the pooling operators.
static LogicalResult verifyWindowAttrs(Operation *op, int64_t spatialRank,
                                       StringRef autoPad,
                                       std::optional<ArrayRef<int64_t>> kernel,
                                       std::optional<ArrayRef<int64_t>> pads,
                                       std::optional<ArrayRef<int64_t>> strides,
                                       std::optional<ArrayRef<int64_t>> dilations) {
  if (!llvm::is_contained({"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"},
                          autoPad))
    return op->emitOpError("unknown auto_pad '") << autoPad << "'";
  auto checkLength = [&](std::optional<ArrayRef<int64_t>> values,
                         StringRef name, int64_t expected,
                         bool positive) -> LogicalResult {
    if (!values)
      return success();
    if (static_cast<int64_t>(values->size()) != expected)
      return op->emitOpError() << name << " has " << values->size()
                               << " values, expected " << expected;
    for (int64_t v : *values)
      if (positive ? v < 1 : v < 0)
        return op->emitOpError() << name << " has an invalid value " << v;
    return success();
  };
  if (failed(checkLength(kernel, "kernel_shape", spatialRank, true)) ||
      failed(checkLength(pads, "pads", 2 * spatialRank, false)) ||
      failed(checkLength(strides, "strides", spatialRank, true)) ||
      failed(checkLength(dilations, "dilations", spatialRank, true)))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::verify() {
  if (getValue().getType() != getType())
    return emitOpError("value type ")
           << getValue().getType() << " does not match result type "
           << getType();
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

/// Cast's `round_mode` (for float8 E8M0 results).
static LogicalResult verifyRoundMode(Operation *op, StringRef mode) {
  if (mode != "up" && mode != "down" && mode != "nearest")
    return op->emitOpError("round_mode must be \"up\", \"down\" or "
                           "\"nearest\", got \"")
           << mode << "\"";
  return success();
}

LogicalResult CastOp::verify() {
  if (failed(verifyRoundMode(*this, getRoundMode())))
    return failure();
  Type target = getElementType(getTo(), getContext());
  if (!target)
    return emitOpError("unsupported target data type ") << getTo();
  if (target != getElementTypeOrSelf(getOutput().getType()))
    return emitOpError("result element type ")
           << getElementTypeOrSelf(getOutput().getType())
           << " does not match 'to' = " << getTo();
  return success();
}

LogicalResult CastLikeOp::verify() {
  if (failed(verifyRoundMode(*this, getRoundMode())))
    return failure();
  return verifySameElementType(*this, getTargetType(), getOutput());
}

LogicalResult BitShiftOp::verify() {
  if (getDirection() != "LEFT" && getDirection() != "RIGHT")
    return emitOpError("direction must be \"LEFT\" or \"RIGHT\", got \"")
           << getDirection() << "\"";
  return verifySameElementType(*this, getX(), getY());
}

LogicalResult ClipOp::verify() {
  for (Value bound : {getMin(), getMax()}) {
    if (isNone(bound))
      continue;
    if (failed(verifySameElementType(*this, getInput(), bound)))
      return failure();
    auto type = cast<ShapedType>(bound.getType());
    if (type.hasRank() && type.getRank() != 0 &&
        !(type.getRank() == 1 && type.getDimSize(0) == 1))
      return emitOpError("min and max must be scalars");
  }
  return success();
}

LogicalResult PowOp::verify() {
  if (getElementTypeOrSelf(getA().getType()) !=
      getElementTypeOrSelf(getC().getType()))
    return emitOpError("result must have the element type of the base");
  return success();
}

#define LOWRANK_VERIFY_COMPARE(OP)                                             \
  LogicalResult OP::verify() {                                                 \
    return verifySameElementType(*this, getA(), getB());                       \
  }
LOWRANK_VERIFY_COMPARE(EqualOp)
LOWRANK_VERIFY_COMPARE(LessOp)
LOWRANK_VERIFY_COMPARE(LessOrEqualOp)
LOWRANK_VERIFY_COMPARE(GreaterOp)
LOWRANK_VERIFY_COMPARE(GreaterOrEqualOp)
#undef LOWRANK_VERIFY_COMPARE

static LogicalResult verifyVariadic(Operation *op) {
  if (op->getNumOperands() == 0)
    return op->emitOpError("needs at least one input");
  return success();
}
LogicalResult MinOp::verify() { return verifyVariadic(*this); }
LogicalResult MaxOp::verify() { return verifyVariadic(*this); }
LogicalResult SumOp::verify() { return verifyVariadic(*this); }
LogicalResult MeanOp::verify() { return verifyVariadic(*this); }

LogicalResult WhereOp::verify() {
  if (failed(verifySameElementType(*this, getX(), getY())) ||
      failed(verifySameElementType(*this, getX(), getOutput())))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// Linear operators
//===----------------------------------------------------------------------===//

LogicalResult MatMulOp::verify() {
  auto aType = dyn_cast<RankedTensorType>(getA().getType());
  auto bType = dyn_cast<RankedTensorType>(getB().getType());
  if (!aType || !bType)
    return success();
  if (aType.getRank() == 0 || bType.getRank() == 0)
    return emitOpError("operands must have rank >= 1");
  int64_t k = aType.getDimSize(aType.getRank() - 1);
  int64_t kB = bType.getDimSize(bType.getRank() == 1 ? 0 : bType.getRank() - 2);
  if (sizesConflict(k, kB))
    return emitOpError("contraction sizes differ: ") << k << " vs " << kB;
  return success();
}

LogicalResult GemmOp::verify() {
  auto aType = dyn_cast<RankedTensorType>(getA().getType());
  auto bType = dyn_cast<RankedTensorType>(getB().getType());
  if (!aType || !bType)
    return success();
  if (aType.getRank() != 2 || bType.getRank() != 2)
    return emitOpError("A and B must be matrices");
  if (failed(verifySameElementType(*this, getA(), getB())) ||
      failed(verifySameElementType(*this, getA(), getC())))
    return failure();
  int64_t k = aType.getDimSize(getTransA() ? 0 : 1);
  int64_t kB = bType.getDimSize(getTransB() ? 1 : 0);
  if (sizesConflict(k, kB))
    return emitOpError("contraction sizes differ: ") << k << " vs " << kB;
  if (auto cRank = getRank(getC()); cRank && *cRank > 2)
    return emitOpError("C must have rank <= 2");
  return success();
}

LogicalResult ConvOp::verify() {
  auto xType = dyn_cast<RankedTensorType>(getX().getType());
  auto wType = dyn_cast<RankedTensorType>(getW().getType());
  if (!xType || !wType)
    return success();
  if (xType.getRank() < 3)
    return emitOpError("X must have rank >= 3 (N x C x spatial)");
  if (wType.getRank() != xType.getRank())
    return emitOpError("W must have the rank of X");
  if (getGroup() < 1)
    return emitOpError("group must be positive");
  int64_t channels = xType.getDimSize(1);
  int64_t perGroup = wType.getDimSize(1);
  if (!ShapedType::isDynamic(channels) && !ShapedType::isDynamic(perGroup) &&
      channels != perGroup * static_cast<int64_t>(getGroup()))
    return emitOpError("input channels ")
           << channels << " != group " << getGroup() << " x W channels "
           << perGroup;
  int64_t outChannels = wType.getDimSize(0);
  if (!ShapedType::isDynamic(outChannels) && outChannels % getGroup() != 0)
    return emitOpError("output channels not divisible by group");
  if (auto bRank = getRank(getB()); bRank && *bRank != 1)
    return emitOpError("B must be 1-D");
  std::optional<ArrayRef<int64_t>> kernel;
  if (getKernelShape())
    kernel = *getKernelShape();
  return verifyWindowAttrs(*this, xType.getRank() - 2, getAutoPad(), kernel,
                           getPads(), getStrides(), getDilations());
}

LogicalResult ConvTransposeOp::verify() {
  auto xType = dyn_cast<RankedTensorType>(getX().getType());
  auto wType = dyn_cast<RankedTensorType>(getW().getType());
  if (!xType || !wType)
    return success();
  if (xType.getRank() < 3)
    return emitOpError("X must have rank >= 3 (N x C x spatial)");
  if (wType.getRank() != xType.getRank())
    return emitOpError("W must have the rank of X");
  if (getGroup() < 1)
    return emitOpError("group must be positive");
  int64_t channels = xType.getDimSize(1);
  int64_t weightChannels = wType.getDimSize(0);
  if (!ShapedType::isDynamic(channels) &&
      !ShapedType::isDynamic(weightChannels) && channels != weightChannels)
    return emitOpError("input channels ")
           << channels << " != W channels " << weightChannels;
  if (!ShapedType::isDynamic(channels) && channels % getGroup() != 0)
    return emitOpError("input channels not divisible by group");
  if (auto bRank = getRank(getB()); bRank && *bRank != 1)
    return emitOpError("B must be 1-D");
  int64_t spatialRank = xType.getRank() - 2;
  for (auto [name, values] :
       {std::pair<StringRef, std::optional<ArrayRef<int64_t>>>{
            "output_padding", getOutputPadding()},
        {"output_shape", getOutputShape()}})
    if (values && static_cast<int64_t>(values->size()) != spatialRank)
      return emitOpError() << name << " has " << values->size()
                           << " values, expected " << spatialRank;
  std::optional<ArrayRef<int64_t>> kernel;
  if (getKernelShape())
    kernel = *getKernelShape();
  return verifyWindowAttrs(*this, spatialRank, getAutoPad(), kernel, getPads(),
                           getStrides(), getDilations());
}

//===----------------------------------------------------------------------===//
// Pooling and normalization
//===----------------------------------------------------------------------===//

static LogicalResult verifyPoolInput(Operation *op, Value x) {
  auto rank = getRank(x);
  if (rank && *rank < 3)
    return op->emitOpError("X must have rank >= 3 (N x C x spatial)");
  return success();
}

LogicalResult MaxPoolOp::verify() {
  if (failed(verifyPoolInput(*this, getX())))
    return failure();
  if (getStorageOrder() != 0 && getStorageOrder() != 1)
    return emitOpError("storage_order must be 0 or 1");
  return verifyWindowAttrs(*this, getKernelShape().size(), getAutoPad(),
                           getKernelShape(), getPads(), getStrides(),
                           getDilations());
}

LogicalResult AveragePoolOp::verify() {
  if (failed(verifyPoolInput(*this, getX())))
    return failure();
  return verifyWindowAttrs(*this, getKernelShape().size(), getAutoPad(),
                           getKernelShape(), getPads(), getStrides(),
                           getDilations());
}

LogicalResult LpPoolOp::verify() {
  if (failed(verifyPoolInput(*this, getX())))
    return failure();
  int64_t p = static_cast<int64_t>(getP());
  if (p < 1)
    return emitOpError("p must be at least 1, got ") << p;
  return verifyWindowAttrs(*this, getKernelShape().size(), getAutoPad(),
                           getKernelShape(), getPads(), getStrides(),
                           getDilations());
}

LogicalResult EinsumOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  Type elementType = getElementTypeOrSelf(getInputs().front().getType());
  SmallVector<int64_t> ranks;
  SmallVector<RankedTensorType> types;
  for (Value input : getInputs()) {
    if (getElementTypeOrSelf(input.getType()) != elementType)
      return emitOpError("inputs must have one element type");
    auto type = dyn_cast<RankedTensorType>(input.getType());
    if (!type)
      return success();
    ranks.push_back(type.getRank());
    types.push_back(type);
  }
  if (getElementTypeOrSelf(getOutput().getType()) != elementType)
    return emitOpError("the result must have the inputs' element type");
  std::string error;
  FailureOr<EinsumEquation> equation =
      parseEinsumEquation(getEquation(), ranks, error);
  if (failed(equation))
    return emitOpError(error);
  // Letters name equal sizes; broadcast dimensions may also be 1.
  SmallVector<int64_t> loopSizes(equation->numLoops, ShapedType::kDynamic);
  for (auto [type, loops] : llvm::zip(types, equation->inputLoops)) {
    for (auto [size, loop] : llvm::zip(type.getShape(), loops)) {
      if (ShapedType::isDynamic(size))
        continue;
      bool broadcast = loop < equation->numBroadcastLoops;
      int64_t &known = loopSizes[loop];
      if (ShapedType::isDynamic(known) || (broadcast && known == 1)) {
        known = size;
        continue;
      }
      if (known != size && !(broadcast && size == 1))
        return emitOpError("equation '")
               << getEquation() << "' names sizes " << known << " and "
               << size << " alike";
    }
  }
  if (auto resultType = dyn_cast<RankedTensorType>(getOutput().getType())) {
    if (resultType.getRank() !=
        static_cast<int64_t>(equation->outputLoops.size()))
      return emitOpError("the result must have rank ")
             << equation->outputLoops.size() << ", got "
             << resultType.getRank();
    for (auto [size, loop] :
         llvm::zip(resultType.getShape(), equation->outputLoops))
      if (!ShapedType::isDynamic(size) &&
          !ShapedType::isDynamic(loopSizes[loop]) && size != loopSizes[loop])
        return emitOpError("the result has size ")
               << size << " where the equation gives " << loopSizes[loop];
  }
  return success();
}

LogicalResult DetOp::verify() {
  auto inputType = dyn_cast<RankedTensorType>(getX().getType());
  if (!inputType)
    return success();
  int64_t rank = inputType.getRank();
  if (rank < 2)
    return emitOpError("X must have rank >= 2, got ") << rank;
  int64_t rows = inputType.getDimSize(rank - 2);
  int64_t cols = inputType.getDimSize(rank - 1);
  if (!ShapedType::isDynamic(rows) && !ShapedType::isDynamic(cols) &&
      rows != cols)
    return emitOpError("X must hold square matrices, got ")
           << rows << "x" << cols;
  if (auto resultType = dyn_cast<RankedTensorType>(getY().getType());
      resultType && failed(verifyCompatibleShape(
                        resultType.getShape(),
                        inputType.getShape().drop_back(2))))
    return emitOpError("the result must have the shape of X without its "
                       "last two dimensions");
  return success();
}

LogicalResult GlobalAveragePoolOp::verify() {
  return verifyPoolInput(*this, getX());
}
LogicalResult GlobalMaxPoolOp::verify() {
  return verifyPoolInput(*this, getX());
}

LogicalResult BatchNormalizationOp::verify() {
  if (getTrainingMode() != 0)
    return emitOpError("training_mode is not supported (inference only)");
  if (auto rank = getRank(getX()); rank && *rank < 2)
    return emitOpError("X must have rank >= 2");
  for (Value v : {getScale(), getB(), getInputMean(), getInputVar()})
    if (auto rank = getRank(v); rank && *rank != 1)
      return emitOpError("scale, B, mean and var must be 1-D");
  return success();
}

LogicalResult LayerNormalizationOp::verify() {
  auto rank = getRank(getX());
  if (!rank)
    return success();
  return verifyAxis(*this, getAxis(), *rank, "axis");
}

static LogicalResult verifySoftmaxAxis(Operation *op, Value input,
                                       int64_t axis) {
  auto rank = getRank(input);
  if (!rank)
    return success();
  return verifyAxis(op, axis, std::max<int64_t>(*rank, 1), "axis");
}
LogicalResult SoftmaxOp::verify() {
  return verifySoftmaxAxis(*this, getInput(), getAxis());
}
LogicalResult LogSoftmaxOp::verify() {
  return verifySoftmaxAxis(*this, getInput(), getAxis());
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

static LogicalResult
verifyReduceAxesAttr(Operation *op, Value data, Value dynamicAxes,
                     std::optional<ArrayRef<int64_t>> axes) {
  if (dynamicAxes && axes)
    return op->emitOpError("has both the axes attribute and axes operand");
  if (auto rank = dynamicAxes ? getRank(dynamicAxes) : std::nullopt;
      rank && *rank != 1)
    return op->emitOpError("axes must be 1-D");
  auto rank = getRank(data);
  if (!rank || !axes)
    return success();
  return verifyAxesUnique(op, *axes, *rank);
}

#define LOWRANK_VERIFY_REDUCE(OP)                                              \
  LogicalResult OP::verify() {                                                 \
    return verifyReduceAxesAttr(*this, getData(), getDynamicAxes(),            \
                                getAxes());                                    \
  }
LOWRANK_VERIFY_REDUCE(ReduceMeanOp)
LOWRANK_VERIFY_REDUCE(ReduceMaxOp)
LOWRANK_VERIFY_REDUCE(ReduceMinOp)
LOWRANK_VERIFY_REDUCE(ReduceProdOp)
LOWRANK_VERIFY_REDUCE(ReduceL1Op)
LOWRANK_VERIFY_REDUCE(ReduceL2Op)
LOWRANK_VERIFY_REDUCE(ReduceLogSumOp)
LOWRANK_VERIFY_REDUCE(ReduceLogSumExpOp)
LOWRANK_VERIFY_REDUCE(ReduceSumSquareOp)
#undef LOWRANK_VERIFY_REDUCE

LogicalResult ReduceSumOp::verify() {
  if (auto rank = getRank(getAxes()); rank && *rank != 1)
    return emitOpError("axes must be 1-D");
  return success();
}

static LogicalResult verifyArgReduce(Operation *op, Value data, int64_t axis) {
  auto rank = getRank(data);
  if (!rank)
    return success();
  return verifyAxis(op, axis, *rank, "axis");
}
LogicalResult ArgMaxOp::verify() {
  return verifyArgReduce(*this, getData(), getAxis());
}
LogicalResult ArgMinOp::verify() {
  return verifyArgReduce(*this, getData(), getAxis());
}

//===----------------------------------------------------------------------===//
// Shape and data movement
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::verify() {
  auto rank = getRank(getData());
  if (!rank || !getPerm())
    return success();
  ArrayRef<int64_t> perm = *getPerm();
  if (static_cast<int64_t>(perm.size()) != *rank)
    return emitOpError("perm has ") << perm.size() << " entries for rank "
                                    << *rank;
  llvm::SmallVector<bool> seen(*rank, false);
  for (int64_t p : perm) {
    if (p < 0 || p >= *rank || seen[p])
      return emitOpError("perm is not a permutation");
    seen[p] = true;
  }
  if (auto outType = dyn_cast<RankedTensorType>(getTransposed().getType())) {
    auto inType = cast<RankedTensorType>(getData().getType());
    for (auto [i, p] : llvm::enumerate(perm))
      if (sizesConflict(outType.getDimSize(i), inType.getDimSize(p)))
        return emitOpError("result shape does not match the permutation");
  }
  return success();
}

LogicalResult ReshapeOp::verify() {
  if (auto rank = getRank(getShape()); rank && *rank != 1)
    return emitOpError("shape must be 1-D");
  auto inType = dyn_cast<RankedTensorType>(getData().getType());
  auto outType = dyn_cast<RankedTensorType>(getReshaped().getType());
  if (inType && outType && inType.hasStaticShape() &&
      outType.hasStaticShape() &&
      inType.getNumElements() != outType.getNumElements())
    return emitOpError("element count changes from ")
           << inType.getNumElements() << " to " << outType.getNumElements();
  return success();
}

LogicalResult FlattenOp::verify() {
  auto rank = getRank(getInput());
  if (!rank)
    return success();
  return verifyAxis(*this, getAxis(), *rank, "axis", /*inclusiveEnd=*/true);
}

LogicalResult SqueezeOp::verify() {
  if (auto rank = getRank(getAxes()); rank && *rank != 1)
    return emitOpError("axes must be 1-D");
  return success();
}

LogicalResult UnsqueezeOp::verify() {
  if (auto rank = getRank(getAxes()); rank && *rank != 1)
    return emitOpError("axes must be 1-D");
  return success();
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  std::optional<int64_t> rank;
  for (Value input : getInputs()) {
    auto inputRank = getRank(input);
    if (!inputRank)
      continue;
    if (rank && *rank != *inputRank)
      return emitOpError("inputs must have the same rank");
    rank = inputRank;
  }
  if (!rank)
    return success();
  return verifyAxis(*this, getAxis(), *rank, "axis");
}

LogicalResult SplitOp::verify() {
  if (getOutputs().empty())
    return emitOpError("needs at least one output");
  if (auto rank = getRank(getInput()))
    return verifyAxis(*this, getAxis(), *rank, "axis");
  return success();
}

SmallVector<int64_t> SplitOp::getUnsplitPartSizes(int64_t axisSize,
                                                  int64_t parts) {
  SmallVector<int64_t> sizes;
  if (parts <= 0)
    return sizes;
  int64_t chunk = (axisSize + parts - 1) / parts;
  for (int64_t i = 0, left = axisSize; i < parts; ++i) {
    sizes.push_back(std::min(chunk, left));
    left -= sizes.back();
  }
  return sizes;
}

LogicalResult SliceOp::verify() {
  for (Value v : {Value(getStarts()), Value(getEnds()), getAxes(), getSteps()})
    if (auto rank = getRank(v); rank && *rank != 1)
      return emitOpError("starts, ends, axes and steps must be 1-D");
  return success();
}

LogicalResult GatherOp::verify() {
  auto rank = getRank(getData());
  if (!rank)
    return success();
  if (*rank == 0)
    return emitOpError("data must have rank >= 1");
  return verifyAxis(*this, getAxis(), *rank, "axis");
}

std::pair<int64_t, int64_t> ShapeOp::getDimRange(int64_t rank) {
  auto clampToRank = [rank](int64_t index) {
    return std::clamp<int64_t>(index < 0 ? index + rank : index, 0, rank);
  };
  return {clampToRank(getStart()), clampToRank(getEnd().value_or(rank))};
}

std::optional<SmallVector<int64_t>> ShapeOp::getStaticSelectedDims() {
  auto inputType = dyn_cast<RankedTensorType>(getData().getType());
  if (!inputType)
    return std::nullopt;
  auto [start, end] = getDimRange(inputType.getRank());
  SmallVector<int64_t> dims;
  for (int64_t i = start; i < end; ++i) {
    if (inputType.isDynamicDim(i))
      return std::nullopt;
    dims.push_back(inputType.getDimSize(i));
  }
  return dims;
}

LogicalResult ShapeOp::verify() {
  if (auto rank = getRank(getShape()); rank && *rank != 1)
    return emitOpError("result must be 1-D");
  return success();
}

LogicalResult ConstantOfShapeOp::verify() {
  if (auto rank = getRank(getInput()); rank && *rank != 1)
    return emitOpError("input must be 1-D");
  if (auto value = getValueAttr()) {
    auto valueType = cast<ShapedType>(value.getType());
    if (valueType.getNumElements() != 1)
      return emitOpError("value must hold exactly one element");
    if (valueType.getElementType() !=
        getElementTypeOrSelf(getOutput().getType()))
      return emitOpError("value and result element types differ");
  } else if (!getElementTypeOrSelf(getOutput().getType()).isF32()) {
    return emitOpError("without value the result must be f32");
  }
  return success();
}

LogicalResult ExpandOp::verify() {
  if (auto rank = getRank(getShape()); rank && *rank != 1)
    return emitOpError("shape must be 1-D");
  return success();
}

LogicalResult TileOp::verify() {
  if (auto rank = getRank(getRepeats()); rank && *rank != 1)
    return emitOpError("repeats must be 1-D");
  return success();
}

LogicalResult DropoutOp::verify() {
  if (getElementTypeOrSelf(getData().getType()) !=
      getElementTypeOrSelf(getOutput().getType()))
    return emitOpError("output must have the element type of data");
  return success();
}

#define GET_OP_CLASSES
#include "lowrank/Dialect/ONNX/IR/ONNXOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Opaque
//===----------------------------------------------------------------------===//

LogicalResult OpaqueOp::verify() {
  if (getSubgraphNames().size() != getSubgraphs().size())
    return emitOpError() << "has " << getSubgraphs().size()
                         << " regions but names " << getSubgraphNames().size()
                         << " subgraphs";
  for (Region &region : getSubgraphs()) {
    if (region.empty() || !isa<YieldOp>(region.front().back()))
      return emitOpError() << "subgraph regions must end in onnx.Yield";
  }
  return success();
}
