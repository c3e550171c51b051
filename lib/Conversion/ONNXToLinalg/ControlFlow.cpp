//===- ControlFlow.cpp - onnx to scf: If and Loop -------------------------===//
//
// If becomes scf.if and Loop becomes scf.while; the subgraph blocks move
// into the scf regions and their ops are legalized by the same conversion.
// Loop-carried values keep the type of their initial value: a body that
// yields another shape is reported (statically, or by a run-time check when
// the yielded shape is dynamic). Scan outputs of Loop are written into a
// tensor of the result's static shape, slice by slice; the loop stops at
// its static trip count and a check after it reports a different number of
// iterations. Scan outputs with sizes known only at run time (a symbolic
// batch, a trip count read at run time) go to stacks that double their
// capacity when full and are cut to the number of iterations after the
// loop.
//
//===----------------------------------------------------------------------===//

#include "ControlFlowUtils.h"
#include "RuntimeChecks.h"
#include "lowrank/Conversion/ONNXToLinalg/LoweringUtils.h"
#include "lowrank/Conversion/ONNXToLinalg/ONNXToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace lowrank {

Value extractScalar(OpBuilder &builder, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
  SmallVector<Value> indices(type.getRank(), zero);
  return tensor::ExtractOp::create(builder, loc, tensor, indices);
}

LogicalResult verifyCastable(Type from, Type to, Operation *op,
                             StringRef what) {
  if (from == to)
    return success();
  auto source = dyn_cast<TensorType>(from);
  auto target = dyn_cast<TensorType>(to);
  bool compatible =
      source && target && source.getElementType() == target.getElementType();
  auto sourceRanked = dyn_cast_or_null<RankedTensorType>(source);
  auto targetRanked = dyn_cast_or_null<RankedTensorType>(target);
  if (compatible && sourceRanked && targetRanked)
    compatible = sourceRanked.getRank() == targetRanked.getRank() &&
                 succeeded(verifyCompatibleShape(sourceRanked.getShape(),
                                                 targetRanked.getShape()));
  if (!compatible)
    return op->emitError() << what << " has type " << from << " where " << to
                           << " is needed (shapes must not change between "
                              "branches or iterations)";
  return success();
}

FailureOr<Value> castChecked(OpBuilder &builder, Location loc, Value value,
                             Type type, Operation *op, StringRef what) {
  if (value.getType() == type)
    return value;
  if (failed(verifyCastable(value.getType(), type, op, what)))
    return failure();
  auto sourceRanked = dyn_cast<RankedTensorType>(value.getType());
  auto targetRanked = dyn_cast<RankedTensorType>(type);
  if (sourceRanked && targetRanked) {
    for (auto [i, dims] : llvm::enumerate(
             llvm::zip(sourceRanked.getShape(), targetRanked.getShape()))) {
      auto [from, to] = dims;
      if (!ShapedType::isDynamic(from) || ShapedType::isDynamic(to))
        continue;
      Value size = tensor::DimOp::create(builder, loc, value, i);
      Value expected = arith::ConstantIndexOp::create(builder, loc, to);
      Value same = arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::eq,
                                         size, expected);
      std::string message;
      llvm::raw_string_ostream os(message);
      os << getNodePrefix(op) << what << " must have size " << to
         << " in dimension " << i
         << " (shapes must not change between branches or iterations)";
      cf::AssertOp::create(builder, loc, same, message);
    }
  }
  return Value(tensor::CastOp::create(builder, loc, type, value));
}

Value createEmptyStack(OpBuilder &builder, Location loc,
                       RankedTensorType stackType) {
  SmallVector<OpFoldResult> sizes;
  for (int64_t size : stackType.getShape())
    sizes.push_back(
        builder.getIndexAttr(ShapedType::isDynamic(size) ? 0 : size));
  sizes[0] = builder.getIndexAttr(0);
  Value empty =
      tensor::EmptyOp::create(builder, loc, sizes, stackType.getElementType());
  return tensor::CastOp::create(builder, loc, stackType, empty);
}

