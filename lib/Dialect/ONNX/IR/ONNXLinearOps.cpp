//===- ONNXLinearOps.cpp - LinearOpInterface of MatMul, Gemm and Conv -----===//
//
// onnx.MatMul and onnx.Gemm with a constant 2-D weight (possibly behind a
// 2-D Transpose), and 1x1 onnx.Conv without groups, are linear layers:
// y = x W applied to each row (pixel, for the convolution) of x.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Dialect/ONNX/IR/ONNXOps.h"

using namespace mlir;
using namespace lowrank;
using namespace lowrank::onnx;

/// The value holding a stored weight, looking through a 2-D transpose;
/// flips `transposed` for each transpose that swaps the two dimensions
/// (perm [1, 0] or no perm), and passes an identity one (perm [0, 1])
/// without flipping.
static Value lookThroughTranspose(Value value, bool &transposed) {
  if (auto transpose = value.getDefiningOp<TransposeOp>()) {
    auto type = dyn_cast<RankedTensorType>(transpose.getData().getType());
    if (!type || type.getRank() != 2)
      return value;
    std::optional<ArrayRef<int64_t>> perm = transpose.getPerm();
    if (!perm || *perm == ArrayRef<int64_t>{1, 0}) {
      transposed = !transposed;
      return transpose.getData();
    }
    if (*perm == ArrayRef<int64_t>{0, 1})
      return transpose.getData();
  }
  return value;
}

/// A static weight of `rank` in a float type weights are read in (f32, f16,
/// bf16); factors are written in the same type.
static bool isStaticWeight(Type type, int64_t rank) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && tensor.hasStaticShape() && tensor.getRank() == rank &&
         isWeightElementType(tensor.getElementType());
}

static int64_t productOfLeadingDims(Value value, int64_t skip) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type)
    return ShapedType::kDynamic;
  int64_t rows = 1;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    if (i == skip)
      continue;
    if (type.isDynamicDim(i))
      return ShapedType::kDynamic;
    rows *= type.getDimSize(i);
  }
  return rows;
}

static Value createWeightConstant(OpBuilder &builder, Location loc,
                                  StringRef name, ArrayRef<int64_t> shape,
                                  const WeightMatrix &matrix,
                                  Type elementType) {
  DenseResourceElementsAttr attr =
      createWeightAttr(builder.getContext(), name, shape, matrix, elementType);
  return ConstantOp::create(builder, loc, attr.getType(), attr);
}

/// x A for ops whose input is a matrix of rows: onnx.MatMul(x, A), with
/// x's leading dimensions kept.
static Value buildRowProjection(OpBuilder &builder, Location loc, Value x,
                                const WeightMatrix &a, StringRef name) {
  auto xType = cast<TensorType>(x.getType());
  Value weight = createWeightConstant(builder, loc, name, {a.rows(), a.cols()},
                                      a, xType.getElementType());
  Type resultType = UnrankedTensorType::get(xType.getElementType());
  if (auto ranked = dyn_cast<RankedTensorType>(xType)) {
    SmallVector<int64_t> shape(ranked.getShape());
    shape.back() = a.cols();
    resultType = RankedTensorType::get(shape, xType.getElementType());
  }
  return MatMulOp::create(builder, loc, resultType, x, weight);
}

//===----------------------------------------------------------------------===//
// MatMul
//===----------------------------------------------------------------------===//

bool MatMulOp::isLinear() {
  // The weight fixes d_in: the input may be unranked or have a dynamic last
  // dimension (the outputs of custom operators, run-time reshapes).
  auto aType = dyn_cast<RankedTensorType>(getA().getType());
  if ((aType && aType.getRank() < 1) || !isStaticWeight(getB().getType(), 2))
    return false;
  bool transposed = false;
  return isConstantMatrix(lookThroughTranspose(getB(), transposed));
}

Value MatMulOp::getLinearInput() { return getA(); }

FailureOr<WeightMatrix> MatMulOp::getWeightMatrix() {
  bool transposed = false;
  Value stored = lookThroughTranspose(getB(), transposed);
  return readConstantMatrix(stored, transposed);
}

std::pair<int64_t, int64_t> MatMulOp::getLinearShape() {
  auto type = cast<RankedTensorType>(getB().getType());
  return {type.getDimSize(0), type.getDimSize(1)};
}

int64_t MatMulOp::getNumInputRows() {
  auto type = dyn_cast<RankedTensorType>(getA().getType());
  if (!type)
    return ShapedType::kDynamic;
  return productOfLeadingDims(getA(), type.getRank() - 1);
}

Value MatMulOp::buildInputProjection(OpBuilder &builder,
                                     const WeightMatrix &a, StringRef name) {
  return buildRowProjection(builder, getLoc(), getA(), a, name);
}

Value MatMulOp::buildOutputProjection(OpBuilder &builder, Value bottleneck,
                                      const WeightMatrix &b, StringRef name) {
  Value weight =
      createWeightConstant(builder, getLoc(), name, {b.rows(), b.cols()}, b,
                           getElementTypeOrSelf(getB().getType()));
  return MatMulOp::create(builder, getLoc(), getType(), bottleneck, weight);
}

std::string MatMulOp::getInputFormKey() { return "rows"; }

//===----------------------------------------------------------------------===//
// Gemm
//===----------------------------------------------------------------------===//

bool GemmOp::isLinear() {
  if (getTransA() != 0 || !isStaticWeight(getB().getType(), 2))
    return false;
  auto aType = dyn_cast<RankedTensorType>(getA().getType());
  if (!aType)
    return false;
  bool transposed = false;
  return isConstantMatrix(lookThroughTranspose(getB(), transposed));
}

