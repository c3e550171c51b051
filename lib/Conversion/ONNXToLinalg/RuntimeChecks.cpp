//===- RuntimeChecks.cpp - Checks made by the generated code --------------===//

#include "RuntimeChecks.h"
#include "ElementwiseUtils.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"
#include "lowrank/Support/NodeName.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;

namespace lowrank {

std::string getNodePrefix(Operation *op) {
  if (std::optional<std::string> name = getNodeName(op))
    return "node '" + *name + "': ";
  return "";
}

void assertForAllElements(
    OpBuilder &builder, Location loc, Value tensor,
    function_ref<Value(OpBuilder &, Location, Value)> predicate,
    StringRef message) {
  auto type = cast<RankedTensorType>(tensor.getType());
  int64_t rank = type.getRank();
  MLIRContext *context = builder.getContext();
  Value init = createFilledTensor(
      builder, loc, RankedTensorType::get({}, builder.getI1Type()),
      builder.getBoolAttr(true));
  SmallVector<AffineMap> maps = {builder.getMultiDimIdentityMap(rank),
                                 AffineMap::get(rank, 0, context)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::reduction);
  auto all = linalg::GenericOp::create(
      builder, loc, init.getType(), tensor, init, maps, iterators,
      [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
        // Unsigned elements are read as signless integers of their width.
        Value element = castScalarSignedness(
            b, nestedLoc, args[0], getSignlessType(args[0].getType()));
        Value holds = predicate(b, nestedLoc, element);
        linalg::YieldOp::create(
            b, nestedLoc,
            arith::AndIOp::create(b, nestedLoc, holds, args[1]).getResult());
      });
  Value holds =
      tensor::ExtractOp::create(builder, loc, all.getResult(0), ValueRange());
  cf::AssertOp::create(builder, loc, holds, message);
}

Value castWithSizeChecks(OpBuilder &builder, Location loc, Value value,
                         ArrayRef<OpFoldResult> sizes, StringRef message) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape;
  for (auto [i, size] : llvm::enumerate(sizes)) {
    std::optional<int64_t> constant = getConstantIntValue(size);
    assert((!constant || type.isDynamicDim(i) ||
            type.getDimSize(i) == *constant) &&
           "static sizes agree");
    shape.push_back(constant ? *constant : type.getDimSize(i));
    if (!type.isDynamicDim(i))
      continue;
    // A size read from `value` itself needs no check.
    if (auto sizeValue = dyn_cast<Value>(size))
      if (auto dim = sizeValue.getDefiningOp<tensor::DimOp>())
        if (dim.getSource() == value &&
            dim.getConstantIndex() == static_cast<int64_t>(i))
          continue;
    Value actual = tensor::DimOp::create(builder, loc, value, i);
    Value same = arith::CmpIOp::create(
        builder, loc, arith::CmpIPredicate::eq, actual,
        getValueOrCreateConstantIndexOp(builder, loc, size));
    cf::AssertOp::create(builder, loc, same, message);
  }
  return castToType(builder, loc, value,
                    RankedTensorType::get(shape, type.getElementType()));
}

Value castToDeclaredType(OpBuilder &builder, Location loc, Value value,
                         RankedTensorType type, StringRef message) {
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(builder, loc, value);
  for (auto [size, declared] : llvm::zip(sizes, type.getShape()))
    if (!ShapedType::isDynamic(declared))
      size = builder.getIndexAttr(declared);
  Value checked = castWithSizeChecks(builder, loc, value, sizes, message);
  return castToType(builder, loc, checked, type);
}

void assertIndicesInRange(OpBuilder &builder, Location loc, Value indices,
                          Value axisSize, StringRef message) {
  assertForAllElements(
      builder, loc, indices,
      [&](OpBuilder &b, Location nestedLoc, Value index) -> Value {
        Value position =
            arith::IndexCastOp::create(b, nestedLoc, b.getIndexType(), index);
        Value lowest = arith::SubIOp::create(
            b, nestedLoc, arith::ConstantIndexOp::create(b, nestedLoc, 0),
            axisSize);
        Value notBelow = arith::CmpIOp::create(
            b, nestedLoc, arith::CmpIPredicate::sge, position, lowest);
        Value below = arith::CmpIOp::create(
            b, nestedLoc, arith::CmpIPredicate::slt, position, axisSize);
        return arith::AndIOp::create(b, nestedLoc, notBelow, below);
      },
      message);
}

