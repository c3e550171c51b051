//===- QuantizedLowRank.cpp - The Q + L R rewrite of a linear layer -------===//
//
// y = x W (+ b) becomes onnx.Add(x Q, (x L) R (+ b)). The low-rank path is
// built through LinearOpInterface like a plain factorization; the quantized
// path re-creates the layer's own op (MatMul, Gemm or 1x1 Conv) with its
// weight replaced by a DequantizeLinear of the integer constant and without
// the bias, which the low-rank path already adds.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Transforms/QuantizedLowRank.h"
#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"
#include "lowrank/Numerics/LowRank.h"
#include "lowrank/Numerics/QuantizedLowRank.h"
#include "lowrank/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;
using namespace lowrank::numerics;

namespace lowrank {

std::optional<int> parseQuantizeOption(StringRef value) {
  if (value == "none")
    return 0;
  if (value == "int8")
    return 8;
  if (value == "int4")
    return 4;
  return std::nullopt;
}

std::optional<int> parseQuantizeFactorsOption(StringRef value) {
  if (value == "none")
    return 0;
  if (value == "int8")
    return 8;
  return std::nullopt;
}

/// The ONNX opsets from which DequantizeLinear takes per-axis scales and
/// blocked (group-wise) scales.
static constexpr int64_t kPerAxisDequantizeOpset = 13;
static constexpr int64_t kBlockedDequantizeOpset = 21;

/// The columns [begin, begin + count) of a quantized matrix.
static QuantizedMatrix sliceColumns(const QuantizedMatrix &q, int64_t begin,
                                    int64_t count) {
  QuantizedMatrix out;
  out.bits = q.bits;
  out.rows = q.rows;
  out.cols = count;
  out.groupSize = q.groupSize;
  out.values.resize(q.rows * count);
  for (int64_t i = 0; i < q.rows; ++i)
    std::copy(&q.values[i * q.cols + begin],
              &q.values[i * q.cols + begin] + count, &out.values[i * count]);
  for (int64_t g = 0; g < q.getNumGroups(); ++g)
    out.scales.insert(out.scales.end(), &q.scales[g * q.cols + begin],
                      &q.scales[g * q.cols + begin] + count);
  return out;
}

static WeightMatrix sliceColumns(const WeightMatrix &m, int64_t begin,
                                 int64_t count) {
  WeightMatrix out(m.rows(), count);
  for (int64_t i = 0; i < m.rows(); ++i)
    std::copy(m.data() + i * m.cols() + begin,
              m.data() + i * m.cols() + begin + count, out.data() + i * count);
  return out;
}

template <typename T>
static DenseResourceElementsAttr
createBlob(MLIRContext *context, StringRef name, RankedTensorType type,
           ArrayRef<T> data) {
  ArrayRef<char> bytes(reinterpret_cast<const char *>(data.data()),
                       data.size() * sizeof(T));
  return DenseResourceElementsAttr::get(
      type, name,
      HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, /*align=*/64));
}

template <typename T>
static Value createConstant(OpBuilder &builder, Location loc, StringRef name,
                            ArrayRef<int64_t> shape, Type elementType,
                            ArrayRef<T> data) {
  auto type = RankedTensorType::get(shape, elementType);
  auto attr = createBlob<T>(builder.getContext(), name, type, data);
  return onnx::ConstantOp::create(builder, loc, type, attr);
}

/// The row-major scales of `q` as stored for `shape`: getNumGroups() x cols,
/// or cols x getNumGroups() for a transposed (convolution) kernel.
static std::vector<float> getStoredScales(const QuantizedMatrix &q,
                                          bool transposed) {
  if (!transposed)
    return q.scales;
  int64_t groups = q.getNumGroups();
  std::vector<float> scales(q.scales.size());
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t j = 0; j < q.cols; ++j)
      scales[j * groups + g] = q.scales[g * q.cols + j];
  return scales;
}