Value appendToStack(OpBuilder &builder, Location loc, Value stack, Value slice,
                    Value position, Value capacityLimit, StringRef message) {
  auto stackType = cast<RankedTensorType>(stack.getType());
  Value capacity = tensor::DimOp::create(builder, loc, stack, 0);
  Value full = arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::sge,
                                     position, capacity);
  auto grown = scf::IfOp::create(
      builder, loc, full,
      [&](OpBuilder &b, Location l) {
        Value doubled = arith::MaxSIOp::create(
            b, l,
            arith::MulIOp::create(b, l, capacity,
                                  arith::ConstantIndexOp::create(b, l, 2)),
            arith::ConstantIndexOp::create(b, l, 16));
        // Written out of order (a reverse scan), the position decides.
        doubled = arith::MaxSIOp::create(
            b, l, doubled,
            arith::AddIOp::create(b, l, position,
                                  arith::ConstantIndexOp::create(b, l, 1)));
        if (capacityLimit)
          doubled = arith::MinSIOp::create(b, l, doubled, capacityLimit);
        SmallVector<OpFoldResult> sizes = {doubled};
        llvm::append_range(sizes, tensor::getMixedSizes(b, l, slice));
        Value fresh =
            tensor::EmptyOp::create(b, l, sizes, stackType.getElementType());
        fresh = tensor::CastOp::create(b, l, stackType, fresh);
        SmallVector<OpFoldResult> zeros(stackType.getRank(), b.getIndexAttr(0));
        SmallVector<OpFoldResult> ones(stackType.getRank(), b.getIndexAttr(1));
        Value copied = tensor::InsertSliceOp::create(
            b, l, stack, fresh, zeros, tensor::getMixedSizes(b, l, stack),
            ones);
        scf::YieldOp::create(b, l, copied);
      },
      [&](OpBuilder &b, Location l) { scf::YieldOp::create(b, l, stack); });
  Value target = grown.getResult(0);
  auto sliceType = cast<RankedTensorType>(slice.getType());
  for (int64_t d = 0; d < sliceType.getRank(); ++d) {
    if (!sliceType.isDynamicDim(d))
      continue;
    Value same = arith::CmpIOp::create(
        builder, loc, arith::CmpIPredicate::eq,
        tensor::DimOp::create(builder, loc, slice, d),
        tensor::DimOp::create(builder, loc, target, d + 1));
    cf::AssertOp::create(builder, loc, same, message);
  }
  SmallVector<OpFoldResult> offsets(stackType.getRank(),
                                    builder.getIndexAttr(0));
  offsets[0] = position;
  SmallVector<OpFoldResult> sizes = {builder.getIndexAttr(1)};
  llvm::append_range(sizes, tensor::getMixedSizes(builder, loc, slice));
  SmallVector<OpFoldResult> strides(stackType.getRank(),
                                    builder.getIndexAttr(1));
  return tensor::InsertSliceOp::create(builder, loc, slice, target, offsets,
                                       sizes, strides);
}

