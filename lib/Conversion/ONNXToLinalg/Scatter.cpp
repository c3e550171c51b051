//===- Scatter.cpp - onnx to linalg: ScatterElements and ScatterND --------===//
//
// A scatter writes in the order of its updates (the last of duplicate
// indices wins), which a parallel linalg.generic cannot say: it is a nest of
// scf.for loops over the updates carrying the result tensor, each iteration
// a tensor.insert that bufferizes in place. Indices are checked before the
// loops (RuntimeChecks.h) and clamped inside them, so that code whose checks
// were dropped (the GPU pipeline) stays within its buffers.
//
//===----------------------------------------------------------------------===//

#include "ElementwiseUtils.h"
#include "RuntimeChecks.h"
#include "TensorOpsPatterns.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace lowrank;

/// The integer `index` as an index, wrapped when negative by `size` and
/// clamped into [0, size - 1].
static Value toClampedPosition(OpBuilder &b, Location loc, Value index,
                               Value size) {
  Value position = arith::IndexCastOp::create(b, loc, b.getIndexType(), index);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value isNegative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, position, zero);
  Value wrapped = arith::SelectOp::create(
      b, loc, isNegative, arith::AddIOp::create(b, loc, position, size),
      position);
  Value last = arith::SubIOp::create(b, loc, size,
                                     arith::ConstantIndexOp::create(b, loc, 1));
  return arith::MinSIOp::create(
      b, loc, arith::MaxSIOp::create(b, loc, wrapped, zero), last);
}

/// `update` combined with the element `old` it replaces under `reduction`.
static Value combineUpdate(OpBuilder &b, Location loc, StringRef reduction,
                           Value old, Value update) {
  bool isFloat = isa<FloatType>(update.getType());
  if (reduction == "add")
    return isFloat ? Value(arith::AddFOp::create(b, loc, old, update))
                   : Value(arith::AddIOp::create(b, loc, old, update));
  if (reduction == "mul")
    return isFloat ? Value(arith::MulFOp::create(b, loc, old, update))
                   : Value(arith::MulIOp::create(b, loc, old, update));
  if (reduction == "max")
    return isFloat ? Value(arith::MaximumFOp::create(b, loc, old, update))
                   : Value(arith::MaxSIOp::create(b, loc, old, update));
  if (reduction == "min")
    return isFloat ? Value(arith::MinimumFOp::create(b, loc, old, update))
                   : Value(arith::MinSIOp::create(b, loc, old, update));
  return update;
}

/// Checks what the scatter lowerings share; fails with the reason.
static LogicalResult checkScatterOperands(Operation *op, Value data,
                                          Value indices, Value updates,
                                          StringRef reduction,
                                          ConversionPatternRewriter &rewriter) {
  auto dataType = dyn_cast<RankedTensorType>(data.getType());
  if (!dataType || !isa<RankedTensorType>(indices.getType()) ||
      !isa<RankedTensorType>(updates.getType()))
    return rewriter.notifyMatchFailure(op, "unranked operand");
  if (reduction != "none" && isUnsignedInteger(dataType.getElementType()))
    return rewriter.notifyMatchFailure(
        op, "arith has no ops on unsigned integer elements");
  if (reduction != "none" && dataType.getElementType().isInteger(1))
    return rewriter.notifyMatchFailure(op, "reduction over booleans");
  return success();
}

/// Builds the loops over every element of `updates`, carrying `data`;
/// `getCoords` gives the position in the result that an update goes to.
static Value buildScatterLoops(
    OpBuilder &builder, Location loc, Value data, Value updates,
    StringRef reduction,
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)>
        getCoords) {
  auto updatesType = cast<RankedTensorType>(updates.getType());
  Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
  Value one = arith::ConstantIndexOp::create(builder, loc, 1);
  SmallVector<Value> lbs(updatesType.getRank(), zero);
  SmallVector<Value> steps(updatesType.getRank(), one);
  SmallVector<Value> ubs;
  for (int64_t d = 0; d < updatesType.getRank(); ++d)
    ubs.push_back(tensor::DimOp::create(builder, loc, updates, d));
  scf::LoopNest nest = scf::buildLoopNest(
      builder, loc, lbs, ubs, steps, ValueRange{data},
      [&](OpBuilder &b, Location nestedLoc, ValueRange ivs,
          ValueRange args) -> scf::ValueVector {
        SmallVector<Value> coords = getCoords(b, nestedLoc, ivs);
        Value update = tensor::ExtractOp::create(b, nestedLoc, updates, ivs);
        if (reduction != "none") {
          Value old = tensor::ExtractOp::create(b, nestedLoc, args[0], coords);
          update = combineUpdate(b, nestedLoc, reduction, old, update);
        }
        return {tensor::InsertOp::create(b, nestedLoc, update, args[0], coords)
                    .getResult()};
      });
  return nest.results.empty() ? data : nest.results[0];
}

