//===- Pad.cpp - onnx.Pad to linalg ---------------------------------------===//
//
// Every result element reads the input at its position minus the begin pad,
// mapped back into the input by the mode; constant mode reads the fill
// value outside it. Pads known at compile time are checked then; pads (and
// the axes they apply to) read at run time are checked by the generated
// code (RuntimeChecks.h), which then uses them as loop-invariant values.
//
//===----------------------------------------------------------------------===//

#include "RuntimeChecks.h"
#include "TensorOpsPatterns.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace lowrank;

namespace {
/// The begin and end pads of every axis: constants, or index values read
/// at run time.
struct AxisPads {
  SmallVector<OpFoldResult> begin, end;
};
} // namespace

/// Reads the pads of every axis from the int64 tensor `pads` at run time;
/// with `axes`, `pads` holds the begin then end pads of the listed axes.
static AxisPads readRuntimePads(OpBuilder &b, Location loc, Value pads,
                                Value axes, int64_t rank,
                                const std::string &prefix) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value count = arith::ConstantIndexOp::create(b, loc, rank);
  if (axes) {
    Value isEmpty;
    (void)buildListedAxesMask(b, loc, axes, rank, prefix, isEmpty);
    count = tensor::DimOp::create(b, loc, axes, 0);
  }
  Value padsLength = tensor::DimOp::create(b, loc, pads, 0);
  Value twice = arith::MulIOp::create(
      b, loc, count, arith::ConstantIndexOp::create(b, loc, 2));
  Value lengthFits = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                           padsLength, twice);
  cf::AssertOp::create(b, loc, lengthFits,
                       prefix + "pads must hold two values per axis");
  // Reads stay within `pads` where the checks are dropped (the GPU
  // pipeline).
  Value lastPad = arith::MaxSIOp::create(
      b, loc, arith::SubIOp::create(b, loc, padsLength, one), zero);
  auto readPad = [&](OpBuilder &nb, Location nloc, Value position) -> Value {
    position = arith::MinSIOp::create(nb, nloc, position, lastPad);
    return arith::IndexCastOp::create(
        nb, nloc, nb.getIndexType(),
        tensor::ExtractOp::create(nb, nloc, pads, position));
  };
  AxisPads result;
  if (!axes) {
    for (int64_t d = 0; d < rank; ++d) {
      result.begin.push_back(
          readPad(b, loc, arith::ConstantIndexOp::create(b, loc, d)));
      result.end.push_back(
          readPad(b, loc, arith::ConstantIndexOp::create(b, loc, d + rank)));
    }
    return result;
  }
  // Each listed axis adds its pads to the axis it names (checked to name
  // each axis once).
  SmallVector<Value> initial(2 * rank, zero);
  Value rankValue = arith::ConstantIndexOp::create(b, loc, rank);
  Value loopCount = arith::SelectOp::create(b, loc, lengthFits, count, zero);
  auto loop = scf::ForOp::create(
      b, loc, zero, loopCount, one, initial,
      [&](OpBuilder &nb, Location nloc, Value i, ValueRange sums) {
        Value axis = readAxisAt(nb, nloc, axes, i, rankValue);
        Value beginPad = readPad(nb, nloc, i);
        Value endPad =
            readPad(nb, nloc, arith::AddIOp::create(nb, nloc, i, count));
        SmallVector<Value> next;
        for (int64_t d = 0; d < 2 * rank; ++d) {
          Value isAxis = arith::CmpIOp::create(
              nb, nloc, arith::CmpIPredicate::eq, axis,
              arith::ConstantIndexOp::create(nb, nloc, d % rank));
          Value added = arith::SelectOp::create(
              nb, nloc, isAxis, d < rank ? beginPad : endPad, zero);
          next.push_back(arith::AddIOp::create(nb, nloc, sums[d], added));
        }
        scf::YieldOp::create(nb, nloc, next);
      });
  for (int64_t d = 0; d < rank; ++d) {
    result.begin.push_back(loop.getResult(d));
    result.end.push_back(loop.getResult(d + rank));
  }
  return result;
}