Value takeStacked(OpBuilder &builder, Location loc, Value stack, Value count) {
  auto stackType = cast<RankedTensorType>(stack.getType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(builder, loc, stack);
  sizes[0] = count;
  SmallVector<OpFoldResult> zeros(stackType.getRank(), builder.getIndexAttr(0));
  SmallVector<OpFoldResult> ones(stackType.getRank(), builder.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(builder, loc, stackType, stack, zeros,
                                        sizes, ones);
}

SmallVector<Value> inlineSubgraph(ConversionPatternRewriter &rewriter,
                                  Region &region, Block *dest,
                                  ValueRange arguments) {
  Block &body = region.front();
  auto yield = cast<onnx::YieldOp>(body.getTerminator());
  SmallVector<Value> yielded;
  for (Value value : yield.getOperands()) {
    auto arg = dyn_cast<BlockArgument>(value);
    yielded.push_back(
        arg && arg.getOwner() == &body ? arguments[arg.getArgNumber()] : value);
  }
  rewriter.inlineBlockBefore(&body, dest, dest->end(), arguments);
  rewriter.setInsertionPoint(yield);
  rewriter.eraseOp(yield);
  return yielded;
}

namespace {

struct IfOpLowering : OpConversionPattern<onnx::IfOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::IfOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto thenYield =
        cast<onnx::YieldOp>(op.getThenBranch().front().getTerminator());
    auto elseYield =
        cast<onnx::YieldOp>(op.getElseBranch().front().getTerminator());
    // The scf.if yields the branches' common static type where the node's
    // result type is less precise.
    SmallVector<Type> types;
    for (auto [i, result] : llvm::enumerate(op.getResults())) {
      Type type = result.getType();
      Type fromThen = thenYield.getOperand(i).getType();
      auto ranked = dyn_cast<RankedTensorType>(type);
      if ((!ranked || !ranked.hasStaticShape()) &&
          fromThen == elseYield.getOperand(i).getType() &&
          isa<RankedTensorType>(fromThen))
        type = fromThen;
      if (!isa<RankedTensorType>(type))
        return op.emitError() << "If output " << i << " has no ranked type";
      types.push_back(type);
    }

    for (auto [i, type] : llvm::enumerate(types))
      if (failed(verifyCastable(thenYield.getOperand(i).getType(), type, op,
                                "then_branch output " + std::to_string(i))) ||
          failed(verifyCastable(elseYield.getOperand(i).getType(), type, op,
                                "else_branch output " + std::to_string(i))))
        return failure();

    Value cond = extractScalar(rewriter, loc, adaptor.getCond());
    auto ifOp = scf::IfOp::create(rewriter, loc, types, cond,
                                  /*addThenBlock=*/false,
                                  /*addElseBlock=*/false);
    for (auto [source, dest, name] :
         {std::make_tuple(&op.getThenBranch(), &ifOp.getThenRegion(),
                          "then_branch"),
          std::make_tuple(&op.getElseBranch(), &ifOp.getElseRegion(),
                          "else_branch")}) {
      Block *block = rewriter.createBlock(dest);
      SmallVector<Value> yielded = inlineSubgraph(rewriter, *source, block, {});
      SmallVector<Value> values;
      for (auto [i, value] : llvm::enumerate(yielded)) {
        FailureOr<Value> cast =
            castChecked(rewriter, loc, value, types[i], op,
                        (Twine(name) + " output " + Twine(i)).str());
        if (failed(cast))
          return failure();
        values.push_back(*cast);
      }
      scf::YieldOp::create(rewriter, loc, values);
    }

    rewriter.setInsertionPointAfter(ifOp);
    SmallVector<Value> results;
    for (auto [value, result] : llvm::zip(ifOp.getResults(), op.getResults()))
      results.push_back(castToType(rewriter, loc, value, result.getType()));
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct LoopOpLowering : OpConversionPattern<onnx::LoopOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(onnx::LoopOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Block &body = op.getBody().front();
    unsigned numCarried = op.getNumCarried();
    unsigned numScan = op.getNumScanOutputs();
    bool hasTripCount = !isNoneValue(adaptor.getM());
    bool hasCond = !isNoneValue(adaptor.getCond());

    // Carried values keep the type they start with (or the body's, if that
    // one is ranked and the initial value's is not).
    SmallVector<Type> carriedTypes;
    for (auto [i, init] : llvm::enumerate(adaptor.getVInitial())) {
      Type type = init.getType();
      if (!isa<RankedTensorType>(type))
        type = body.getArgument(2 + i).getType();
      if (!isa<RankedTensorType>(type))
        return op.emitError()
               << "Loop-carried value " << i << " has no ranked type";
      carriedTypes.push_back(type);
    }
    // Scan outputs are stacked into a tensor of the result's shape, whose
    // first dim is the number of iterations; when a size is known only at
    // run time, into stacks that grow (their first dim a capacity).
    SmallVector<RankedTensorType> scanTypes;
    int64_t tripCount = ShapedType::kDynamic;
    bool growing = false;
    for (unsigned k = 0; k < numScan; ++k) {
      auto type =
          dyn_cast<RankedTensorType>(op.getResult(numCarried + k).getType());
      if (!type || type.getRank() < 1)
        return op.emitError() << "Loop scan output " << k << " has type "
                              << op.getResult(numCarried + k).getType()
                              << "; scan outputs need a rank";
      growing |= !type.hasStaticShape();
      scanTypes.push_back(type);
    }
    for (RankedTensorType &type : scanTypes) {
      if (growing) {
        SmallVector<int64_t> shape(type.getShape());
        shape[0] = ShapedType::kDynamic;
        type = RankedTensorType::get(shape, type.getElementType());
        continue;
      }
      if (!ShapedType::isDynamic(tripCount) && tripCount != type.getDimSize(0))
        return op.emitError() << "Loop scan outputs disagree on the trip count";
      tripCount = type.getDimSize(0);
    }

    // Shapes that change between iterations are reported before anything
    // is rewritten.
    auto yield = cast<onnx::YieldOp>(body.getTerminator());
    for (unsigned i = 0; i < numCarried; ++i)
      if (failed(verifyCastable(yield.getOperand(1 + i).getType(),
                                carriedTypes[i], op,
                                "Loop-carried value " + std::to_string(i))))
        return failure();
    for (auto [k, type] : llvm::enumerate(scanTypes))
      if (failed(
              verifyCastable(yield.getOperand(1 + numCarried + k).getType(),
                             RankedTensorType::get(type.getShape().drop_front(),
                                                   type.getElementType()),
                             op, "Loop scan output " + std::to_string(k))))
        return failure();

    Type i64 = rewriter.getI64Type();
    Type i1 = rewriter.getI1Type();
    SmallVector<Value> inits;
    inits.push_back(arith::ConstantIntOp::create(rewriter, loc, i64, 0));
    inits.push_back(
        hasCond ? extractScalar(rewriter, loc, adaptor.getCond())
                : Value(arith::ConstantIntOp::create(rewriter, loc, i1, 1)));
    for (auto [init, type] : llvm::zip(adaptor.getVInitial(), carriedTypes)) {
      FailureOr<Value> cast =
          castChecked(rewriter, loc, init, type, op, "Loop initial value");
      if (failed(cast))
        return failure();
      inits.push_back(*cast);
    }
    for (RankedTensorType type : scanTypes)
      inits.push_back(growing ? createEmptyStack(rewriter, loc, type)
                              : createEmptyTensor(rewriter, loc, type));
    SmallVector<Type> types = llvm::to_vector(ValueRange(inits).getTypes());
    Value maxTrips =
        hasTripCount ? extractScalar(rewriter, loc, adaptor.getM()) : Value();

    auto whileOp = scf::WhileOp::create(rewriter, loc, types, inits);
    // Before: whether the ONNX loop goes on (trip count and condition),
    // forwarded in the condition's place; with scan outputs, the loop also
    // stops at their static trip count.
    SmallVector<Location> locs(types.size(), loc);
    Block *before = rewriter.createBlock(&whileOp.getBefore(), {}, types, locs);
    Value iteration = before->getArgument(0);
    Value goesOn =
        hasCond ? Value(before->getArgument(1))
                : Value(arith::ConstantIntOp::create(rewriter, loc, i1, 1));
    if (hasTripCount)
      goesOn = arith::AndIOp::create(
          rewriter, loc, goesOn,
          arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::slt,
                                iteration, maxTrips));
    Value proceed = goesOn;
    if (numScan && !growing)
      proceed = arith::AndIOp::create(
          rewriter, loc, goesOn,
          arith::CmpIOp::create(
              rewriter, loc, arith::CmpIPredicate::slt, iteration,
              arith::ConstantIntOp::create(rewriter, loc, i64, tripCount)));
    SmallVector<Value> forwarded(before->getArguments());
    forwarded[1] = goesOn;
    scf::ConditionOp::create(rewriter, loc, proceed, forwarded);

    // After: the body, with the iteration number and condition as tensors.
    Block *after = rewriter.createBlock(&whileOp.getAfter(), {}, types, locs);
    iteration = after->getArgument(0);
    SmallVector<Value> arguments;
    arguments.push_back(tensor::FromElementsOp::create(
        rewriter, loc, body.getArgument(0).getType(), ValueRange{iteration}));
    arguments.push_back(tensor::FromElementsOp::create(
        rewriter, loc, body.getArgument(1).getType(),
        ValueRange{after->getArgument(1)}));
    for (unsigned i = 0; i < numCarried; ++i) {
      FailureOr<Value> cast =
          castChecked(rewriter, loc, after->getArgument(2 + i),
                      body.getArgument(2 + i).getType(), op,
                      "Loop-carried value " + std::to_string(i));
      if (failed(cast))
        return failure();
      arguments.push_back(*cast);
    }
    SmallVector<Value> yielded =
        inlineSubgraph(rewriter, op.getBody(), after, arguments);
    SmallVector<Value> next;
    next.push_back(arith::AddIOp::create(
        rewriter, loc, iteration,
        arith::ConstantIntOp::create(rewriter, loc, i64, 1)));
    next.push_back(extractScalar(rewriter, loc, yielded[0]));
    for (unsigned i = 0; i < numCarried; ++i) {
      FailureOr<Value> cast =
          castChecked(rewriter, loc, yielded[1 + i], carriedTypes[i], op,
                      "Loop-carried value " + std::to_string(i));
      if (failed(cast))
        return failure();
      next.push_back(*cast);
    }
    Value position = arith::IndexCastOp::create(
        rewriter, loc, rewriter.getIndexType(), iteration);
    // A growing stack needs no more than the trip count's entries.
    Value capacityLimit;
    if (growing && hasTripCount)
      capacityLimit = arith::IndexCastOp::create(
          rewriter, loc, rewriter.getIndexType(),
          arith::MaxSIOp::create(
              rewriter, loc, maxTrips,
              arith::ConstantIntOp::create(rewriter, loc, i64, 1)));
    for (auto [k, type] : llvm::enumerate(scanTypes)) {
      auto sliceType = RankedTensorType::get(type.getShape().drop_front(),
                                             type.getElementType());
      FailureOr<Value> slice =
          castChecked(rewriter, loc, yielded[1 + numCarried + k], sliceType, op,
                      "Loop scan output " + std::to_string(k));
      if (failed(slice))
        return failure();
      if (growing) {
        next.push_back(appendToStack(
            rewriter, loc, after->getArgument(2 + numCarried + k), *slice,
            position, capacityLimit,
            getNodePrefix(op) + "Loop scan output " + std::to_string(k) +
                " changes shape between iterations"));
        continue;
      }
      SmallVector<OpFoldResult> offsets(type.getRank(),
                                        rewriter.getIndexAttr(0));
      offsets[0] = position;
      SmallVector<OpFoldResult> sizes;
      sizes.push_back(rewriter.getIndexAttr(1));
      for (int64_t size : sliceType.getShape())
        sizes.push_back(rewriter.getIndexAttr(size));
      SmallVector<OpFoldResult> strides(type.getRank(),
                                        rewriter.getIndexAttr(1));
      next.push_back(tensor::InsertSliceOp::create(
          rewriter, loc, *slice, after->getArgument(2 + numCarried + k),
          offsets, sizes, strides));
    }
    scf::YieldOp::create(rewriter, loc, next);

    rewriter.setInsertionPointAfter(whileOp);
    SmallVector<Value> loopResults(whileOp.getResults().drop_front(2));
    if (growing) {
      Value count = arith::IndexCastOp::create(
          rewriter, loc, rewriter.getIndexType(), whileOp.getResult(0));
      for (unsigned k = 0; k < numScan; ++k)
        loopResults[numCarried + k] =
            takeStacked(rewriter, loc, loopResults[numCarried + k], count);
    } else if (numScan) {
      // The loop must have stopped by itself, after exactly the static trip
      // count of the scan outputs.
      Value ranAll = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::eq, whileOp.getResult(0),
          arith::ConstantIntOp::create(rewriter, loc, i64, tripCount));
      Value stopped = arith::XOrIOp::create(
          rewriter, loc, whileOp.getResult(1),
          arith::ConstantIntOp::create(rewriter, loc, i1, 1));
      cf::AssertOp::create(
          rewriter, loc, arith::AndIOp::create(rewriter, loc, ranAll, stopped),
          getNodePrefix(op) + "Loop must run exactly " +
              std::to_string(tripCount) +
              " iterations, the static size of its scan outputs");
    }
    SmallVector<Value> results;
    for (auto [value, result] : llvm::zip(loopResults, op.getResults())) {
      FailureOr<Value> cast = castChecked(rewriter, loc, value,
                                          result.getType(), op, "Loop output");
      if (failed(cast))
        return failure();
      results.push_back(*cast);
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void populateONNXControlFlowToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<IfOpLowering, LoopOpLowering>(patterns.getContext());
  populateONNXScanToSCFPatterns(patterns);
}

} // namespace lowrank