namespace {

static StringRef getReduction(onnx::ScatterElementsOp op) {
  return op.getReduction();
}
static StringRef getReduction(onnx::ScatterOp) { return "none"; }

/// output = data; output[i... with indices[i...] at axis] = updates[i...].
/// Also the deprecated Scatter, which has no reduction.
template <typename OpTy>
struct ScatterElementsLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value data = adaptor.getData();
    Value indices = adaptor.getIndices();
    Value updates = adaptor.getUpdates();
    StringRef reduction = getReduction(op);
    if (failed(checkScatterOperands(op, data, indices, updates, reduction,
                                    rewriter)))
      return failure();
    auto dataType = cast<RankedTensorType>(data.getType());
    int64_t rank = dataType.getRank();
    int64_t axis = normalizeAxis(static_cast<int64_t>(op.getAxis()), rank);
    Location loc = op.getLoc();
    Value axisSize = tensor::DimOp::create(rewriter, loc, data, axis);
    std::string size = dataType.isDynamicDim(axis)
                           ? "?"
                           : std::to_string(dataType.getDimSize(axis));
    assertIndicesInRange(rewriter, loc, indices, axisSize,
                         getNodePrefix(op) + op->getName().stripDialect().str() +
                             " index out of range for axis " +
                             std::to_string(axis) + " of size " + size);
    Value result = buildScatterLoops(
        rewriter, loc, data, updates, reduction,
        [&](OpBuilder &b, Location nestedLoc, ValueRange ivs) {
          SmallVector<Value> coords(ivs.begin(), ivs.end());
          Value index = tensor::ExtractOp::create(b, nestedLoc, indices, ivs);
          coords[axis] = toClampedPosition(b, nestedLoc, index, axisSize);
          return coords;
        });
    rewriter.replaceOp(op, castToType(rewriter, loc, result, op.getType()));
    return success();
  }
};

/// output = data; output[indices[i..., :]] = updates[i...] (a slice when
/// the index tuples are shorter than the rank of data).
struct ScatterNDLowering : OpConversionPattern<onnx::ScatterNDOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::ScatterNDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value data = adaptor.getData();
    Value indices = adaptor.getIndices();
    Value updates = adaptor.getUpdates();
    StringRef reduction = op.getReduction();
    if (failed(checkScatterOperands(op, data, indices, updates, reduction,
                                    rewriter)))
      return failure();
    auto dataType = cast<RankedTensorType>(data.getType());
    auto indicesType = cast<RankedTensorType>(indices.getType());
    int64_t depth = indicesType.getShape().back();
    if (ShapedType::isDynamic(depth))
      return rewriter.notifyMatchFailure(op, "index tuple size is dynamic");
    int64_t indicesRank = indicesType.getRank();
    Location loc = op.getLoc();

    // Coordinate j of every tuple is checked against its own axis.
    SmallVector<Value> axisSizes;
    for (int64_t j = 0; j < depth; ++j) {
      Value axisSize = tensor::DimOp::create(rewriter, loc, data, j);
      axisSizes.push_back(axisSize);
      SmallVector<OpFoldResult> offsets(indicesRank, rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes =
          tensor::getMixedSizes(rewriter, loc, indices);
      SmallVector<OpFoldResult> strides(indicesRank, rewriter.getIndexAttr(1));
      offsets.back() = rewriter.getIndexAttr(j);
      sizes.back() = rewriter.getIndexAttr(1);
      Value coordinate = tensor::ExtractSliceOp::create(
          rewriter, loc, indices, offsets, sizes, strides);
      std::string size = dataType.isDynamicDim(j)
                             ? "?"
                             : std::to_string(dataType.getDimSize(j));
      assertIndicesInRange(rewriter, loc, coordinate, axisSize,
                           getNodePrefix(op) +
                               "ScatterND index out of range for axis " +
                               std::to_string(j) + " of size " + size);
    }
    Value result = buildScatterLoops(
        rewriter, loc, data, updates, reduction,
        [&](OpBuilder &b, Location nestedLoc, ValueRange ivs) {
          // ivs: the tuple's position in indices, then the slice's.
          SmallVector<Value> tuplePosition(ivs.take_front(indicesRank - 1));
          tuplePosition.push_back(Value());
          SmallVector<Value> coords;
          for (int64_t j = 0; j < depth; ++j) {
            tuplePosition.back() =
                arith::ConstantIndexOp::create(b, nestedLoc, j);
            Value index =
                tensor::ExtractOp::create(b, nestedLoc, indices, tuplePosition);
            coords.push_back(
                toClampedPosition(b, nestedLoc, index, axisSizes[j]));
          }
          llvm::append_range(coords, ivs.drop_front(indicesRank - 1));
          return coords;
        });
    rewriter.replaceOp(op, castToType(rewriter, loc, result, op.getType()));
    return success();
  }
};

} // namespace

void lowrank::populateONNXScatterToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ScatterElementsLowering<onnx::ScatterElementsOp>,
               ScatterElementsLowering<onnx::ScatterOp>, ScatterNDLowering>(
      patterns.getContext());
}