/// Checks pads known at compile time against the shapes; fails with an
/// error on a mismatch.
static LogicalResult checkConstantPads(onnx::PadOp op, RankedTensorType type,
                                       RankedTensorType resultType,
                                       ArrayRef<int64_t> pads) {
  int64_t rank = type.getRank();
  StringRef mode = op.getMode();
  for (int64_t d = 0; d < rank; ++d) {
    int64_t size = type.getDimSize(d);
    int64_t padded = size + pads[d] + pads[d + rank];
    if (padded != resultType.getDimSize(d) || padded < 0)
      return op.emitError(getNodePrefix(op) + "Pad result shape does not "
                                              "match its pads");
    if (mode != "constant" && size == 0 && padded > 0)
      return op.emitError(getNodePrefix(op) + "Pad in " + mode.str() +
                          " mode of an empty axis");
    if (mode == "reflect" && (pads[d] >= size || pads[d + rank] >= size) &&
        size > 0)
      return op.emitError(getNodePrefix(op) +
                          "Pad in reflect mode needs pads smaller than "
                          "the axis (" +
                          std::to_string(size) + ")");
  }
  return success();
}

/// The checks of checkConstantPads, made by the generated code, for axes of
/// `sizes` (index values; `type` tells which are static). Returns the
/// result sizes: the static ones of `resultType` as checked, the others
/// computed as size + begin + end.
static SmallVector<Value>
assertRuntimePads(OpBuilder &b, Location loc, StringRef mode,
                  RankedTensorType type, ArrayRef<Value> sizes,
                  RankedTensorType resultType, const AxisPads &pads,
                  const std::string &prefix) {
  auto value = [&](OpFoldResult pad) -> Value {
    if (auto attr = dyn_cast<Attribute>(pad))
      return arith::ConstantIndexOp::create(b, loc,
                                            cast<IntegerAttr>(attr).getInt());
    return cast<Value>(pad);
  };
  auto compare = [&](arith::CmpIPredicate predicate, Value lhs, Value rhs) {
    return arith::CmpIOp::create(b, loc, predicate, lhs, rhs).getResult();
  };
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  SmallVector<Value> resultSizes;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    int64_t size = type.getDimSize(d);
    std::string sizeText =
        ShapedType::isDynamic(size) ? "" : " (" + std::to_string(size) + ")";
    Value begin = value(pads.begin[d]), end = value(pads.end[d]);
    Value padded = arith::AddIOp::create(
        b, loc, sizes[d], arith::AddIOp::create(b, loc, begin, end));
    if (resultType.isDynamicDim(d)) {
      cf::AssertOp::create(b, loc,
                           compare(arith::CmpIPredicate::sge, padded, zero),
                           prefix + "the pads of axis " + std::to_string(d) +
                               " give a negative size");
      resultSizes.push_back(padded);
    } else {
      cf::AssertOp::create(b, loc,
                           compare(arith::CmpIPredicate::eq, padded,
                                   arith::ConstantIndexOp::create(
                                       b, loc, resultType.getDimSize(d))),
                           prefix + "the pads of axis " + std::to_string(d) +
                               " do not give the result size " +
                               std::to_string(resultType.getDimSize(d)));
      resultSizes.push_back(
          arith::ConstantIndexOp::create(b, loc, resultType.getDimSize(d)));
    }
    Value empty = compare(arith::CmpIPredicate::eq, sizes[d], zero);
    if (mode != "constant" && ShapedType::isDynamic(size))
      cf::AssertOp::create(
          b, loc,
          arith::OrIOp::create(
              b, loc, compare(arith::CmpIPredicate::ne, sizes[d], zero),
              compare(arith::CmpIPredicate::sle, padded, zero)),
          prefix + "Pad in " + mode.str() + " mode of an empty axis");
    if (mode == "reflect" && size != 0) {
      Value fits = arith::AndIOp::create(
          b, loc, compare(arith::CmpIPredicate::slt, begin, sizes[d]),
          compare(arith::CmpIPredicate::slt, end, sizes[d]));
      cf::AssertOp::create(b, loc, arith::OrIOp::create(b, loc, empty, fits),
                           prefix +
                               "reflect mode needs pads smaller than "
                               "the axis" +
                               sizeText);
    }
  }
  return resultSizes;
}

