//===- LinalgLinearOpModels.cpp - LinearOpInterface for linalg ops --------===//
//
// linalg.matmul (with the default or the transposed-B indexing maps) and
// linalg.batch_matmul whose right operand is a constant 2-D matrix
// broadcast over the batch (linalg.broadcast of a constant) are linear
// layers at the linalg level: the same passes factor IREE-style input.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Interfaces/LinearOpInterface.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineExpr.h"
#include "mlir/IR/DialectRegistry.h"

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

/// M x r = x (M x K) times a constant K x r, accumulated into zeros.
static Value buildProjection(OpBuilder &builder, Location loc, Value x,
                             const WeightMatrix &w, StringRef name,
                             Value init = {}) {
  DenseResourceElementsAttr attr = createWeightAttr(
      builder.getContext(), name, {w.rows(), w.cols()}, w);
  Value weight = arith::ConstantOp::create(builder, loc, attr);
  if (!init) {
    auto xType = cast<RankedTensorType>(x.getType());
    SmallVector<OpFoldResult> sizes = {
        tensor::getMixedSize(builder, loc, x, 0),
        builder.getIndexAttr(w.cols())};
    Value empty = tensor::EmptyOp::create(builder, loc, sizes,
                                          xType.getElementType());
    Value zero = arith::ConstantOp::create(
        builder, loc, builder.getZeroAttr(xType.getElementType()));
    init = linalg::FillOp::create(builder, loc, zero, empty).getResult(0);
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

} // namespace

void registerLinalgLinearOpInterfaceModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, linalg::LinalgDialect *) {
    linalg::MatmulOp::attachInterface<MatmulLinearModel>(*context);
  });
}

} // namespace lowrank