/// Group-wise scales for an opset without blocked DequantizeLinear:
/// Cast(integers) * scales expanded along the input axis, with the scales
/// stored once per group (Expand, Reshape and, for a partial last group,
/// Slice of the stored groups x 1 x cols tensor).
static Value buildExpandedGroupDequantize(OpBuilder &builder, Location loc,
                                          const QuantizedMatrix &q,
                                          Value integers,
                                          ArrayRef<int64_t> shape,
                                          bool transposed, StringRef name) {
  Type f32 = builder.getF32Type(), i64 = builder.getI64Type();
  int64_t groups = q.getNumGroups(), inAxis = transposed ? 1 : 0;
  int64_t outDim = shape[transposed ? 0 : 1];
  // [groups, 1, cols] or [cols, groups, 1]: the group axis then its
  // repetition, in the order of the stored kernel's axes.
  SmallVector<int64_t> storedShape =
      transposed ? SmallVector<int64_t>{outDim, groups, 1}
                 : SmallVector<int64_t>{groups, 1, outDim};
  SmallVector<int64_t> expandedShape = storedShape;
  expandedShape[inAxis + 1] = q.groupSize;
  SmallVector<int64_t> flatShape =
      transposed ? SmallVector<int64_t>{outDim, groups * q.groupSize}
                 : SmallVector<int64_t>{groups * q.groupSize, outDim};
  std::string base = name.str();
  Value scales =
      createConstant<float>(builder, loc, base + "_scale", storedShape, f32,
                            getStoredScales(q, transposed));
  Value expandShape = createConstant<int64_t>(
      builder, loc, base + "_scale_expand",
      {static_cast<int64_t>(expandedShape.size())}, i64, expandedShape);
  Value expanded = onnx::ExpandOp::create(
      builder, loc, RankedTensorType::get(expandedShape, f32), scales,
      expandShape);
  Value flatShapeValue = createConstant<int64_t>(
      builder, loc, base + "_scale_shape",
      {static_cast<int64_t>(flatShape.size())}, i64, flatShape);
  Value perRow = onnx::ReshapeOp::create(
      builder, loc, RankedTensorType::get(flatShape, f32), expanded,
      flatShapeValue, builder.getI64IntegerAttr(0));
  if (groups * q.groupSize != q.rows) {
    SmallVector<int64_t> slicedShape(flatShape);
    slicedShape[inAxis] = q.rows;
    int64_t start = 0, end = q.rows, axis = inAxis;
    Value starts = createConstant<int64_t>(builder, loc, base + "_scale_start",
                                           {1}, i64, {start});
    Value ends = createConstant<int64_t>(builder, loc, base + "_scale_end", {1},
                                         i64, {end});
    Value axes = createConstant<int64_t>(builder, loc, base + "_scale_axis",
                                         {1}, i64, {axis});
    Value none = onnx::NoValueOp::create(builder, loc, builder.getNoneType());
    perRow = onnx::SliceOp::create(builder, loc,
                                   RankedTensorType::get(slicedShape, f32),
                                   perRow, starts, ends, axes, none);
  }
  if (shape.size() > 2) { // a 1x1 convolution kernel: [cols, rows, 1, 1]
    Value kernelShape = createConstant<int64_t>(
        builder, loc, base + "_scale_kernel_shape",
        {static_cast<int64_t>(shape.size())}, i64, shape);
    perRow = onnx::ReshapeOp::create(builder, loc,
                                     RankedTensorType::get(shape, f32), perRow,
                                     kernelShape, builder.getI64IntegerAttr(0));
  }
  auto floatType = RankedTensorType::get(shape, f32);
  Value floats = onnx::CastOp::create(
      builder, loc, floatType, integers,
      builder.getI64IntegerAttr(/*TensorProto.FLOAT=*/1),
      builder.getI64IntegerAttr(1), builder.getStringAttr("up"));
  return onnx::MulOp::create(builder, loc, floatType, floats, perRow);
}