namespace {

struct PadLowering : OpConversionPattern<onnx::PadOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::PadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value data = adaptor.getData();
    auto type = dyn_cast<RankedTensorType>(data.getType());
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!type || !resultType || type.getRank() != resultType.getRank())
      return rewriter.notifyMatchFailure(op, "needs ranked shapes");
    int64_t rank = type.getRank();
    StringRef mode = op.getMode();
    Location loc = op.getLoc();
    // Sizes known only at run time (a signal of any length) are read from
    // the data and the result sizes computed from them, with the checks
    // made by the generated code.
    bool dynamic = !type.hasStaticShape() || !resultType.hasStaticShape();
    SmallVector<Value> sizes;
    for (int64_t d = 0; d < rank; ++d)
      sizes.push_back(
          type.isDynamicDim(d)
              ? tensor::DimOp::create(rewriter, loc, data, d).getResult()
              : arith::ConstantIndexOp::create(rewriter, loc,
                                               type.getDimSize(d))
                    .getResult());
    SmallVector<Value> resultSizes;
    std::optional<SmallVector<int64_t>> constantPads =
        getConstantIntValues(adaptor.getPads());
    AxisPads pads;
    if (constantPads && !adaptor.getAxes() && dynamic) {
      if (static_cast<int64_t>(constantPads->size()) != 2 * rank)
        return op.emitError(getNodePrefix(op) + "Pad needs " +
                            std::to_string(2 * rank) + " pads");
      for (int64_t d = 0; d < rank; ++d) {
        pads.begin.push_back(rewriter.getIndexAttr((*constantPads)[d]));
        pads.end.push_back(rewriter.getIndexAttr((*constantPads)[d + rank]));
      }
      resultSizes =
          assertRuntimePads(rewriter, loc, mode, type, sizes, resultType, pads,
                            getNodePrefix(op) + "Pad: ");
    } else if (constantPads && !adaptor.getAxes()) {
      if (static_cast<int64_t>(constantPads->size()) != 2 * rank)
        return op.emitError(getNodePrefix(op) + "Pad needs " +
                            std::to_string(2 * rank) + " pads");
      if (failed(checkConstantPads(op, type, resultType, *constantPads)))
        return failure();
      for (int64_t d = 0; d < rank; ++d) {
        pads.begin.push_back(rewriter.getIndexAttr((*constantPads)[d]));
        pads.end.push_back(rewriter.getIndexAttr((*constantPads)[d + rank]));
      }
    } else {
      auto padsType = dyn_cast<RankedTensorType>(adaptor.getPads().getType());
      auto axesType =
          adaptor.getAxes()
              ? dyn_cast<RankedTensorType>(adaptor.getAxes().getType())
              : RankedTensorType();
      if (!padsType || (adaptor.getAxes() && !axesType))
        return rewriter.notifyMatchFailure(op, "needs ranked pads and axes");
      for (int64_t d = 0; d < rank; ++d)
        if (mode != "constant" && type.getDimSize(d) == 0 &&
            resultType.getDimSize(d) > 0)
          return op.emitError(getNodePrefix(op) + "Pad in " + mode.str() +
                              " mode of an empty axis");
      std::string prefix = getNodePrefix(op) + "Pad: ";
      pads = readRuntimePads(rewriter, loc, adaptor.getPads(),
                             adaptor.getAxes(), rank, prefix);
      resultSizes = assertRuntimePads(rewriter, loc, mode, type, sizes,
                                      resultType, pads, prefix);
    }
    Type element = type.getElementType();
    Value fill = createScalarConstant(rewriter, loc, element, 0);
    if (!isNoneValue(adaptor.getConstantValue())) {
      auto valueType =
          cast<RankedTensorType>(adaptor.getConstantValue().getType());
      SmallVector<Value> zeros(
          valueType.getRank(),
          arith::ConstantIndexOp::create(rewriter, loc, 0));
      fill = tensor::ExtractOp::create(rewriter, loc,
                                       adaptor.getConstantValue(), zeros);
    }
    if (resultType.hasStaticShape() && resultType.getNumElements() == 0) {
      rewriter.replaceOp(op, tensor::EmptyOp::create(rewriter, loc,
                                                     resultType.getShape(),
                                                     element));
      return success();
    }
    SmallVector<Value> dynamicSizes;
    for (int64_t d = 0; d < rank; ++d)
      if (resultType.isDynamicDim(d))
        dynamicSizes.push_back(resultSizes[d]);
    Value init = tensor::EmptyOp::create(rewriter, loc, resultType.getShape(),
                                         element, dynamicSizes);
    Value result = buildParallelGeneric(
        rewriter, loc, resultType, /*sizeSource=*/init, /*inputs=*/{},
        /*inputMaps=*/{},
        [&](OpBuilder &b, Location nestedLoc, ValueRange) -> Value {
          auto constant = [&](int64_t v) -> Value {
            return arith::ConstantIndexOp::create(b, nestedLoc, v);
          };
          auto beginPad = [&](int64_t d) -> Value {
            if (auto attr = dyn_cast<Attribute>(pads.begin[d]))
              return constant(cast<IntegerAttr>(attr).getInt());
            return cast<Value>(pads.begin[d]);
          };
          Value inside = createScalarConstant(b, nestedLoc, b.getI1Type(), 1);
          SmallVector<Value> coords;
          for (int64_t d = 0; d < rank; ++d) {
            Value size = sizes[d];
            Value position = arith::SubIOp::create(
                b, nestedLoc, linalg::IndexOp::create(b, nestedLoc, d),
                beginPad(d));
            Value zero = constant(0);
            Value last = arith::MaxSIOp::create(
                b, nestedLoc,
                arith::SubIOp::create(b, nestedLoc, size, constant(1)), zero);
            if (mode == "constant") {
              Value lowOk = arith::CmpIOp::create(
                  b, nestedLoc, arith::CmpIPredicate::sge, position, zero);
              Value highOk = arith::CmpIOp::create(
                  b, nestedLoc, arith::CmpIPredicate::sle, position, last);
              inside = arith::AndIOp::create(
                  b, nestedLoc, inside,
                  arith::AndIOp::create(b, nestedLoc, lowOk, highOk));
            } else if (mode == "reflect") {
              // -p reads p; size - 1 + p reads size - 1 - p.
              Value negated =
                  arith::SubIOp::create(b, nestedLoc, zero, position);
              position =
                  arith::MaxSIOp::create(b, nestedLoc, position, negated);
              Value mirrored = arith::SubIOp::create(
                  b, nestedLoc, arith::AddIOp::create(b, nestedLoc, last, last),
                  position);
              position =
                  arith::MinSIOp::create(b, nestedLoc, position, mirrored);
            } else if (mode == "wrap") {
              Value n = arith::MaxSIOp::create(b, nestedLoc, size, constant(1));
              Value r = arith::RemSIOp::create(b, nestedLoc, position, n);
              Value negative = arith::CmpIOp::create(
                  b, nestedLoc, arith::CmpIPredicate::slt, r, zero);
              position = arith::SelectOp::create(
                  b, nestedLoc, negative,
                  arith::AddIOp::create(b, nestedLoc, r, n), r);
            }
            // Edge mode is the clamp alone; the others stay in bounds
            // through it too.
            position = arith::MinSIOp::create(
                b, nestedLoc,
                arith::MaxSIOp::create(b, nestedLoc, position, zero), last);
            coords.push_back(position);
          }
          Value read = tensor::ExtractOp::create(b, nestedLoc, data, coords);
          if (mode != "constant")
            return read;
          return arith::SelectOp::create(b, nestedLoc, inside, read, fill);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void lowrank::populateONNXPadToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<PadLowering>(patterns.getContext());
}