Value readAxisAt(OpBuilder &builder, Location loc, Value axes, Value position,
                 Value rank) {
  Value axis = arith::IndexCastOp::create(
      builder, loc, builder.getIndexType(),
      tensor::ExtractOp::create(builder, loc, axes, position));
  Value negative =
      arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::slt, axis,
                            arith::ConstantIndexOp::create(builder, loc, 0));
  return arith::SelectOp::create(
      builder, loc, negative, arith::AddIOp::create(builder, loc, axis, rank),
      axis);
}

SmallVector<Value> buildListedAxesMask(OpBuilder &builder, Location loc,
                                       Value axes, int64_t rank,
                                       StringRef prefix, Value &isEmpty) {
  Value rankValue = arith::ConstantIndexOp::create(builder, loc, rank);
  assertIndicesInRange(builder, loc, axes, rankValue,
                       (prefix + "axis out of range").str());
  Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
  Value one = arith::ConstantIndexOp::create(builder, loc, 1);
  Value length = tensor::DimOp::create(builder, loc, axes, 0);
  isEmpty = arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::eq,
                                  length, zero);
  // How often each dimension is listed, counted in one pass over the axes.
  SmallVector<Value> initialCounts(rank, zero);
  auto loop = scf::ForOp::create(
      builder, loc, zero, length, one, initialCounts,
      [&](OpBuilder &b, Location nestedLoc, Value i, ValueRange counts) {
        Value axis = readAxisAt(b, nestedLoc, axes, i, rankValue);
        SmallVector<Value> next;
        for (auto [dim, count] : llvm::enumerate(counts)) {
          Value isDim = arith::CmpIOp::create(
              b, nestedLoc, arith::CmpIPredicate::eq, axis,
              arith::ConstantIndexOp::create(b, nestedLoc, dim));
          Value added = arith::IndexCastOp::create(
              b, nestedLoc, b.getIndexType(),
              arith::ExtUIOp::create(b, nestedLoc, b.getI64Type(), isDim));
          next.push_back(arith::AddIOp::create(b, nestedLoc, count, added));
        }
        scf::YieldOp::create(b, nestedLoc, next);
      });
  SmallVector<Value> listed;
  Value noneRepeated =
      createScalarConstant(builder, loc, builder.getI1Type(), 1);
  for (Value count : loop.getResults()) {
    listed.push_back(arith::CmpIOp::create(
        builder, loc, arith::CmpIPredicate::sgt, count, zero));
    noneRepeated = arith::AndIOp::create(
        builder, loc, noneRepeated,
        arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::sle, count,
                              one));
  }
  cf::AssertOp::create(builder, loc, noneRepeated,
                       (prefix + "axis listed twice").str());
  return listed;
}

namespace {
/// A divisor with which integer division cannot trap, and what it replaced.
struct SafeDivisor {
  Value divisor;    // `rhs`, or 1 where `rhs` is 0 or (signed) -1
  Value zero;       // 0 of `rhs`'s type
  Value isZero;     // rhs == 0
  Value isMinusOne; // rhs == -1; null for unsigned types
};
} // namespace

static SafeDivisor getSafeDivisor(OpBuilder &b, Location loc, Value rhs,
                                  bool isUnsigned) {
  Type type = rhs.getType();
  SafeDivisor safe;
  safe.zero = createScalarConstant(b, loc, type, 0);
  Value one = createScalarConstant(b, loc, type, 1);
  safe.isZero =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rhs, safe.zero);
  Value unsafe = safe.isZero;
  if (!isUnsigned) {
    Value minusOne = createScalarConstant(b, loc, type, -1);
    safe.isMinusOne =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rhs, minusOne);
    unsafe = arith::OrIOp::create(b, loc, safe.isZero, safe.isMinusOne);
  }
  safe.divisor = arith::SelectOp::create(b, loc, unsafe, one, rhs);
  return safe;
}

Value createSafeIntegerDivision(OpBuilder &b, Location loc, Value lhs,
                                Value rhs, bool isUnsigned) {
  SafeDivisor safe = getSafeDivisor(b, loc, rhs, isUnsigned);
  Value quotient;
  if (isUnsigned) {
    quotient = arith::DivUIOp::create(b, loc, lhs, safe.divisor);
  } else {
    quotient = arith::DivSIOp::create(b, loc, lhs, safe.divisor);
    // lhs / -1 is -lhs, which wraps for INT_MIN.
    Value negated = arith::SubIOp::create(b, loc, safe.zero, lhs);
    quotient =
        arith::SelectOp::create(b, loc, safe.isMinusOne, negated, quotient);
  }
  return arith::SelectOp::create(b, loc, safe.isZero, safe.zero, quotient);
}