/// The weight `q` (rows x cols) dequantized, stored with `shape`: as is or,
/// for convolution kernels, transposed to cols x rows x 1... Per-column
/// scales are a per-axis DequantizeLinear (axis 1, or 0 transposed);
/// group-wise scales a blocked one along the input axis from opset 21, and
/// an expansion of the stored scales before (buildExpandedGroupDequantize).
static Value buildDequantizedWeight(OpBuilder &builder, Location loc,
                                    const QuantizedMatrix &q,
                                    ArrayRef<int64_t> shape, bool transposed,
                                    int64_t opset, StringRef name) {
  std::vector<int8_t> values = q.values;
  if (transposed)
    for (int64_t i = 0; i < q.rows; ++i)
      for (int64_t j = 0; j < q.cols; ++j)
        values[j * q.rows + i] = q.values[i * q.cols + j];
  Value integers = createConstant<int8_t>(builder, loc, name, shape,
                                          builder.getI8Type(), values);
  if (q.groupSize != 0 && opset < kBlockedDequantizeOpset)
    return buildExpandedGroupDequantize(builder, loc, q, integers, shape,
                                        transposed, name);
  int64_t inAxis = transposed ? 1 : 0, outAxis = transposed ? 0 : 1;
  SmallVector<int64_t> scaleShape{q.cols};
  if (q.groupSize != 0) {
    scaleShape.assign(shape.begin(), shape.end());
    scaleShape[inAxis] = q.getNumGroups();
  }
  Value scales = createConstant<float>(builder, loc, (name + "_scale").str(),
                                       scaleShape, builder.getF32Type(),
                                       getStoredScales(q, transposed));
  Value none = onnx::NoValueOp::create(builder, loc, builder.getNoneType());
  auto floatType = RankedTensorType::get(shape, builder.getF32Type());
  auto dequantize = onnx::DequantizeLinearOp::create(
      builder, loc, floatType, integers, scales, none,
      builder.getI64IntegerAttr(q.groupSize != 0 ? inAxis : outAxis),
      builder.getI64IntegerAttr(q.groupSize));
  return dequantize.getY();
}

/// Replaces the float weight (operand 1) of a factor op built through the
/// interface by the dequantized integers `q`.
static void useQuantizedWeight(OpBuilder &builder, Operation *factorOp,
                               const QuantizedMatrix &q, int64_t opset,
                               StringRef name) {
  Value weight = factorOp->getOperand(1);
  auto shape = cast<RankedTensorType>(weight.getType()).getShape();
  builder.setInsertionPoint(factorOp);
  Value dequantized = buildDequantizedWeight(
      builder, factorOp->getLoc(), q, shape,
      /*transposed=*/isa<onnx::ConvOp>(factorOp), opset, name);
  factorOp->setOperand(1, dequantized);
  if (Operation *old = weight.getDefiningOp(); old && old->use_empty())
    old->erase();
}

/// x Q for the layer's own op and input form, with its bias only when
/// `withBias` (a quantize-only layer has no low-rank path to carry it).
static FailureOr<Value> buildQuantizedPath(OpBuilder &builder,
                                           const LinearLayerInfo &layer,
                                           const QuantizedMatrix &q,
                                           int64_t opset, StringRef name,
                                           bool withBias) {
  Operation *op = layer.op;
  Location loc = op->getLoc();
  Type resultType = op->getResult(0).getType();
  if (auto matmul = dyn_cast<onnx::MatMulOp>(op)) {
    Value w = buildDequantizedWeight(builder, loc, q, {q.rows, q.cols},
                                     /*transposed=*/false, opset, name);
    return onnx::MatMulOp::create(builder, loc, resultType, matmul.getA(), w)
        .getY();
  }
  Value none = onnx::NoValueOp::create(builder, loc, builder.getNoneType());
  if (auto gemm = dyn_cast<onnx::GemmOp>(op)) {
    Value w = buildDequantizedWeight(builder, loc, q, {q.rows, q.cols},
                                     /*transposed=*/false, opset, name);
    return onnx::GemmOp::create(builder, loc, resultType, gemm.getA(), w,
                                withBias ? gemm.getC() : none,
                                gemm.getAlphaAttr(), gemm.getBetaAttr(),
                                builder.getI64IntegerAttr(0),
                                builder.getI64IntegerAttr(0))
        .getY();
  }
  if (auto conv = dyn_cast<onnx::ConvOp>(op)) {
    auto kernel = cast<RankedTensorType>(conv.getW().getType()).getShape();
    Value w = buildDequantizedWeight(builder, loc, q, kernel,
                                     /*transposed=*/true, opset, name);
    return onnx::ConvOp::create(builder, loc, resultType, conv.getX(), w,
                                withBias ? conv.getB() : none,
                                conv.getAutoPadAttr(), conv.getDilationsAttr(),
                                conv.getGroupAttr(), conv.getKernelShapeAttr(),
                                conv.getPadsAttr(), conv.getStridesAttr())
        .getY();
  }
  llvm_unreachable("checked by rewriteQuantizedLowRank");
}

