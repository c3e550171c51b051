//===- LinalgLinearOpModels.cpp - LinearOpInterface for linalg ops --------===//
//
// linalg.matmul (with the default or the transposed-B indexing maps),
// linalg.batch_matmul whose right operand broadcasts a constant matrix over
// the batch, and contraction linalg.generic ops y[rows..., n] += x[rows..., k] w[k, n]
// (any loop order; this covers batched products with a weight shared by
// the batch) whose weight is a constant are linear layers at the linalg
// level: the same passes factor IREE-style input.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Interfaces/LinearOpInterface.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineExpr.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;

namespace lowrank {
namespace {

/// How a contraction reads its weight.
enum class WeightLayout { KN, NK };

/// The weight layout of a linalg.matmul from its indexing maps, if it reads
/// A as M x K and writes M x N.
static std::optional<WeightLayout> getMatmulLayout(linalg::MatmulOp op) {
  MLIRContext *ctx = op.getContext();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  auto map = [&](ArrayRef<AffineExpr> exprs) {
    return AffineMap::get(3, 0, exprs, ctx);
  };
  if (maps.size() != 3 || maps[0] != map({m, k}) || maps[2] != map({m, n}))
    return std::nullopt;
  if (maps[1] == map({k, n}))
    return WeightLayout::KN;
  if (maps[1] == map({n, k}))
    return WeightLayout::NK;
  return std::nullopt;
}

/// The stored 2-D constant behind `value`, looking through a 2-D
/// linalg.transpose; flips `transposed` for it.
static Value lookThroughTranspose(Value value, bool &transposed) {
  if (auto transpose = value.getDefiningOp<linalg::TransposeOp>()) {
    if (transpose.getPermutation().size() == 2 &&
        transpose.getPermutation()[0] == 1) {
      transposed = !transposed;
      return transpose.getInput();
    }
  }
  return value;
}

static bool isStaticF32Matrix(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.getRank() == 2 && type.hasStaticShape() &&
         type.getElementType().isF32();
}

/// The factor `w` as an arith.constant holding a dense_resource blob.
static Value createWeightConstant(OpBuilder &builder, Location loc,
                                  const WeightMatrix &w, StringRef name) {
  return arith::ConstantOp::create(
      builder, loc,
      createWeightAttr(builder.getContext(), name, {w.rows(), w.cols()}, w));
}

/// A zero-filled tensor to accumulate a product into.
static Value createZeroInit(OpBuilder &builder, Location loc,
                            ArrayRef<int64_t> shape, Type elementType) {
  Value empty = tensor::EmptyOp::create(builder, loc, shape, elementType);
  Value zero =
      arith::ConstantOp::create(builder, loc, builder.getZeroAttr(elementType));
  return linalg::FillOp::create(builder, loc, zero, empty).getResult(0);
}

/// M x r = x (M x K) times a constant K x r, accumulated into zeros.
static Value buildProjection(OpBuilder &builder, Location loc, Value x,
                             const WeightMatrix &w, StringRef name,
                             Value init = {}) {
  Value weight = createWeightConstant(builder, loc, w, name);
  if (!init) {
    auto xType = cast<RankedTensorType>(x.getType());
    init = createZeroInit(builder, loc, {xType.getDimSize(0), w.cols()},
                          xType.getElementType());
  }
  return linalg::MatmulOp::create(builder, loc, TypeRange{init.getType()},
                                  ValueRange{x, weight}, ValueRange{init})
      .getResult(0);
}

struct MatmulLinearModel
    : public LinearOpInterface::ExternalModel<MatmulLinearModel,
                                              linalg::MatmulOp> {
  static bool weightTransposed(linalg::MatmulOp op, Value &stored) {
    bool transposed = *getMatmulLayout(op) == WeightLayout::NK;
    stored = lookThroughTranspose(op.getInputs()[1], transposed);
    return transposed;
  }

  bool isLinear(Operation *op) const {
    auto matmul = cast<linalg::MatmulOp>(op);
    if (!matmul.hasPureTensorSemantics() || !getMatmulLayout(matmul) ||
        !isStaticF32Matrix(matmul.getInputs()[1]) || matmul.getCast() !=
                                                         linalg::TypeFn::cast_signed)
      return false;
    auto xType = dyn_cast<RankedTensorType>(matmul.getInputs()[0].getType());
    if (!xType || !xType.getElementType().isF32() || xType.isDynamicDim(1))
      return false;
    Value stored;
    weightTransposed(matmul, stored);
    return isConstantMatrix(stored);
  }
  Value getLinearInput(Operation *op) const {
    return cast<linalg::MatmulOp>(op).getInputs()[0];
  }
  FailureOr<WeightMatrix> getWeightMatrix(Operation *op) const {
    Value stored;
    bool transposed = weightTransposed(cast<linalg::MatmulOp>(op), stored);
    return readConstantMatrix(stored, transposed);
  }
  std::pair<int64_t, int64_t> getLinearShape(Operation *op) const {
    auto matmul = cast<linalg::MatmulOp>(op);
    auto type = cast<RankedTensorType>(matmul.getInputs()[1].getType());
    if (*getMatmulLayout(matmul) == WeightLayout::NK)
      return {type.getDimSize(1), type.getDimSize(0)};
    return {type.getDimSize(0), type.getDimSize(1)};
  }
  int64_t getNumInputRows(Operation *op) const {
    return cast<RankedTensorType>(getLinearInput(op).getType()).getDimSize(0);
  }
  Value buildInputProjection(Operation *op, OpBuilder &builder,
                             const WeightMatrix &a, StringRef name) const {
    return buildProjection(builder, op->getLoc(), getLinearInput(op), a, name);
  }
  Value buildOutputProjection(Operation *op, OpBuilder &builder,
                              Value bottleneck, const WeightMatrix &b,
                              StringRef name) const {
    // Accumulating into the original init keeps a bias folded into it.
    return buildProjection(builder, op->getLoc(), bottleneck, b, name,
                           cast<linalg::MatmulOp>(op).getOutputs()[0]);
  }
  std::string getInputFormKey(Operation *) const { return "linalg-rows"; }
};

/// The 2-D constant a linalg.batch_matmul's right operand broadcasts over
/// the batch: linalg.broadcast of a k x n constant along dimension 0.
static Value getBroadcastWeight(linalg::BatchMatmulOp op) {
  if (op.getIndexingMapsArray() !=
      linalg::BatchMatmulOp::getDefaultIndexingMaps(op.getContext()))
    return {};
  auto broadcast = op.getInputs()[1].getDefiningOp<linalg::BroadcastOp>();
  if (!broadcast || broadcast.getDimensions() != ArrayRef<int64_t>{0} ||
      !isStaticF32Matrix(broadcast.getInput()))
    return {};
  return broadcast.getInput();
}

/// b x m x r = x (b x m x k) times a constant k x r broadcast over b.
static Value buildBatchProjection(OpBuilder &builder, Location loc, Value x,
                                  const WeightMatrix &w, StringRef name,
                                  Value init = {}) {
  Value weight = createWeightConstant(builder, loc, w, name);
  auto xType = cast<RankedTensorType>(x.getType());
  int64_t batch = xType.getDimSize(0);
  Value broadcastInit = tensor::EmptyOp::create(
      builder, loc, ArrayRef<int64_t>{batch, w.rows(), w.cols()},
      xType.getElementType());
  Value broadcast =
      linalg::BroadcastOp::create(builder, loc, weight, broadcastInit,
                                  ArrayRef<int64_t>{0})
          .getResult()[0];
  if (!init)
    init = createZeroInit(builder, loc, {batch, xType.getDimSize(1), w.cols()},
                          xType.getElementType());
  return linalg::BatchMatmulOp::create(builder, loc, TypeRange{init.getType()},
                                       ValueRange{x, broadcast},
                                       ValueRange{init})
      .getResult(0);
}

struct BatchMatmulLinearModel
    : public LinearOpInterface::ExternalModel<BatchMatmulLinearModel,
                                              linalg::BatchMatmulOp> {
  bool isLinear(Operation *op) const {
    auto batch = cast<linalg::BatchMatmulOp>(op);
    auto xType = dyn_cast<RankedTensorType>(batch.getInputs()[0].getType());
    Value weight = getBroadcastWeight(batch);
    return batch.hasPureTensorSemantics() && weight && xType &&
           xType.hasStaticShape() && xType.getElementType().isF32() &&
           isConstantMatrix(weight);
  }
  Value getLinearInput(Operation *op) const {
    return cast<linalg::BatchMatmulOp>(op).getInputs()[0];
  }
  FailureOr<WeightMatrix> getWeightMatrix(Operation *op) const {
    return readConstantMatrix(
        getBroadcastWeight(cast<linalg::BatchMatmulOp>(op)), false);
  }
  std::pair<int64_t, int64_t> getLinearShape(Operation *op) const {
    auto type = cast<RankedTensorType>(
        getBroadcastWeight(cast<linalg::BatchMatmulOp>(op)).getType());
    return {type.getDimSize(0), type.getDimSize(1)};
  }
  int64_t getNumInputRows(Operation *op) const {
    auto type = cast<RankedTensorType>(getLinearInput(op).getType());
    return type.getDimSize(0) * type.getDimSize(1);
  }
  Value buildInputProjection(Operation *op, OpBuilder &builder,
                             const WeightMatrix &a, StringRef name) const {
    return buildBatchProjection(builder, op->getLoc(), getLinearInput(op), a,
                                name);
  }
  Value buildOutputProjection(Operation *op, OpBuilder &builder,
                              Value bottleneck, const WeightMatrix &b,
                              StringRef name) const {
    return buildBatchProjection(builder, op->getLoc(), bottleneck, b, name,
                                cast<linalg::BatchMatmulOp>(op).getOutputs()[0]);
  }
  std::string getInputFormKey(Operation *) const {
    return "linalg-batch-rows";
  }
};

/// A contraction linalg.generic y[rows..., n] += x[rows..., k] * w[k, n]
/// (any loop order, w possibly stored n x k) whose w is a constant.
struct ContractionShape {
  unsigned xIndex, wIndex;
  unsigned kDim, nDim;
  WeightLayout layout;
};

static std::optional<ContractionShape> matchContraction(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !op.hasPureTensorSemantics() || !linalg::isaContractionOpInterface(op))
    return std::nullopt;
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->k.size() != 1 || dims->n.size() != 1 ||
      !dims->batch.empty())
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  for (unsigned w = 0; w < 2; ++w) {
    Value weight = op.getDpsInputOperand(w)->get();
    if (!isStaticF32Matrix(weight))
      continue;
    AffineExpr k = getAffineDimExpr(dims->k[0], op.getContext());
    AffineExpr n = getAffineDimExpr(dims->n[0], op.getContext());
    ArrayRef<AffineExpr> exprs = maps[w].getResults();
    std::optional<WeightLayout> layout;
    if (exprs.size() == 2 && exprs[0] == k && exprs[1] == n)
      layout = WeightLayout::KN;
    else if (exprs.size() == 2 && exprs[0] == n && exprs[1] == k)
      layout = WeightLayout::NK;
    if (layout)
      return ContractionShape{1 - w, w, dims->k[0], dims->n[0], *layout};
  }
  return std::nullopt;
}