Value GemmOp::getLinearInput() { return getA(); }

FailureOr<WeightMatrix> GemmOp::getWeightMatrix() {
  bool transposed = getTransB() != 0;
  Value stored = lookThroughTranspose(getB(), transposed);
  return readConstantMatrix(stored, transposed);
}

std::pair<int64_t, int64_t> GemmOp::getLinearShape() {
  auto type = cast<RankedTensorType>(getB().getType());
  if (getTransB())
    return {type.getDimSize(1), type.getDimSize(0)};
  return {type.getDimSize(0), type.getDimSize(1)};
}

int64_t GemmOp::getNumInputRows() {
  return cast<RankedTensorType>(getA().getType()).getDimSize(0);
}

Value GemmOp::buildInputProjection(OpBuilder &builder, const WeightMatrix &a,
                                   StringRef name) {
  return buildRowProjection(builder, getLoc(), getA(), a, name);
}

Value GemmOp::buildOutputProjection(OpBuilder &builder, Value bottleneck,
                                    const WeightMatrix &b, StringRef name) {
  Value weight =
      createWeightConstant(builder, getLoc(), name, {b.rows(), b.cols()}, b,
                           getElementTypeOrSelf(getB().getType()));
  // alpha scales the product and beta the bias as before.
  return GemmOp::create(builder, getLoc(), getType(), bottleneck, weight,
                        getC(), getAlphaAttr(), getBetaAttr(),
                        builder.getI64IntegerAttr(0),
                        builder.getI64IntegerAttr(0));
}

std::string GemmOp::getInputFormKey() { return "rows"; }

//===----------------------------------------------------------------------===//
// Conv (1x1, one group)
//===----------------------------------------------------------------------===//

bool ConvOp::isLinear() {
  auto wType = dyn_cast<RankedTensorType>(getW().getType());
  auto xType = dyn_cast<RankedTensorType>(getX().getType());
  if (getGroup() != 1 || !wType || !xType || !wType.hasStaticShape() ||
      !isWeightElementType(wType.getElementType()) || xType.isDynamicDim(1))
    return false;
  for (int64_t i = 2; i < wType.getRank(); ++i)
    if (wType.getDimSize(i) != 1)
      return false;
  return isConstantMatrix(getW());
}

Value ConvOp::getLinearInput() { return getX(); }

FailureOr<WeightMatrix> ConvOp::getWeightMatrix() {
  // W is Cout x Cin x 1 x 1: as a matrix Cout x Cin, transposed to Cin x Cout.
  return readConstantMatrix(getW(), /*transpose=*/true);
}

std::pair<int64_t, int64_t> ConvOp::getLinearShape() {
  auto type = cast<RankedTensorType>(getW().getType());
  return {type.getDimSize(1), type.getDimSize(0)};
}

int64_t ConvOp::getNumInputRows() {
  return productOfLeadingDims(getResult(), /*skip=*/1);
}

/// The shape of a 1x1 kernel with `outChannels` x `inChannels`.
static SmallVector<int64_t> kernelShape(ConvOp op, int64_t outChannels,
                                        int64_t inChannels) {
  int64_t rank = cast<RankedTensorType>(op.getW().getType()).getRank();
  SmallVector<int64_t> shape(rank, 1);
  shape[0] = outChannels;
  shape[1] = inChannels;
  return shape;
}

Value ConvOp::buildInputProjection(OpBuilder &builder, const WeightMatrix &a,
                                   StringRef name) {
  // The first 1x1 convolution keeps the strides and pads: padding yields
  // zero pixels, which the second convolution maps to its bias, as before.
  int64_t rank = a.cols();
  Value weight = createWeightConstant(builder, getLoc(), name,
                                      kernelShape(*this, rank, a.rows()),
                                      numerics::transposed(a),
                                      getElementTypeOrSelf(getW().getType()));
  auto resultType = cast<RankedTensorType>(getType());
  SmallVector<int64_t> shape(resultType.getShape());
  shape[1] = rank;
  Value none = NoValueOp::create(builder, getLoc(), builder.getNoneType());
  auto conv = ConvOp::create(
      builder, getLoc(), RankedTensorType::get(shape, resultType.getElementType()),
      getX(), weight, none, getAutoPadAttr(), getDilationsAttr(),
      getGroupAttr(), getKernelShapeAttr(), getPadsAttr(), getStridesAttr());
  return conv;
}

Value ConvOp::buildOutputProjection(OpBuilder &builder, Value bottleneck,
                                    const WeightMatrix &b, StringRef name) {
  Value weight = createWeightConstant(builder, getLoc(), name,
                                      kernelShape(*this, b.cols(), b.rows()),
                                      numerics::transposed(b),
                                      getElementTypeOrSelf(getW().getType()));
  return ConvOp::create(builder, getLoc(), getType(), bottleneck, weight,
                        getB(), builder.getStringAttr("NOTSET"),
                        DenseI64ArrayAttr(), getGroupAttr(),
                        getKernelShapeAttr(), DenseI64ArrayAttr(),
                        DenseI64ArrayAttr());
}

std::string ConvOp::getInputFormKey() {
  std::string key;
  llvm::raw_string_ostream os(key);
  os << "conv";
  for (Attribute attr : {Attribute(getAutoPadAttr()), Attribute(getPadsAttr()),
                         Attribute(getStridesAttr()),
                         Attribute(getDilationsAttr())}) {
    os << ";";
    if (attr)
      os << attr;
  }
  return key;
}