Value createSafeIntegerRemainder(OpBuilder &b, Location loc, Value lhs,
                                 Value rhs, bool isUnsigned) {
  SafeDivisor safe = getSafeDivisor(b, loc, rhs, isUnsigned);
  // Modulo -1 the divisor became 1, and anything modulo 1 is 0 as well.
  Value remainder =
      isUnsigned
          ? arith::RemUIOp::create(b, loc, lhs, safe.divisor).getResult()
          : arith::RemSIOp::create(b, loc, lhs, safe.divisor).getResult();
  return arith::SelectOp::create(b, loc, safe.isZero, safe.zero, remainder);
}

/// Whether `op` divides integers by its second operand (Div, or Mod with
/// an integer type).
static bool dividesIntegers(Operation *op) {
  if (!isa<onnx::DivOp, onnx::ModOp>(op))
    return false;
  return isa<IntegerType>(getElementType(op->getOperand(1)));
}

LogicalResult verifyConstantOperands(func::FuncOp func) {
  bool failedAny = false;
  func.walk([&](Operation *op) {
    if (auto gather = dyn_cast<onnx::GatherOp>(op)) {
      auto dataType = dyn_cast<RankedTensorType>(gather.getData().getType());
      if (!dataType)
        return;
      int64_t axis = normalizeAxis(gather.getAxis(), dataType.getRank());
      int64_t size = dataType.getDimSize(axis);
      if (ShapedType::isDynamic(size))
        return;
      auto indicesType =
          dyn_cast<RankedTensorType>(gather.getIndices().getType());
      if (size == 0 && indicesType && indicesType.hasStaticShape() &&
          indicesType.getNumElements() > 0) {
        op->emitError() << "Gather from axis " << axis
                        << " of size 0: every index is out of range";
        failedAny = true;
        return;
      }
      std::optional<SmallVector<int64_t>> indices =
          getConstantIntValues(gather.getIndices());
      if (!indices)
        return;
      for (int64_t index : *indices) {
        if (index >= -size && index < size)
          continue;
        op->emitError() << "Gather index " << index << " is outside [-" << size
                        << ", " << size - 1 << "], the range of axis " << axis
                        << " of its data";
        failedAny = true;
        return;
      }
      return;
    }
    if (dividesIntegers(op)) {
      std::optional<SmallVector<int64_t>> divisors =
          getConstantIntValues(op->getOperand(1));
      if (divisors && llvm::is_contained(*divisors, 0)) {
        op->emitError() << "integer division by zero: the constant divisor "
                           "has a zero element";
        failedAny = true;
      }
    }
  });
  return failure(failedAny);
}

/// The bytes of a statically shaped tensor type; none when the count
/// overflows int64 (sub-byte types count as whole bytes, as stored).
static std::optional<int64_t> getStaticByteSize(RankedTensorType type) {
  int64_t count = 1;
  for (int64_t dim : type.getShape())
    if (llvm::MulOverflow(count, dim, count))
      return std::nullopt;
  int64_t elementBytes =
      std::max<int64_t>(1, (type.getElementTypeBitWidth() + 7) / 8);
  if (llvm::MulOverflow(count, elementBytes, count))
    return std::nullopt;
  return count;
}

LogicalResult verifyTensorSizes(func::FuncOp func) {
  bool failedAny = false;
  auto check = [&](Value value, Operation *where, StringRef what) {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!type || !type.hasStaticShape() ||
        !type.getElementType().isIntOrFloat())
      return;
    std::optional<int64_t> bytes = getStaticByteSize(type);
    if (bytes && *bytes <= kMaxTensorBytes)
      return;
    InFlightDiagnostic diag = where->emitError() << what << " of type " << type;
    if (bytes)
      diag << " needs " << *bytes
           << " bytes, more than the 2^47 a process can "
              "address";
    else
      diag << " has more bytes than a 64-bit size can count";
    failedAny = true;
  };
  for (BlockArgument argument : func.getArguments())
    check(argument, func, "input " + std::to_string(argument.getArgNumber()));
  func.walk([&](Operation *op) {
    for (OpResult result : op->getResults())
      check(result, op, "result " + std::to_string(result.getResultNumber()));
  });
  return failure(failedAny);
}

} // namespace lowrank