/// A generic like `op` with new operands, maps and init; same body.
static Value cloneContraction(OpBuilder &builder, linalg::GenericOp op,
                              ValueRange inputs, Value init,
                              ArrayRef<AffineMap> maps) {
  auto generic = linalg::GenericOp::create(
      builder, op.getLoc(), TypeRange{init.getType()}, inputs,
      ValueRange{init}, maps, op.getIteratorTypesArray());
  IRMapping mapping;
  op.getRegion().cloneInto(&generic.getRegion(), mapping);
  return generic.getResult(0);
}

struct GenericContractionModel
    : public LinearOpInterface::ExternalModel<GenericContractionModel,
                                              linalg::GenericOp> {
  static Value storedWeight(linalg::GenericOp op, const ContractionShape &c,
                            bool &transposed) {
    transposed = c.layout == WeightLayout::NK;
    return lookThroughTranspose(op.getDpsInputOperand(c.wIndex)->get(),
                                transposed);
  }

  bool isLinear(Operation *op) const {
    auto generic = cast<linalg::GenericOp>(op);
    std::optional<ContractionShape> c = matchContraction(generic);
    if (!c)
      return false;
    auto xType = dyn_cast<RankedTensorType>(
        generic.getDpsInputOperand(c->xIndex)->get().getType());
    if (!xType || !xType.hasStaticShape() || !xType.getElementType().isF32())
      return false;
    bool transposed;
    return isConstantMatrix(storedWeight(generic, *c, transposed));
  }
  Value getLinearInput(Operation *op) const {
    auto generic = cast<linalg::GenericOp>(op);
    return generic.getDpsInputOperand(matchContraction(generic)->xIndex)->get();
  }
  FailureOr<WeightMatrix> getWeightMatrix(Operation *op) const {
    auto generic = cast<linalg::GenericOp>(op);
    bool transposed;
    Value stored = storedWeight(generic, *matchContraction(generic), transposed);
    return readConstantMatrix(stored, transposed);
  }
  std::pair<int64_t, int64_t> getLinearShape(Operation *op) const {
    auto generic = cast<linalg::GenericOp>(op);
    ContractionShape c = *matchContraction(generic);
    auto type = cast<RankedTensorType>(
        generic.getDpsInputOperand(c.wIndex)->get().getType());
    if (c.layout == WeightLayout::NK)
      return {type.getDimSize(1), type.getDimSize(0)};
    return {type.getDimSize(0), type.getDimSize(1)};
  }
  int64_t getNumInputRows(Operation *op) const {
    auto generic = cast<linalg::GenericOp>(op);
    ContractionShape c = *matchContraction(generic);
    int64_t rows = 1;
    AffineMap xMap = generic.getIndexingMapsArray()[c.xIndex];
    auto xType = cast<RankedTensorType>(getLinearInput(op).getType());
    for (auto [i, expr] : llvm::enumerate(xMap.getResults()))
      if (expr != getAffineDimExpr(c.kDim, op->getContext()))
        rows *= xType.getDimSize(i);
    return rows;
  }

  /// The weight constant in the stored orientation for factor `m` (k x n).
  static Value weightConstant(OpBuilder &builder, Location loc,
                              const ContractionShape &c, const WeightMatrix &m,
                              StringRef name) {
    return createWeightConstant(
        builder, loc, c.layout == WeightLayout::NK ? numerics::transposed(m) : m,
        name);
  }

  Value buildInputProjection(Operation *op, OpBuilder &builder,
                             const WeightMatrix &a, StringRef name) const {
    auto generic = cast<linalg::GenericOp>(op);
    ContractionShape c = *matchContraction(generic);
    Location loc = op->getLoc();
    Value weight = weightConstant(builder, loc, c, a, name);
    // Same loops and maps; the n dimension now has the rank's extent.
    AffineMap outMap = generic.getIndexingMapsArray()[2];
    auto outType = cast<RankedTensorType>(generic.getResult(0).getType());
    SmallVector<int64_t> shape(outType.getShape());
    for (auto [i, expr] : llvm::enumerate(outMap.getResults()))
      if (expr == getAffineDimExpr(c.nDim, op->getContext()))
        shape[i] = a.cols();
    Value init = createZeroInit(builder, loc, shape, outType.getElementType());
    SmallVector<Value> inputs(2);
    inputs[c.xIndex] = getLinearInput(op);
    inputs[c.wIndex] = weight;
    return cloneContraction(builder, generic, inputs, init,
                            generic.getIndexingMapsArray());
  }
  Value buildOutputProjection(Operation *op, OpBuilder &builder,
                              Value bottleneck, const WeightMatrix &b,
                              StringRef name) const {
    auto generic = cast<linalg::GenericOp>(op);
    ContractionShape c = *matchContraction(generic);
    Value weight = weightConstant(builder, op->getLoc(), c, b, name);
    // The bottleneck is laid out like the output with n in place of k: it
    // is read with the output's map where n becomes the contracted k.
    SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
    MLIRContext *ctx = op->getContext();
    maps[c.xIndex] = maps[2].replace(getAffineDimExpr(c.nDim, ctx),
                                     getAffineDimExpr(c.kDim, ctx),
                                     maps[2].getNumDims(), 0);
    SmallVector<Value> inputs(2);
    inputs[c.xIndex] = bottleneck;
    inputs[c.wIndex] = weight;
    return cloneContraction(builder, generic, inputs, generic.getOutputs()[0],
                            maps);
  }
  std::string getInputFormKey(Operation *op) const {
    auto generic = cast<linalg::GenericOp>(op);
    ContractionShape c = *matchContraction(generic);
    std::string key;
    llvm::raw_string_ostream os(key);
    os << "linalg-generic:" << c.xIndex << ":"
       << generic.getIndexingMapsArray()[c.xIndex] << ":"
       << generic.getIndexingMapsArray()[2];
    return key;
  }
};

} // namespace

void registerLinalgLinearOpInterfaceModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, linalg::LinalgDialect *) {
    linalg::MatmulOp::attachInterface<MatmulLinearModel>(*context);
    linalg::BatchMatmulOp::attachInterface<BatchMatmulLinearModel>(*context);
    linalg::GenericOp::attachInterface<GenericContractionModel>(*context);
  });
}

} // namespace lowrank