static void eraseDeadProducers(Operation *op) {
  if (!op || !op->use_empty() || !isMemoryEffectFree(op))
    return;
  SmallVector<Operation *> producers;
  for (Value operand : op->getOperands())
    producers.push_back(operand.getDefiningOp());
  op->erase();
  for (Operation *producer : producers)
    eraseDeadProducers(producer);
}

/// Storage bits of a factor: quantized with per-column scales, or float32.
static double factorBits(int64_t rows, int64_t cols, int bits) {
  if (rows * cols == 0)
    return 0.0;
  return bits == 0 ? 32.0 * rows * cols
                   : static_cast<double>(bits) * rows * cols + 32.0 * cols;
}

LogicalResult rewriteQuantizedLowRank(MutableArrayRef<LinearLayerInfo> layers,
                                      ArrayRef<unsigned> members,
                                      const WeightMatrix &weight,
                                      const LayerDecision &decision,
                                      const QuantizedLowRankConfig &config,
                                      const double *gram,
                                      ReportBuilder &report) {
  LinearLayerInfo &lead = layers[members.front()];
  for (unsigned member : members)
    if (!getElementTypeOrSelf(layers[member].op.getLinearInput().getType())
             .isF32())
      return layers[member].op->emitError("layer '")
             << layers[member].name
             << "': quantize= needs float32 weights and activations (its "
                "DequantizeLinear scales are float32)";
  for (unsigned member : members)
    if (!isa<onnx::MatMulOp, onnx::GemmOp, onnx::ConvOp>(
            layers[member].op.getOperation()))
      return layers[member].op->emitError(
                 "quantize= supports onnx.MatMul, onnx.Gemm and onnx.Conv "
                 "layers; layer '")
             << layers[member].name << "' is " << layers[member].op->getName();
  QuantizedLowRankOptions options;
  options.bits = config.bits;
  options.rank = decision.rank;
  options.factorBits = config.factorBits;
  options.maxIterations = config.maxIterations;
  options.groupSize = config.groupSize;
  options.gram = gram;
  auto fit = fitQuantizedLowRank(weight, options);
  if (!fit)
    return lead.op->emitError("Q + L R fit of layer '")
           << lead.name << "' failed: " << llvm::toString(fit.takeError());

  ModuleOp module = lead.op->getParentOfType<ModuleOp>();
  auto opsetAttr = module->getAttrOfType<IntegerAttr>("onnx.opset");
  if (opsetAttr && opsetAttr.getInt() < kPerAxisDequantizeOpset)
    module->setAttr("onnx.opset", IntegerAttr::get(opsetAttr.getType(),
                                                   kPerAxisDequantizeOpset));
  // Linalg input has no opset: the dialect's own (latest) semantics.
  int64_t opset = opsetAttr
                      ? std::max(opsetAttr.getInt(), kPerAxisDequantizeOpset)
                      : kBlockedDequantizeOpset;

  Operation *first = lead.op;
  for (unsigned member : members)
    if (layers[member].op->isBeforeInBlock(first))
      first = layers[member].op;
  OpBuilder builder(first);
  // Rank 0 is quantize-only: no low-rank path.
  bool lowRankPath = decision.rank > 0;
  Value bottleneck;
  if (lowRankPath) {
    bottleneck = lead.op.buildInputProjection(builder, fit->L,
                                              lead.name + ".lowrank_a");
    Operation *inputProjection = bottleneck.getDefiningOp();
    inputProjection->setAttr(kFactorAttr, builder.getStringAttr("A"));
    if (fit->quantizedL)
      useQuantizedWeight(builder, inputProjection, *fit->quantizedL, opset,
                         lead.name + ".lowrank_a");
  }

  Builder b(lead.op->getContext());
  int64_t rank = decision.rank, column = 0;
  double groupBits = factorBits(lead.dIn, rank, config.factorBits);
  for (unsigned member : members) {
    LinearLayerInfo &layer = layers[member];
    QuantizedMatrix q = sliceColumns(fit->Q, column, layer.dOut);
    WeightMatrix r = sliceColumns(fit->R, column, layer.dOut);
    WeightMatrix original = sliceColumns(weight, column, layer.dOut);
    std::optional<QuantizedMatrix> quantizedR;
    if (fit->quantizedR)
      quantizedR = sliceColumns(*fit->quantizedR, column, layer.dOut);
    column += layer.dOut;

    // The member's own error under the same weighting as the fit.
    WeightMatrix residual = rank > 0 ? multiply(fit->L, r)
                                     : WeightMatrix(layer.dIn, layer.dOut);
    WeightMatrix dequantized = q.dequantize();
    for (int64_t i = 0; i < residual.size(); ++i)
      residual.data()[i] =
          original.data()[i] - dequantized.data()[i] - residual.data()[i];
    auto errorNorm = getWeightedNorm(residual, gram);
    auto norm = getWeightedNorm(original, gram);
    if (!errorNorm || !norm)
      return layer.op->emitError("Q + L R error of layer '")
             << layer.name << "': "
             << llvm::toString(errorNorm ? norm.takeError()
                                         : errorNorm.takeError());
    double relativeError = *norm == 0 ? 0 : *errorNorm / *norm;

    builder.setInsertionPoint(layer.op);
    Value lowRank;
    if (lowRankPath) {
      lowRank = layer.op.buildOutputProjection(builder, bottleneck, r,
                                               layer.name + ".lowrank_b");
      Operation *outputProjection = lowRank.getDefiningOp();
      outputProjection->setAttr(kFactorAttr, builder.getStringAttr("B"));
      outputProjection->setAttr(kDecisionAttr,
                                layer.op->getAttr(kDecisionAttr));
      if (quantizedR)
        useQuantizedWeight(builder, outputProjection, *quantizedR, opset,
                           layer.name + ".lowrank_b");
      builder.setInsertionPoint(layer.op);
    }
    FailureOr<Value> quantizedPath = buildQuantizedPath(
        builder, layer, q, opset, layer.name + ".lowrank_q", !lowRankPath);
    if (failed(quantizedPath))
      return failure();
    quantizedPath->getDefiningOp()->setAttr(kFactorAttr,
                                            builder.getStringAttr("Q"));
    Value sum = *quantizedPath;
    if (lowRankPath) {
      sum = onnx::AddOp::create(builder, layer.op->getLoc(),
                                layer.op->getResult(0).getType(),
                                *quantizedPath, lowRank);
      sum.getDefiningOp()->setAttr(kFactorAttr, builder.getStringAttr("QLR"));
    } else {
      quantizedPath->getDefiningOp()->setAttr(
          kDecisionAttr, layer.op->getAttr(kDecisionAttr));
    }

    bool alone = members.size() == 1;
    double bits = static_cast<double>(q.storageBits()) +
                  factorBits(rank, layer.dOut, config.factorBits) +
                  (alone ? groupBits : 0.0);
    SmallVector<NamedAttribute> extra = {
        b.getNamedAttr("quant_bits", b.getI64IntegerAttr(config.bits)),
        b.getNamedAttr("quant_group", b.getI64IntegerAttr(q.groupSize)),
        b.getNamedAttr("factor_bits", b.getI64IntegerAttr(config.factorBits)),
        b.getNamedAttr("storage_bits", b.getF64FloatAttr(bits)),
        b.getNamedAttr("bits_per_param",
                       b.getF64FloatAttr(
                           bits / static_cast<double>(layer.dIn * layer.dOut))),
        b.getNamedAttr("quantization_error",
                       b.getF64FloatAttr(fit->quantizationOnlyError)),
        b.getNamedAttr("fit_error", b.getF64FloatAttr(fit->relativeError)),
        b.getNamedAttr("iterations", b.getI64IntegerAttr(fit->iterations)),
        b.getNamedAttr("fit_against",
                       b.getStringAttr(gram ? "calibration" : "weights")),
    };
    int64_t paramsAfter = layer.dIn * layer.dOut + rank * layer.dOut +
                          (alone ? rank * lead.dIn : 0);
    report.addLayer(layer, decision, relativeError, paramsAfter,
                    /*calibration=*/nullptr, extra);

    Operation *old = layer.op;
    old->replaceAllUsesWith(ValueRange{sum});
    eraseDeadProducers(old);
  }
  if (members.size() > 1) {
    report.addGroup(
        layers, members, decision, fit->relativeError,
        /*calibration=*/nullptr,
        {b.getNamedAttr("shared_storage_bits", b.getF64FloatAttr(groupBits))});
  }
  return success();
}

} // namespace lowrank
