//===- ConvToUKernel.cpp - Convolutions on buffers into runtime calls -----===//
//
// An f32 linalg.conv_2d_nchw_fchw on buffers becomes a call of the runtime's
// direct convolution (`lowrank_conv2d_f32`, `lowrank_conv2d_bias_f32`),
// which gathers the columns of the product panel by panel, and a
// linalg.depthwise_conv_2d_nchw_chw a call of its depthwise convolution
// (`lowrank_depthwise_conv2d_f32`, `..._bias_f32`). What the ONNX
// lowering and bufferization put around a convolution is folded into the
// call when it matches exactly:
//
//   - the zero padding of the input (an allocation filled with zero whose
//     interior receives one copy of the source): the call reads the source
//     and treats positions outside it as zero;
//   - the initialization of the output with zero or with the bias
//     broadcast along the filters: the call overwrites the output, adding
//     the bias;
//   - a ReLU (max(x, 0)), the addition of another tensor (a residual
//     connection, for a convolution with a bias), or the addition then a
//     ReLU, that is the only reader of the output: the call applies it and
//     writes the reader's buffer.
//
// Anything else stays as it is, and the call accumulates onto the output.
//
//===----------------------------------------------------------------------===//

#include "UKernelSupport.h"
#include "lowrank/Conversion/BufferViews.h"
#include "lowrank/Runtime/CPU/Runtime.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;
using lowrank::getRootBuffer;

namespace lowrank::ukernel {

namespace {

constexpr StringLiteral kConv = "lowrank_conv2d_f32";
constexpr StringLiteral kConvBias = "lowrank_conv2d_bias_f32";
constexpr StringLiteral kConvBiasAdd = "lowrank_conv2d_bias_add_f32";
constexpr StringLiteral kDepthwise = "lowrank_depthwise_conv2d_f32";
constexpr StringLiteral kDepthwiseBias = "lowrank_depthwise_conv2d_bias_f32";

bool isF32MemRef(Value value, int64_t rank) {
  auto type = dyn_cast<MemRefType>(value.getType());
  return type && type.getRank() == rank && type.getElementType().isF32();
}

/// Whether the single-block body of `op` yields a zero constant.
bool yieldsZero(Operation *op) {
  Block &body = op->getRegion(0).front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  return yield.getNumOperands() == 1 && isZeroConstant(yield.getOperand(0));
}

/// Whether `op` sets all of `buffer` to zero.
bool isZeroFillOf(Operation *op, Value buffer) {
  if (auto fill = dyn_cast<linalg::FillOp>(op))
    return fill.getOutputs()[0] == buffer &&
           isZeroConstant(fill.getInputs()[0]);
  if (auto map = dyn_cast<linalg::MapOp>(op))
    return map.getInputs().empty() && map.getInit() == buffer &&
           yieldsZero(map);
  return false;
}

/// The input of a convolution read through a zero padding that the call
/// can do itself.
struct ZeroPadding {
  Value source;
  int64_t top = 0, left = 0;
  SmallVector<Operation *> toErase; // the padding's ops, users first
  memref::DeallocOp sourceDealloc;  // to move after the call, or null
};

/// Whether `buffer` (through views) is only read by the ops strictly
/// between `from` and `to`, except for its deallocation, returned in
/// `dealloc`.
bool isOnlyReadBetween(Value buffer, Operation *from, Operation *to,
                       memref::DeallocOp &dealloc) {
  return succeeded(visitUsesThroughViews(
      buffer, from->getBlock(), [&](OpOperand &use, Operation *ancestor) {
        if (!from->isBeforeInBlock(ancestor) || !ancestor->isBeforeInBlock(to))
          return success();
        Operation *user = use.getOwner();
        if (auto free = dyn_cast<memref::DeallocOp>(user)) {
          if (dealloc)
            return failure();
          dealloc = free;
          return success();
        }
        if (auto copy = dyn_cast<memref::CopyOp>(user))
          if (use.get() == copy.getSource() && use.get() != copy.getTarget())
            return success();
        if (auto linalgOp = dyn_cast<linalg::LinalgOp>(user))
          if (linalgOp.isDpsInput(&use))
            return success();
        return failure();
      }));
}

/// Matches `alloc; zero fill of alloc; copy source into a subview of alloc
/// at [0, 0, top, left]` before `conv`, which alone reads alloc.
FailureOr<ZeroPadding> matchZeroPadding(linalg::LinalgOp conv) {
  Value padded = conv.getDpsInputs()[0];
  auto alloc = padded.getDefiningOp<memref::AllocOp>();
  if (!alloc || alloc->getBlock() != conv->getBlock() ||
      !alloc.getType().hasStaticShape())
    return failure();
  Operation *fill = nullptr;
  memref::SubViewOp interior;
  memref::DeallocOp dealloc;
  for (Operation *user : alloc->getUsers()) {
    if (user == conv)
      continue;
    if (isZeroFillOf(user, padded) && !fill) {
      fill = user;
    } else if (auto subview = dyn_cast<memref::SubViewOp>(user);
               subview && !interior) {
      interior = subview;
    } else if (auto free = dyn_cast<memref::DeallocOp>(user);
               free && !dealloc) {
      dealloc = free;
    } else {
      return failure();
    }
  }
  if (!fill || !interior || !interior->hasOneUse())
    return failure();
  auto copy = dyn_cast<memref::CopyOp>(*interior->getUsers().begin());
  if (!copy || copy.getTarget() != interior.getResult() ||
      copy->getBlock() != conv->getBlock() ||
      fill->getBlock() != conv->getBlock() || !fill->isBeforeInBlock(copy) ||
      !copy->isBeforeInBlock(conv) ||
      (dealloc && dealloc->isBeforeInBlock(conv)))
    return failure();

  // The interior: offsets [0, 0, top, left], unit strides, all of the source.
  ZeroPadding padding;
  padding.source = copy.getSource();
  auto sourceType = dyn_cast<MemRefType>(padding.source.getType());
  if (!sourceType || !sourceType.hasStaticShape() ||
      !llvm::all_of(interior.getStaticStrides(),
                    [](int64_t stride) { return stride == 1; }) ||
      interior.getType().getShape() != sourceType.getShape())
    return failure();
  ArrayRef<int64_t> offsets = interior.getStaticOffsets();
  if (offsets.size() != 4 || offsets[0] != 0 || offsets[1] != 0 ||
      ShapedType::isDynamic(offsets[2]) || ShapedType::isDynamic(offsets[3]))
    return failure();
  padding.top = offsets[2];
  padding.left = offsets[3];

  // The call reads the source where the convolution read the copy.
  if (!isOnlyReadBetween(padding.source, copy, conv, padding.sourceDealloc))
    return failure();
  padding.toErase = {copy, interior, fill};
  if (dealloc)
    padding.toErase.insert(padding.toErase.begin(), dealloc);
  return padding;
}

/// Whether `init` writes the broadcast of a 1-D f32 vector along dim 1 of
/// `output`; returns the vector.
Value matchBiasBroadcast(Operation *init, Value output) {
  auto generic = dyn_cast_or_null<linalg::GenericOp>(init);
  if (!generic || generic.getNumDpsInputs() != 1 ||
      generic.getNumDpsInits() != 1 || generic.getDpsInits()[0] != output ||
      generic.getNumReductionLoops() != 0 || generic.getNumLoops() != 4)
    return {};
  Value bias = generic.getDpsInputs()[0];
  auto biasType = dyn_cast<MemRefType>(bias.getType());
  SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
  AffineMap filterDim =
      AffineMap::get(4, 0, getAffineDimExpr(1, generic.getContext()));
  Block *body = generic.getBlock();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  if (!biasType || biasType.getRank() != 1 ||
      !biasType.getElementType().isF32() || maps[0] != filterDim ||
      !maps[1].isIdentity() || body->getOperations().size() != 1 ||
      yield.getOperand(0) != body->getArgument(0))
    return {};
  return bias;
}

/// What reads the convolution's output and nothing else: a ReLU, the
/// addition of another tensor of its shape (a residual connection), or the
/// addition then a ReLU, written to another buffer.
struct Epilogue {
  linalg::GenericOp consumer;
  Value output; // the consumer's buffer, which the call writes instead
  Value addend; // the tensor added, or null
  bool relu = false;
  memref::DeallocOp deallocOfResult;
};

/// Whether `value` is `max(in, 0)` or `max(0, in)`; returns `in`.
Value matchRelu(Value value) {
  auto max = value.getDefiningOp<arith::MaximumFOp>();
  if (!max)
    return {};
  if (isZeroConstant(max.getRhs()))
    return max.getLhs();
  if (isZeroConstant(max.getLhs()))
    return max.getRhs();
  return {};
}

/// Matches the consumer's body: `yield max(c, 0)` with one input, or
/// `yield c + x` / `yield max(c + x, 0)` with two (input `resultIndex` is
/// the convolution's output c).
bool matchEpilogueBody(linalg::GenericOp consumer, unsigned resultIndex,
                       Epilogue &epilogue) {
  Block *body = consumer.getBlock();
  Value yielded = cast<linalg::YieldOp>(body->getTerminator()).getOperand(0);
  size_t numOps = body->getOperations().size();
  Value c = body->getArgument(resultIndex);
  if (Value reluInput = matchRelu(yielded)) {
    epilogue.relu = true;
    yielded = reluInput;
    --numOps;
  }
  if (consumer.getNumDpsInputs() == 1)
    return epilogue.relu && numOps == 1 && yielded == c;
  Value x = body->getArgument(1 - resultIndex);
  auto add = yielded.getDefiningOp<arith::AddFOp>();
  return add && numOps == 2 &&
         ((add.getLhs() == c && add.getRhs() == x) ||
          (add.getLhs() == x && add.getRhs() == c));
}

/// Matches the epilogue of `conv`, whose output `init` initialized; an
/// addition only when `allowAddend`.
FailureOr<Epilogue> matchEpilogue(linalg::LinalgOp conv, Operation *init,
                                  bool allowAddend) {
  Value result = conv.getDpsInits()[0];
  auto alloc = result.getDefiningOp<memref::AllocOp>();
  if (!alloc)
    return failure();
  Epilogue epilogue{};
  for (Operation *user : alloc->getUsers()) {
    if (user == conv || user == init)
      continue;
    if (auto free = dyn_cast<memref::DeallocOp>(user);
        free && !epilogue.deallocOfResult) {
      epilogue.deallocOfResult = free;
      continue;
    }
    auto generic = dyn_cast<linalg::GenericOp>(user);
    if (!generic || epilogue.consumer)
      return failure();
    epilogue.consumer = generic;
  }
  linalg::GenericOp consumer = epilogue.consumer;
  if (!consumer || consumer.getNumDpsInits() != 1 ||
      consumer.getNumDpsInputs() > (allowAddend ? 2u : 1u) ||
      consumer.getNumReductionLoops() != 0 ||
      consumer->getBlock() != conv->getBlock() ||
      !conv->isBeforeInBlock(consumer))
    return failure();
  // Which input is the convolution's output (once).
  SmallVector<Value> inputs(consumer.getDpsInputs());
  if (llvm::count(inputs, result) != 1)
    return failure();
  unsigned resultIndex = inputs[0] == result ? 0 : 1;
  if (!matchEpilogueBody(consumer, resultIndex, epilogue))
    return failure();
  SmallVector<AffineMap> maps = consumer.getIndexingMapsArray();
  epilogue.output = consumer.getDpsInits()[0];
  auto outputType = dyn_cast<MemRefType>(epilogue.output.getType());
  if (!maps.back().isIdentity() || !outputType ||
      outputType.getShape() != alloc.getType().getShape() ||
      !outputType.getElementType().isF32())
    return failure();
  for (auto [i, input] : llvm::enumerate(inputs)) {
    auto type = dyn_cast<MemRefType>(input.getType());
    if (!type || type.getShape() != alloc.getType().getShape() ||
        !isIdentityUpToUnitDims(maps[i], type))
      return failure();
  }
  // The call writes the consumer's buffer, which must be none of its
  // operands; it reads the addend then, which nothing may write until the
  // consumer (and which must not be the buffer it writes: earlier K blocks
  // store partial sums there before the last adds the addend).
  Value outputRoot = getRootBuffer(epilogue.output);
  if (outputRoot == getRootBuffer(conv.getDpsInputs()[0]) ||
      outputRoot == getRootBuffer(conv.getDpsInputs()[1]) ||
      !canWriteResultEarly(epilogue.output, conv, consumer))
    return failure();
  if (inputs.size() == 2) {
    epilogue.addend = inputs[1 - resultIndex];
    memref::DeallocOp freed;
    if (outputRoot == getRootBuffer(epilogue.addend) ||
        !isAvailableAt(epilogue.addend, conv) ||
        !isOnlyReadBetween(epilogue.addend, conv, consumer, freed) || freed)
      return failure();
  }
  return epilogue;
}

} // namespace

LogicalResult rewriteConvolution(linalg::LinalgOp conv, ModuleOp module,
                                 SymbolTable &symbols) {
  auto full = dyn_cast<linalg::Conv2DNchwFchwOp>(*conv);
  auto depthwise = dyn_cast<linalg::DepthwiseConv2DNchwChwOp>(*conv);
  if ((!full && !depthwise) || !conv.hasPureBufferSemantics())
    return failure();
  Value input = conv.getDpsInputs()[0], filter = conv.getDpsInputs()[1];
  Value output = conv.getDpsInits()[0];
  if (!isF32MemRef(input, 4) || !isF32MemRef(filter, full ? 4 : 3) ||
      !isF32MemRef(output, 4))
    return failure();
  auto filterType = cast<MemRefType>(filter.getType());
  auto inputType = cast<MemRefType>(input.getType());
  auto outputType = cast<MemRefType>(output.getType());
  // The batch may be symbolic: the kernel reads it from the descriptor.
  if (!filterType.hasStaticShape() ||
      llvm::any_of(inputType.getShape().drop_front(), ShapedType::isDynamic) ||
      llvm::any_of(outputType.getShape().drop_front(), ShapedType::isDynamic))
    return failure();
  DenseIntElementsAttr stridesAttr =
      full ? full.getStrides() : depthwise.getStrides();
  DenseIntElementsAttr dilationsAttr =
      full ? full.getDilations() : depthwise.getDilations();
  SmallVector<int64_t> strides(stridesAttr.getValues<int64_t>());
  SmallVector<int64_t> dilations(dilationsAttr.getValues<int64_t>());

  FailureOr<ZeroPadding> padding = matchZeroPadding(conv);
  int64_t flags = 0;
  Value bias;
  Operation *init = getZeroInitOfOutput(conv);
  if (!init) {
    init = getInitializerOfOutput(conv);
    bias = matchBiasBroadcast(init, output);
    if (!bias || !isAvailableAt(bias, conv))
      init = nullptr, bias = nullptr;
  }
  if (init)
    flags |= LOWRANK_GEMM_OVERWRITE;
  // A residual addition needs the bias entry point's addend variant.
  FailureOr<Epilogue> epilogue = failure();
  if (init)
    epilogue = matchEpilogue(conv, init, /*allowAddend=*/full && bias);
  if (succeeded(epilogue) && epilogue->relu)
    flags |= LOWRANK_GEMM_RELU;
  if (full && isConstantGlobal(filter, symbols))
    flags |= LOWRANK_CONV_CONSTANT_WEIGHTS;

  OpBuilder builder(conv);
  Location loc = conv.getLoc();
  Value destination = output;
  if (succeeded(epilogue)) {
    destination = epilogue->output;
    if (Operation *alloc = destination.getDefiningOp())
      if (!isAvailableAt(destination, conv))
        alloc->moveBefore(conv);
  }
  SmallVector<Value> arguments = {
      castToDynamicStrided(builder, loc,
                           succeeded(padding) ? padding->source : input),
      castToDynamicStrided(builder, loc, filter)};
  if (bias)
    arguments.push_back(castToDynamicStrided(builder, loc, bias));
  Value addend = succeeded(epilogue) ? epilogue->addend : Value();
  if (addend)
    arguments.push_back(castToDynamicStrided(builder, loc, addend));
  arguments.push_back(castToDynamicStrided(builder, loc, destination));
  // The depthwise kernel reads its few weights in place.
  if (full)
    arguments.push_back(createPackedSlot(builder, loc, module, symbols));
  int64_t padTop = succeeded(padding) ? padding->top : 0;
  int64_t padLeft = succeeded(padding) ? padding->left : 0;
  for (int64_t value : {strides[0], strides[1], dilations[0], dilations[1],
                        padTop, padLeft, flags})
    arguments.push_back(
        arith::ConstantIntOp::create(builder, loc, value, /*width=*/64));
  StringRef name = full ? (addend ? kConvBiasAdd : (bias ? kConvBias : kConv))
                        : (bias ? kDepthwiseBias : kDepthwise);
  func::FuncOp callee =
      getOrDeclare(module, symbols, name, ValueRange(arguments).getTypes());
  auto call = func::CallOp::create(builder, loc, callee, arguments);

  conv->erase();
  if (init)
    init->erase();
  if (succeeded(padding)) {
    if (padding->sourceDealloc)
      padding->sourceDealloc->moveAfter(call);
    for (Operation *op : padding->toErase)
      op->erase();
    input.getDefiningOp()->erase();
  }
  if (succeeded(epilogue)) {
    epilogue->consumer->erase();
    if (epilogue->deallocOfResult)
      epilogue->deallocOfResult->erase();
    output.getDefiningOp()->erase();
  }
  return success();
}

} // namespace lowrank::ukernel
